/**
 * Payment transactions:
 *   POST /v3/pay/transactions/jsapi | /native
 *   GET  /v3/pay/transactions/out-trade-no/:out_trade_no?mchid=
 *   GET  /v3/pay/transactions/id/:transaction_id?mchid=
 *   POST /v3/pay/transactions/out-trade-no/:out_trade_no/close
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { wxpayError, type WxpayErrorCode, type WxpayErrorDetail } from '../../wxpay/errors';
import type { PlatformContext } from '../context';
import { codeUrl, prepayId } from '../ids';
import { traceFromHeaders } from '../notify/trace';
import { toTransaction, type PlatformOrder } from '../store';
import { check, closeSchema, fingerprint, jsapiOrderSchema, nativeOrderSchema, type JsapiOrderBody, type NativeOrderBody } from '../validation';

function fail(reply: FastifyReply, code: WxpayErrorCode, message: string, detail?: WxpayErrorDetail) {
  const e = wxpayError(code, message, detail);
  return reply.code(e.status).send(e.body);
}

function checkMchidQuery(request: FastifyRequest, reply: FastifyReply): boolean {
  const mchid = (request.query as Record<string, string | undefined>).mchid;
  if (!mchid) {
    void fail(reply, 'PARAM_ERROR', 'mchid is required in the query string', { field: 'mchid', location: 'query', issue: 'missing' });
    return false;
  }
  if (mchid !== request.mchid) {
    void fail(reply, 'PARAM_ERROR', 'mchid does not match the Authorization mchid', { field: 'mchid', value: mchid, location: 'query', issue: 'mismatch' });
    return false;
  }
  return true;
}

export function transactionRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const create = (tradeType: 'JSAPI' | 'NATIVE') => async (request: FastifyRequest, reply: FastifyReply) => {
    const checked = tradeType === 'JSAPI' ? check<JsapiOrderBody>(jsapiOrderSchema, request.body) : check<NativeOrderBody>(nativeOrderSchema, request.body);
    if (!checked.ok) return reply.code(checked.status).send(checked.body);
    const b = checked.value as JsapiOrderBody & NativeOrderBody;
    if (b.mchid !== request.mchid) return fail(reply, 'PARAM_ERROR', 'mchid does not match the Authorization mchid', { field: '/mchid', value: b.mchid, location: 'body', issue: 'mismatch' });
    if (b.appid !== ctx.keys.appid) return fail(reply, 'APPID_MCHID_NOT_MATCH', `appid ${b.appid} is not bound to mchid ${b.mchid}`);
    const fp = fingerprint({ tradeType, description: b.description, total: b.amount.total, notify_url: b.notify_url, attach: b.attach, time_expire: b.time_expire, openid: b.payer?.openid });
    const existing = ctx.store.getOrder(b.mchid, b.out_trade_no);
    if (existing) {
      if (existing.fingerprint !== fp) return fail(reply, 'OUT_TRADE_NO_USED', `out_trade_no ${b.out_trade_no} was already used with different parameters`);
      if (existing.state === 'CLOSED') return fail(reply, 'ORDER_CLOSED', `order ${b.out_trade_no} is closed`);
      if (existing.state !== 'NOTPAY') return fail(reply, 'ORDERPAID', `order ${b.out_trade_no} is already paid`);
      return reply.send(tradeType === 'JSAPI' ? { prepay_id: existing.prepay_id } : { code_url: existing.code_url });
    }
    const order: PlatformOrder = {
      appid: b.appid,
      mchid: b.mchid,
      out_trade_no: b.out_trade_no,
      trade_type: tradeType,
      description: b.description,
      notify_url: b.notify_url,
      total: b.amount.total,
      attach: b.attach,
      time_expire: b.time_expire,
      openid: b.payer?.openid,
      state: 'NOTPAY',
      fingerprint: fp,
      refunded: 0,
      trace: traceFromHeaders(request.headers),
      created_at: Date.now(),
    };
    if (tradeType === 'JSAPI') order.prepay_id = prepayId();
    else order.code_url = codeUrl();
    ctx.store.putOrder(order);
    ctx.logger.debug({ out_trade_no: order.out_trade_no, trade_type: tradeType, total: order.total }, 'order created');
    return reply.send(tradeType === 'JSAPI' ? { prepay_id: order.prepay_id } : { code_url: order.code_url });
  };

  app.post('/v3/pay/transactions/jsapi', { config: { endpoint: 'jsapi' } }, create('JSAPI'));
  app.post('/v3/pay/transactions/native', { config: { endpoint: 'native' } }, create('NATIVE'));

  app.get<{ Params: { out_trade_no: string } }>('/v3/pay/transactions/out-trade-no/:out_trade_no', { config: { endpoint: 'query' } }, async (request, reply) => {
    if (!checkMchidQuery(request, reply)) return reply;
    const order = ctx.store.getOrder(request.mchid ?? '', request.params.out_trade_no);
    if (!order) return fail(reply, 'ORDER_NOT_EXIST', `order ${request.params.out_trade_no} does not exist`);
    return reply.send(toTransaction(order));
  });

  app.get<{ Params: { transaction_id: string } }>('/v3/pay/transactions/id/:transaction_id', { config: { endpoint: 'query-by-id' } }, async (request, reply) => {
    if (!checkMchidQuery(request, reply)) return reply;
    const order = ctx.store.getByTransactionId(request.params.transaction_id);
    if (!order || order.mchid !== request.mchid) return fail(reply, 'ORDER_NOT_EXIST', `transaction ${request.params.transaction_id} does not exist`);
    return reply.send(toTransaction(order));
  });

  app.post<{ Params: { out_trade_no: string } }>('/v3/pay/transactions/out-trade-no/:out_trade_no/close', { config: { endpoint: 'close' } }, async (request, reply) => {
    const checked = check(closeSchema, request.body);
    if (!checked.ok) return reply.code(checked.status).send(checked.body);
    if (checked.value.mchid !== request.mchid) return fail(reply, 'PARAM_ERROR', 'mchid does not match the Authorization mchid', { field: '/mchid', value: checked.value.mchid, location: 'body', issue: 'mismatch' });
    const order = ctx.store.getOrder(checked.value.mchid, request.params.out_trade_no);
    if (!order) return fail(reply, 'ORDER_NOT_EXIST', `order ${request.params.out_trade_no} does not exist`);
    if (order.state === 'SUCCESS' || order.state === 'REFUND') return fail(reply, 'ORDERPAID', `order ${order.out_trade_no} is already paid and cannot be closed`);
    order.state = 'CLOSED';
    return reply.code(204).send();
  });
}
