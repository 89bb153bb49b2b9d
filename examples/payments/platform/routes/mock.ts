/**
 * The mock's own endpoints (no merchant signature needed):
 *   POST /mock/pay            {"out_trade_no": "…", "openid"?: "…", "notify"?: true}: the payer pays
 *   GET  /mock/orders/:out_trade_no   the transaction as the platform sees it
 *   GET  /mock/notifications[?out_trade_no=]   every callback delivery attempt
 *   GET  /mock/signtest       results of WECHATPAY/SIGNTEST/ probes
 *   GET  /mock/faults, POST /mock/faults   current faults / replace them (`{}` clears); loopback only
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { wxpayError } from '../../wxpay/errors';
import { isLoopback } from '../../../../src/net/peer';
import { rfc3339Beijing } from '../../wxpay/time';
import type { PlatformContext } from '../context';
import { parsePlatformFaults } from '../faults';
import { openid, transactionId } from '../ids';
import { transactionNotify } from '../notify/envelope';
import { toTransaction } from '../store';

async function loopbackOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!isLoopback(request.socket.remoteAddress)) {
    const e = wxpayError('NO_AUTH', 'fault injection and rotation answer loopback callers only');
    await reply.code(e.status).send(e.body);
  }
}

export function mockRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.post('/mock/pay', async (request, reply) => {
    const b = (request.body ?? {}) as { out_trade_no?: unknown; openid?: unknown; notify?: unknown };
    if (typeof b.out_trade_no !== 'string' || b.out_trade_no === '') {
      const e = wxpayError('PARAM_ERROR', 'out_trade_no is required', { field: '/out_trade_no', value: b.out_trade_no ?? null, location: 'body', issue: 'missing' });
      return reply.code(e.status).send(e.body);
    }
    const order = ctx.store.getOrder(ctx.keys.mchid, b.out_trade_no);
    if (!order) {
      const e = wxpayError('ORDER_NOT_EXIST', `order ${b.out_trade_no} does not exist`);
      return reply.code(e.status).send(e.body);
    }
    if (order.state === 'CLOSED') {
      const e = wxpayError('ORDER_CLOSED', `order ${order.out_trade_no} is closed`);
      return reply.code(e.status).send(e.body);
    }
    if (order.state !== 'NOTPAY') return reply.send(toTransaction(order));
    order.state = 'SUCCESS';
    order.transaction_id = transactionId();
    order.success_time = rfc3339Beijing();
    order.openid = order.openid ?? (typeof b.openid === 'string' && b.openid ? b.openid : openid());
    ctx.store.indexTransaction(order);
    const transaction = toTransaction(order);
    if (b.notify !== false) {
      ctx.notifier.send({ envelope: transactionNotify(ctx.keys, transaction), url: order.notify_url, outTradeNo: order.out_trade_no, trace: order.trace });
    }
    ctx.logger.info({ out_trade_no: order.out_trade_no, transaction_id: order.transaction_id }, 'order paid');
    return reply.send(transaction);
  });

  app.get<{ Params: { out_trade_no: string } }>('/mock/orders/:out_trade_no', async (request, reply) => {
    const order = ctx.store.getOrder(ctx.keys.mchid, request.params.out_trade_no);
    if (!order) {
      const e = wxpayError('ORDER_NOT_EXIST', `order ${request.params.out_trade_no} does not exist`);
      return reply.code(e.status).send(e.body);
    }
    return reply.send(toTransaction(order));
  });

  app.get<{ Querystring: { out_trade_no?: string } }>('/mock/notifications', async (request) => ({
    pending: ctx.notifier.pending,
    deliveries: ctx.notifier.records(request.query.out_trade_no),
  }));

  app.get('/mock/signtest', async () => ({ probes: ctx.notifier.probes() }));

  app.get('/mock/faults', { preHandler: loopbackOnly }, async () => ({ faults: ctx.faults.current, injected: ctx.faults.counters }));

  app.post('/mock/faults', { preHandler: loopbackOnly }, async (request, reply) => {
    const parsed = parsePlatformFaults(request.body ?? {});
    if (typeof parsed === 'string') {
      const e = wxpayError('PARAM_ERROR', parsed, { location: 'body', issue: parsed });
      return reply.code(e.status).send(e.body);
    }
    ctx.faults.set(parsed);
    ctx.logger.info({ faults: parsed }, 'platform faults set');
    return reply.send({ faults: parsed });
  });

  app.get('/mock/identity', async () => ({
    mode: ctx.identities.mode,
    signing_serial: ctx.identities.mode === 'public-key' ? ctx.keys.publicKeyId : ctx.identities.listed().at(-1)?.serial,
    certificates: ctx.identities.listed().map((c) => ({ serial_no: c.serial, expire_time: rfc3339Beijing(c.notAfter.getTime()), retires_at: c.retiresAt === undefined ? undefined : rfc3339Beijing(c.retiresAt) })),
    public_key_id: ctx.identities.mode === 'certificate' ? undefined : ctx.keys.publicKeyId,
  }));

  app.post('/mock/certificates/rotate', { preHandler: loopbackOnly }, async (request, reply) => {
    const b = (request.body ?? {}) as { retire_after_ms?: unknown };
    const retire = b.retire_after_ms ?? ctx.rotationWindowMs;
    if (typeof retire !== 'number' || !Number.isInteger(retire) || retire < 0) {
      const e = wxpayError('PARAM_ERROR', 'retire_after_ms must be a whole number of milliseconds', { field: '/retire_after_ms', value: retire, location: 'body', issue: 'invalid' });
      return reply.code(e.status).send(e.body);
    }
    if (!ctx.identities.usesCertificates) {
      const e = wxpayError('INVALID_REQUEST', 'this platform runs in public-key mode: it has no certificates to rotate');
      return reply.code(e.status).send(e.body);
    }
    const cert = await ctx.identities.rotate(retire);
    ctx.logger.info({ serial: cert.serial, retire_after_ms: retire }, 'platform certificate rotated');
    return reply.send({ serial_no: cert.serial, retire_after_ms: retire });
  });
}
