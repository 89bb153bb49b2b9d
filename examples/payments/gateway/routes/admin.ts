/**
 * Admin (loopback callers only):
 *   GET  /admin/faults        current injected faults
 *   POST /admin/faults        replace them: {"latencyMs": 2500, "errorRate": 0.2}; {} clears
 *   GET  /admin/status        breaker state, order count, journal path
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopback } from '../../../../src/net/peer';
import type { GatewayContext } from '../context';
import { GatewayError, sendGatewayError } from '../http-errors';
import { parseGatewayFaults, type GatewayFaultInjector } from '../inbound/faults';

async function loopbackOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!isLoopback(request.socket.remoteAddress)) await sendGatewayError(reply, new GatewayError('PAYSIDECAR_GATEWAY_FORBIDDEN', `peer ${request.socket.remoteAddress}`));
}

export function adminRoutes(app: FastifyInstance, ctx: GatewayContext, faults: GatewayFaultInjector, journalPath: string | undefined): void {
  app.get('/admin/faults', { preHandler: loopbackOnly }, async () => ({ faults: faults.current }));

  app.post('/admin/faults', { preHandler: loopbackOnly }, async (request) => {
    const parsed = parseGatewayFaults(request.body ?? {});
    if (typeof parsed === 'string') throw new GatewayError('PAYSIDECAR_GATEWAY_BAD_REQUEST', parsed);
    faults.set(parsed);
    ctx.logger.info({ faults: parsed }, 'gateway faults set');
    return { faults: parsed };
  });

  app.get('/admin/status', { preHandler: loopbackOnly }, async () => ({
    breaker: ['closed', 'half_open', 'open'][ctx.client.breakerState()],
    orders: ctx.orders.size,
    journal: journalPath ?? null,
    faults: faults.current,
  }));
}
