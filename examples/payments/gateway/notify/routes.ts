/**
 * Callback endpoints:
 *   POST /notify/wxpay    TRANSACTION.SUCCESS
 *   POST /notify/refund   REFUND.SUCCESS | REFUND.CLOSED | REFUND.ABNORMAL
 * Success is 204 with no body; failure is 4xx/5xx with {"code":"FAIL","message":"…"} (the
 * platform then redelivers). Already-applied callbacks answer 204 without re-applying.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotifyFailBody } from '../../wxpay/errors';
import type { RefundNotifyResource, Transaction } from '../../wxpay/types';
import { CACHES, NOTIFY_KINDS, NOTIFY_OUTCOMES, type NotifyOutcome } from '../names';
import type { GatewayContext } from '../context';
import { applyPayment, applyRefund, type ApplyResult } from './apply';
import { verifyCallback } from './verify';

type Kind = (typeof NOTIFY_KINDS)[keyof typeof NOTIFY_KINDS];

function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  const body: NotifyFailBody = { code: 'FAIL', message };
  return reply.code(status).send(body);
}

const EVENT_TYPES: Record<Kind, (t: string) => boolean> = {
  payment: (t) => t === 'TRANSACTION.SUCCESS',
  refund: (t) => t.startsWith('REFUND.'),
};

function shapeOk(kind: Kind, v: unknown): boolean {
  const o = v as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || typeof o.out_trade_no !== 'string' || typeof o.amount !== 'object' || o.amount === null) return false;
  return kind === 'payment' ? typeof o.transaction_id === 'string' : typeof o.out_refund_no === 'string' && typeof o.refund_status === 'string';
}

export function notifyRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const handler = (kind: Kind) => async (request: FastifyRequest, reply: FastifyReply) => {
    const record = (outcome: NotifyOutcome) => ctx.metrics.notify(kind, outcome);
    const v = await verifyCallback(ctx, request);
    if (!v.ok) {
      record(v.outcome);
      ctx.logger.warn({ kind, outcome: v.outcome, reason: v.message }, 'callback refused');
      return fail(reply, v.status, v.message);
    }
    const { envelope } = v;
    if (!EVENT_TYPES[kind](envelope.event_type)) {
      record(NOTIFY_OUTCOMES.malformed);
      return fail(reply, 400, `event_type ${envelope.event_type} does not belong on this endpoint`);
    }
    const seen = ctx.notifyIds.get(envelope.id) !== undefined;
    ctx.metrics.cache(CACHES.notifyIds, seen);
    if (seen) {
      record(NOTIFY_OUTCOMES.duplicate);
      return reply.code(204).send();
    }
    let resource: unknown;
    try {
      resource = JSON.parse(v.plaintext);
    } catch {
      resource = undefined;
    }
    if (!shapeOk(kind, resource)) {
      record(NOTIFY_OUTCOMES.malformed);
      return fail(reply, 400, `decrypted ${kind === 'payment' ? 'transaction' : 'refund'} is missing required fields`);
    }
    let result: ApplyResult;
    try {
      result = kind === 'payment' ? await applyPayment(ctx, resource as Transaction, 'notify') : await applyRefund(ctx, resource as RefundNotifyResource);
    } catch (err) {
      record(NOTIFY_OUTCOMES.error);
      ctx.logger.error({ err, kind, notify_id: envelope.id }, 'callback could not be applied');
      return fail(reply, 500, 'could not apply the result; please redeliver');
    }
    switch (result.outcome) {
      case 'applied':
      case 'duplicate':
        ctx.notifyIds.set(envelope.id, true);
        record(result.outcome === 'applied' ? NOTIFY_OUTCOMES.applied : NOTIFY_OUTCOMES.duplicate);
        return reply.code(204).send();
      case 'mismatch':
        record(NOTIFY_OUTCOMES.mismatch);
        ctx.logger.error({ kind, notify_id: envelope.id, reason: result.message }, 'callback does not match our records');
        return fail(reply, 400, result.message);
      case 'unknown_order':
        record(NOTIFY_OUTCOMES.unknownOrder);
        ctx.logger.error({ kind, notify_id: envelope.id, reason: result.message }, 'callback for an unknown order');
        return fail(reply, 404, result.message);
    }
  };
  app.post('/notify/wxpay', handler(NOTIFY_KINDS.payment));
  app.post('/notify/refund', handler(NOTIFY_KINDS.refund));
}
