/**
 * Refunds:
 *   POST /v3/refund/domestic/refunds
 *   GET  /v3/refund/domestic/refunds/:out_refund_no
 * A refund is PROCESSING when created and SUCCESS after `refundDelayMs`, when a REFUND.SUCCESS
 * callback goes to its notify_url.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { wxpayError, type WxpayErrorCode, type WxpayErrorDetail } from '../../wxpay/errors';
import { rfc3339Beijing } from '../../wxpay/time';
import type { PlatformContext } from '../context';
import { refundId } from '../ids';
import { refundNotify } from '../notify/envelope';
import { traceFromHeaders } from '../notify/trace';
import { toRefund, type PlatformRefund } from '../store';
import { check, fingerprint, refundSchema, type RefundBody } from '../validation';

function fail(reply: FastifyReply, code: WxpayErrorCode, message: string, detail?: WxpayErrorDetail) {
  const e = wxpayError(code, message, detail);
  return reply.code(e.status).send(e.body);
}

function complete(ctx: PlatformContext, refund: PlatformRefund): void {
  if (refund.status !== 'PROCESSING') return;
  const order = ctx.store.getOrder(ctx.keys.mchid, refund.out_trade_no);
  refund.status = 'SUCCESS';
  refund.success_time = rfc3339Beijing();
  if (order) order.state = 'REFUND';
  if (!refund.notify_url) return;
  ctx.notifier.send({
    envelope: refundNotify(ctx.keys, {
      mchid: ctx.keys.mchid,
      transaction_id: refund.transaction_id,
      out_trade_no: refund.out_trade_no,
      refund_id: refund.refund_id,
      out_refund_no: refund.out_refund_no,
      refund_status: refund.status,
      success_time: refund.success_time,
      user_received_account: refund.user_received_account,
      amount: { total: refund.amount.total, refund: refund.amount.refund, payer_total: refund.amount.payer_total, payer_refund: refund.amount.payer_refund },
    }),
    url: refund.notify_url,
    outTradeNo: refund.out_trade_no,
    outRefundNo: refund.out_refund_no,
    trace: refund.trace,
  });
}

export function refundRoutes(app: FastifyInstance, ctx: PlatformContext, timers: Set<NodeJS.Timeout>): void {
  app.post('/v3/refund/domestic/refunds', { config: { endpoint: 'refund' } }, async (request, reply) => {
    const checked = check<RefundBody>(refundSchema, request.body);
    if (!checked.ok) return reply.code(checked.status).send(checked.body);
    const b = checked.value;
    const order = b.out_trade_no !== undefined ? ctx.store.getOrder(request.mchid ?? '', b.out_trade_no) : ctx.store.getByTransactionId(b.transaction_id ?? '');
    if (!order || order.mchid !== request.mchid) return fail(reply, 'RESOURCE_NOT_EXISTS', `order ${b.out_trade_no ?? b.transaction_id} does not exist`);
    if (b.transaction_id !== undefined && b.transaction_id !== order.transaction_id) {
      return fail(reply, 'PARAM_ERROR', 'transaction_id does not belong to out_trade_no', { field: '/transaction_id', value: b.transaction_id, location: 'body', issue: 'mismatch' });
    }
    const fp = fingerprint({ out_trade_no: order.out_trade_no, refund: b.amount.refund, total: b.amount.total, notify_url: b.notify_url, reason: b.reason });
    const existing = ctx.store.getRefund(b.out_refund_no);
    if (existing) {
      if (existing.fingerprint !== fp) return fail(reply, 'INVALID_REQUEST', `out_refund_no ${b.out_refund_no} was already used with different parameters`);
      return reply.send(toRefund(existing));
    }
    if (order.state !== 'SUCCESS' && order.state !== 'REFUND') return fail(reply, 'INVALID_REQUEST', `order ${order.out_trade_no} is ${order.state}, not paid: nothing to refund`);
    if (b.amount.total !== order.total) {
      return fail(reply, 'PARAM_ERROR', `amount.total must be the order total ${order.total}`, { field: '/amount/total', value: b.amount.total, location: 'body', issue: `order total is ${order.total}` });
    }
    if (order.refunded + b.amount.refund > order.total) {
      return fail(reply, 'NOT_ENOUGH', `refund ${b.amount.refund} exceeds the refundable ${order.total - order.refunded}`);
    }
    order.refunded += b.amount.refund;
    const refund: PlatformRefund = {
      refund_id: refundId(),
      out_refund_no: b.out_refund_no,
      transaction_id: order.transaction_id ?? '',
      out_trade_no: order.out_trade_no,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      create_time: rfc3339Beijing(),
      status: 'PROCESSING',
      funds_account: 'AVAILABLE',
      amount: {
        total: order.total,
        refund: b.amount.refund,
        payer_total: order.total,
        payer_refund: b.amount.refund,
        settlement_refund: b.amount.refund,
        settlement_total: order.total,
        discount_refund: 0,
        currency: 'CNY',
      },
      notify_url: b.notify_url,
      reason: b.reason,
      fingerprint: fp,
      trace: traceFromHeaders(request.headers),
    };
    ctx.store.putRefund(refund);
    const t = setTimeout(() => {
      timers.delete(t);
      complete(ctx, refund);
    }, ctx.refundDelayMs);
    timers.add(t);
    return reply.send(toRefund(refund));
  });

  app.get<{ Params: { out_refund_no: string } }>('/v3/refund/domestic/refunds/:out_refund_no', { config: { endpoint: 'refund-query' } }, async (request, reply) => {
    const refund = ctx.store.getRefund(request.params.out_refund_no);
    if (!refund) return fail(reply, 'RESOURCE_NOT_EXISTS', `refund ${request.params.out_refund_no} does not exist`);
    return reply.send(toRefund(refund));
  });
}
