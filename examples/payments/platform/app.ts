/**
 * The mock WeChat Pay v3 platform's HTTP app. Routes:
 *
 *   POST /v3/pay/transactions/jsapi                       create a JSAPI order → {prepay_id}
 *   POST /v3/pay/transactions/native                      create a Native order → {code_url}
 *   GET  /v3/pay/transactions/out-trade-no/:no?mchid=     query by merchant order number
 *   GET  /v3/pay/transactions/id/:transaction_id?mchid=   query by transaction id
 *   POST /v3/pay/transactions/out-trade-no/:no/close      close an unpaid order → 204
 *   POST /v3/refund/domestic/refunds                      refund → PROCESSING, later SUCCESS + callback
 *   GET  /v3/refund/domestic/refunds/:out_refund_no       query a refund
 *   GET  /v3/certificates                                 platform certificates, encrypted (404 in public-key mode)
 *   POST /v3/security/echo                                self-test under the Wechatpay-Serial identity
 *   POST /mock/pay, GET /mock/orders/:no, GET /mock/notifications, GET /mock/signtest,
 *   GET /mock/identity, GET|POST /mock/faults and POST /mock/certificates/rotate (loopback only), GET /healthz
 *
 * Every /v3 request must carry a valid merchant Authorization; every response is signed, as
 * the run's verify mode says (see identities.ts). Served over HTTPS when `tls` is given.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyError } from 'fastify';
import { wxpayError } from '../wxpay/errors';
import { keepRawJsonBody } from '../wxpay/server/raw-json-body';
import type { PlatformContext } from './context';
import { merchantAuth } from './merchant-auth';
import { signResponses } from './response-signing';
import { mockRoutes } from './routes/mock';
import { refundRoutes } from './routes/refunds';
import { securityRoutes } from './routes/security';
import { transactionRoutes } from './routes/transactions';

export function buildPlatformApp(ctx: PlatformContext, timers: Set<NodeJS.Timeout>, tls?: { key: string; cert: string }): FastifyInstance {
  const app = Fastify({
    ...(tls ? { https: tls } : {}),
    loggerInstance: ctx.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // The gateway's keep-alive pool must not race the server closing idle sockets.
    keepAliveTimeout: 65_000,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;
  keepRawJsonBody(app);
  signResponses(app, ctx.identities);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) ctx.logger.error({ err, url: request.url }, 'platform handler failed');
    const e = status < 500 ? wxpayError('PARAM_ERROR', err.message, { location: 'body', issue: err.code ?? 'invalid' }) : wxpayError('SYSTEM_ERROR', 'internal error');
    return reply.code(e.status).send(e.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const e = wxpayError('RESOURCE_NOT_EXISTS', `no such endpoint: ${request.method} ${request.url.split('?')[0]}`);
    return reply.code(e.status).send(e.body);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  void app.register(async (v3) => {
    v3.addHook('onRequest', ctx.faults.hook());
    v3.addHook('preHandler', merchantAuth(ctx.keys));
    transactionRoutes(v3, ctx);
    refundRoutes(v3, ctx, timers);
    securityRoutes(v3, ctx);
  });
  mockRoutes(app, ctx);
  return app;
}
