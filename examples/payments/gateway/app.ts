/**
 * The merchant gateway's HTTP app. Routes:
 *
 *   POST /api/orders                         create an order (Idempotency-Key) → 201
 *   GET  /api/orders/:out_trade_no           order state (platform query as refresh / fallback)
 *   POST /api/orders/:out_trade_no/refund    refund → 202; REFUND.SUCCESS completes it
 *   POST /api/orders/:out_trade_no/close     close an unpaid order
 *   GET  /api/accounts/:id                   balance and version
 *   POST /api/accounts/:id/deduct            debit under the account lock
 *   POST /notify/wxpay, POST /notify/refund  signed, encrypted platform callbacks
 *   GET|POST /admin/faults, GET /admin/status   loopback only
 *   GET  /healthz
 *
 * /api/* passes the token bucket, then the injected faults.
 */
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import { keepRawJsonBody } from '../wxpay/server/raw-json-body';
import type { GatewayContext } from './context';
import { GatewayError, sendGatewayError } from './http-errors';
import type { GatewayFaultInjector } from './inbound/faults';
import { rateLimitHook, type RateLimitOptions } from './inbound/rate-limit';
import { notifyRoutes } from './notify/routes';
import { OrderService } from './orders';
import { accountRoutes } from './routes/accounts';
import { adminRoutes } from './routes/admin';
import { orderRoutes } from './routes/orders';

export interface AppOptions {
  rateLimit: RateLimitOptions;
  faults: GatewayFaultInjector;
  journalPath?: string;
  /** Serve HTTPS with this key and certificate. */
  tls?: { key: string; cert: string };
}

export function buildGatewayApp(ctx: GatewayContext, opts: AppOptions): FastifyInstance {
  const app = Fastify({
    ...(opts.tls ? { https: opts.tls } : {}),
    loggerInstance: ctx.logger,
    logController: new LogController({ disableRequestLogging: true }),
    keepAliveTimeout: 65_000,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  keepRawJsonBody(app);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (request.url.startsWith('/notify/')) {
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
      if (status >= 500) ctx.logger.error({ err, url: request.url }, 'callback handler failed');
      return reply.code(status).send({ code: 'FAIL', message: status < 500 ? err.message : 'internal error' });
    }
    if (err instanceof GatewayError) return sendGatewayError(reply, err);
    if (err.statusCode && err.statusCode < 500) return sendGatewayError(reply, new GatewayError('PAYSIDECAR_GATEWAY_BAD_REQUEST', err.message));
    ctx.logger.error({ err, url: request.url }, 'gateway handler failed');
    return sendGatewayError(reply, new GatewayError('PAYSIDECAR_GATEWAY_INTERNAL'));
  });
  app.setNotFoundHandler((request, reply) => sendGatewayError(reply, new GatewayError('PAYSIDECAR_GATEWAY_NOT_FOUND', `${request.method} ${request.url.split('?')[0]}`)));

  app.get('/healthz', async () => ({ status: 'ok' }));

  void app.register(async (api) => {
    api.addHook('onRequest', rateLimitHook(opts.rateLimit, ctx.metrics));
    api.addHook('onRequest', opts.faults.hook());
    orderRoutes(api, new OrderService(ctx));
    accountRoutes(api, ctx);
  });
  notifyRoutes(app, ctx);
  adminRoutes(app, ctx, opts.faults, opts.journalPath);
  return app;
}
