/**
 * Applies a payment or refund result exactly once. Under the order's lock: check the result
 * against our own records (merchant, amount, order, refund), return `duplicate` when the
 * state already reflects it, otherwise move the money and the state in one journaled step.
 * Callbacks and the active query (GET /api/orders) both come through here.
 */
import type { RefundNotifyResource, Transaction } from '../../wxpay/types';
import type { GatewayContext } from '../context';
import { InsufficientBalanceError } from '../state/accounts';
import { MERCHANT_ACCOUNT, type GatewayOrder, type JournalRecord } from '../state/records';

export type ApplyResult = { outcome: 'applied' } | { outcome: 'duplicate' } | { outcome: 'mismatch'; message: string } | { outcome: 'unknown_order'; message: string };

async function save(ctx: GatewayContext, order: GatewayOrder): Promise<void> {
  await ctx.journal.append([{ k: 'order', v: order }]);
  ctx.orders.put(order);
}

/** Saves `next` and moves `amount` between accounts in one journal append; flags the order when the payer cannot cover it. */
async function settle(ctx: GatewayContext, next: GatewayOrder, from: string, to: string, amount: number): Promise<void> {
  const settled: GatewayOrder = { ...next, settlement: 'settled' };
  try {
    const also: JournalRecord[] = [{ k: 'order', v: settled }];
    await ctx.accounts.transfer(from, to, amount, also, () => ctx.orders.put(settled));
  } catch (err) {
    if (!(err instanceof InsufficientBalanceError)) throw err;
    ctx.logger.error({ out_trade_no: next.out_trade_no, account: err.account, balance: err.balance, amount: err.amount }, 'payment succeeded at the platform but the account cannot cover it; order flagged for reconciliation');
    await save(ctx, { ...next, settlement: 'insufficient_balance' });
  }
}

export function applyPayment(ctx: GatewayContext, tx: Transaction, source: 'notify' | 'query'): Promise<ApplyResult> {
  return ctx.orderLocks.run(tx.out_trade_no, async () => {
    const order = ctx.orders.get(tx.out_trade_no);
    if (!order) return { outcome: 'unknown_order', message: `no order ${tx.out_trade_no} here` };
    if (tx.mchid !== ctx.keys.mchid || tx.appid !== ctx.keys.appid) return { outcome: 'mismatch', message: 'mchid/appid are not ours' };
    if (tx.trade_state !== 'SUCCESS') return { outcome: 'mismatch', message: `trade_state is ${tx.trade_state}, expected SUCCESS` };
    if (tx.amount?.total !== order.amount) return { outcome: 'mismatch', message: `amount ${tx.amount?.total} does not match the order's ${order.amount}` };
    if (!tx.transaction_id) return { outcome: 'mismatch', message: 'transaction_id is missing' };
    if (order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND') {
      return order.transaction_id === tx.transaction_id ? { outcome: 'duplicate' } : { outcome: 'mismatch', message: `order already paid by transaction ${order.transaction_id}` };
    }
    if (order.trade_state === 'CLOSED') ctx.logger.warn({ out_trade_no: order.out_trade_no }, 'payment result for a locally closed order: the platform took the money, applying it');
    const paid: GatewayOrder = {
      ...order,
      trade_state: 'SUCCESS',
      transaction_id: tx.transaction_id,
      success_time: tx.success_time,
      openid: order.openid ?? tx.payer?.openid,
      updated_at: new Date().toISOString(),
    };
    if (order.account) await settle(ctx, paid, order.account, MERCHANT_ACCOUNT, order.amount);
    else await save(ctx, paid);
    ctx.logger.info({ out_trade_no: order.out_trade_no, transaction_id: tx.transaction_id, source }, 'payment applied');
    return { outcome: 'applied' };
  });
}

export function applyRefund(ctx: GatewayContext, r: RefundNotifyResource): Promise<ApplyResult> {
  return ctx.orderLocks.run(r.out_trade_no, async () => {
    const order = ctx.orders.get(r.out_trade_no);
    if (!order) return { outcome: 'unknown_order', message: `no order ${r.out_trade_no} here` };
    if (r.mchid !== ctx.keys.mchid) return { outcome: 'mismatch', message: 'mchid is not ours' };
    const refund = order.refunds.find((x) => x.out_refund_no === r.out_refund_no);
    if (!refund) return { outcome: 'unknown_order', message: `no refund ${r.out_refund_no} on order ${r.out_trade_no}` };
    if (r.amount?.refund !== refund.amount) return { outcome: 'mismatch', message: `refund amount ${r.amount?.refund} does not match our ${refund.amount}` };
    if (refund.status === 'SUCCESS' || refund.status === 'CLOSED' || refund.status === 'ABNORMAL') {
      return refund.status === r.refund_status ? { outcome: 'duplicate' } : { outcome: 'mismatch', message: `refund already ${refund.status}` };
    }
    const now = new Date().toISOString();
    const done = { ...refund, status: r.refund_status, refund_id: r.refund_id, success_time: r.success_time, platform_error: undefined };
    const next: GatewayOrder = {
      ...order,
      refunds: order.refunds.map((x) => (x.out_refund_no === r.out_refund_no ? done : x)),
      updated_at: now,
    };
    if (r.refund_status === 'SUCCESS') {
      next.refunded = order.refunded + refund.amount;
      next.trade_state = 'REFUND';
      if (order.account) await settle(ctx, next, MERCHANT_ACCOUNT, order.account, refund.amount);
      else await save(ctx, next);
    } else {
      await save(ctx, next);
    }
    ctx.logger.info({ out_trade_no: r.out_trade_no, out_refund_no: r.out_refund_no, status: r.refund_status }, 'refund result applied');
    return { outcome: 'applied' };
  });
}
