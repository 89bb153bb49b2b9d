/**
 * The order workflow: create (with Idempotency-Key), read (local state, falling back to and
 * refreshed by the platform's query), close and refund. Orders are written to the journal
 * before the platform is called, so a crash never loses an out_trade_no the platform may know.
 */
import { randomAlnum } from '../wxpay/nonce';
import type { Transaction } from '../wxpay/types';
import { ATTR_OUTCOME, ATTR_TRADE_TYPE } from './names';
import { paymentNotifyUrl, refundNotifyUrl, type GatewayContext } from './context';
import { GatewayError, fromPlatformError } from './http-errors';
import { applyPayment } from './notify/apply';
import type { TraceHeaders } from './platform/api';
import { PlatformCallError } from './platform/errors';
import type { GatewayOrder, GatewayRefund, OrderType } from './state/records';

export interface CreateOrderInput {
  amount: number;
  description: string;
  type: OrderType;
  openid?: string;
  account?: string;
}

export interface RefundInput {
  amount?: number;
  reason?: string;
}

function stamp(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** PS + Beijing time + 12 random: 28 characters, inside the platform's 6–32 rule. */
export function newOutTradeNo(): string {
  return `PS${stamp()}${randomAlnum(12)}`;
}

function newOutRefundNo(): string {
  return `RF${stamp()}${randomAlnum(12)}`;
}

function canonical(v: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, v[k]])));
}

/** What an order looks like to API clients. */
export function orderView(o: GatewayOrder): Record<string, unknown> {
  const { request_fingerprint: _f, idempotency_key: _k, ...rest } = o;
  return { ...rest, refunds: o.refunds.map(({ idempotency_key: _i, request_fingerprint: _r, ...r }) => r) };
}

export class OrderService {
  constructor(private readonly ctx: GatewayContext) {}

  private async save(order: GatewayOrder): Promise<GatewayOrder> {
    try {
      await this.ctx.journal.append([{ k: 'order', v: order }]);
    } catch (err) {
      this.ctx.logger.error({ err, out_trade_no: order.out_trade_no }, 'journal write failed');
      throw new GatewayError('PAYSIDECAR_GATEWAY_JOURNAL_FAILED', (err as Error).message);
    }
    this.ctx.orders.put(order);
    return order;
  }

  /** Re-reads the order under its lock and saves `change(current)`. */
  private update(outTradeNo: string, change: (o: GatewayOrder) => GatewayOrder): Promise<GatewayOrder> {
    return this.ctx.orderLocks.run(outTradeNo, async () => {
      const current = this.ctx.orders.get(outTradeNo);
      if (!current) throw new GatewayError('PAYSIDECAR_GATEWAY_ORDER_NOT_FOUND', `order ${outTradeNo}`);
      return this.save({ ...change(current), updated_at: new Date().toISOString() });
    });
  }

  private countOrder(type: OrderType, outcome: string): void {
    this.ctx.metrics.orders.add(1, { [ATTR_TRADE_TYPE]: type, [ATTR_OUTCOME]: outcome });
  }

  async create(input: CreateOrderInput, idempotencyKey: string | undefined, trace: TraceHeaders): Promise<{ order: GatewayOrder; replayed: boolean }> {
    const fp = canonical({ ...input });
    if (idempotencyKey === undefined) return { order: await this.createFresh(input, fp, undefined, trace), replayed: false };
    return this.ctx.orderLocks.run(`idem:order:${idempotencyKey}`, async () => {
      const existing = this.ctx.orders.byIdempotencyKey(idempotencyKey);
      if (!existing) return { order: await this.createFresh(input, fp, idempotencyKey, trace), replayed: false };
      if (existing.request_fingerprint !== fp) {
        throw new GatewayError('PAYSIDECAR_GATEWAY_IDEMPOTENCY_MISMATCH', `key ${JSON.stringify(idempotencyKey)} belongs to order ${existing.out_trade_no}`, { out_trade_no: existing.out_trade_no });
      }
      this.countOrder(existing.type, 'replayed');
      // The first attempt never got the platform's answer: ask again with the same out_trade_no.
      if (!existing.code_url && !existing.prepay_id && existing.trade_state === 'NOTPAY') return { order: await this.register(existing, trace), replayed: true };
      return { order: existing, replayed: true };
    });
  }

  private async createFresh(input: CreateOrderInput, fp: string, idempotencyKey: string | undefined, trace: TraceHeaders): Promise<GatewayOrder> {
    if (input.account) {
      const balance = this.ctx.accounts.view(input.account).balance;
      if (balance < input.amount) {
        this.countOrder(input.type, 'insufficient_balance');
        throw new GatewayError('PAYSIDECAR_GATEWAY_INSUFFICIENT_BALANCE', `account ${input.account} has ${balance} fen, the order needs ${input.amount}`, { account: input.account, balance, amount: input.amount });
      }
    }
    const now = new Date().toISOString();
    const order: GatewayOrder = {
      out_trade_no: newOutTradeNo(),
      type: input.type,
      amount: input.amount,
      description: input.description,
      openid: input.openid,
      account: input.account,
      trade_state: 'NOTPAY',
      refunds: [],
      refunded: 0,
      idempotency_key: idempotencyKey,
      request_fingerprint: fp,
      created_at: now,
      updated_at: now,
    };
    await this.ctx.orderLocks.run(order.out_trade_no, () => this.save(order));
    return this.register(order, trace);
  }

  /** Creates the order at the platform (retried inside the client with the same out_trade_no). */
  private async register(order: GatewayOrder, trace: TraceHeaders): Promise<GatewayOrder> {
    let res: { prepay_id?: string; code_url?: string };
    try {
      res = await this.ctx.platform.createOrder(order, paymentNotifyUrl(this.ctx), trace);
    } catch (err) {
      if (!(err instanceof PlatformCallError)) throw err;
      this.countOrder(order.type, 'failed');
      await this.update(order.out_trade_no, (o) => ({ ...o, platform_error: err.message })).catch(() => undefined);
      throw fromPlatformError(err, { out_trade_no: order.out_trade_no }, this.ctx.breakerRetryAfterS);
    }
    this.countOrder(order.type, 'created');
    return this.update(order.out_trade_no, (o) => ({ ...o, prepay_id: res.prepay_id, code_url: res.code_url, platform_error: undefined }));
  }

  /**
   * The local order; an unpaid one is refreshed from the platform (a lost callback must not
   * leave an order unpaid forever); an unknown one is looked up at the platform.
   */
  async get(outTradeNo: string, trace: TraceHeaders): Promise<Record<string, unknown>> {
    const local = this.ctx.orders.get(outTradeNo);
    if (!local) {
      try {
        const tx = await this.ctx.platform.queryOrder(outTradeNo, trace);
        return { ...tx, source: 'platform' };
      } catch (err) {
        if (err instanceof PlatformCallError && err.status === 404) throw new GatewayError('PAYSIDECAR_GATEWAY_ORDER_NOT_FOUND', `order ${outTradeNo}`);
        if (err instanceof PlatformCallError) throw fromPlatformError(err, { out_trade_no: outTradeNo }, this.ctx.breakerRetryAfterS);
        throw err;
      }
    }
    if (local.trade_state !== 'NOTPAY' || (!local.code_url && !local.prepay_id)) return { ...orderView(local), source: 'local' };
    let tx: Transaction;
    try {
      tx = await this.ctx.platform.queryOrder(outTradeNo, trace);
    } catch (err) {
      if (!(err instanceof PlatformCallError)) throw err;
      return { ...orderView(local), source: 'local', platform_query_error: err.message };
    }
    if (tx.trade_state === 'SUCCESS') {
      const r = await applyPayment(this.ctx, tx, 'query');
      if (r.outcome === 'mismatch') this.ctx.logger.error({ out_trade_no: outTradeNo, reason: r.message }, 'platform query does not match our records');
    } else if (tx.trade_state === 'CLOSED') {
      await this.update(outTradeNo, (o) => (o.trade_state === 'NOTPAY' ? { ...o, trade_state: 'CLOSED' } : o));
    }
    return { ...orderView(this.ctx.orders.get(outTradeNo) ?? local), source: 'local' };
  }

  async close(outTradeNo: string, trace: TraceHeaders): Promise<GatewayOrder> {
    const order = this.ctx.orders.get(outTradeNo);
    if (!order) throw new GatewayError('PAYSIDECAR_GATEWAY_ORDER_NOT_FOUND', `order ${outTradeNo}`);
    if (order.trade_state === 'CLOSED') return order;
    if (order.trade_state !== 'NOTPAY') throw new GatewayError('PAYSIDECAR_GATEWAY_ORDER_STATE', `order ${outTradeNo} is ${order.trade_state}; only unpaid orders can be closed`, { trade_state: order.trade_state });
    try {
      await this.ctx.platform.closeOrder(outTradeNo, trace);
    } catch (err) {
      if (!(err instanceof PlatformCallError)) throw err;
      if (err.platformCode === 'ORDERPAID') throw new GatewayError('PAYSIDECAR_GATEWAY_ORDER_STATE', `the platform says order ${outTradeNo} is already paid`, { platform_code: err.platformCode });
      // Never created at the platform (404): closing locally is enough.
      if (err.status !== 404) throw fromPlatformError(err, { out_trade_no: outTradeNo }, this.ctx.breakerRetryAfterS);
    }
    return this.ctx.orderLocks.run(outTradeNo, async () => {
      const current = this.ctx.orders.get(outTradeNo) ?? order;
      if (current.trade_state !== 'NOTPAY') {
        if (current.trade_state === 'CLOSED') return current;
        throw new GatewayError('PAYSIDECAR_GATEWAY_ORDER_STATE', `order ${outTradeNo} became ${current.trade_state} while closing`);
      }
      return this.save({ ...current, trade_state: 'CLOSED', updated_at: new Date().toISOString() });
    });
  }

  async refund(outTradeNo: string, input: RefundInput, idempotencyKey: string | undefined, trace: TraceHeaders): Promise<{ order: GatewayOrder; refund: GatewayRefund; replayed: boolean }> {
    const fp = canonical({ out_trade_no: outTradeNo, amount: input.amount, reason: input.reason });
    const reserve = async (): Promise<{ refund: GatewayRefund; replayed: boolean }> => {
      if (idempotencyKey !== undefined) {
        const prior = this.ctx.orders.refundByIdempotencyKey(idempotencyKey);
        if (prior) {
          const r = this.ctx.orders.get(prior.out_trade_no)?.refunds.find((x) => x.out_refund_no === prior.out_refund_no);
          if (!r || r.request_fingerprint !== fp) throw new GatewayError('PAYSIDECAR_GATEWAY_IDEMPOTENCY_MISMATCH', `key ${JSON.stringify(idempotencyKey)} belongs to refund ${prior.out_refund_no}`);
          return { refund: r, replayed: true };
        }
      }
      let reserved: GatewayRefund | undefined;
      await this.ctx.orderLocks.run(outTradeNo, async () => {
        const order = this.ctx.orders.get(outTradeNo);
        if (!order) throw new GatewayError('PAYSIDECAR_GATEWAY_ORDER_NOT_FOUND', `order ${outTradeNo}`);
        if (order.trade_state !== 'SUCCESS' && order.trade_state !== 'REFUND') {
          throw new GatewayError('PAYSIDECAR_GATEWAY_ORDER_STATE', `order ${outTradeNo} is ${order.trade_state}; only paid orders can be refunded`, { trade_state: order.trade_state });
        }
        const committed = order.refunds.filter((r) => r.status !== 'CLOSED' && r.status !== 'ABNORMAL').reduce((n, r) => n + r.amount, 0);
        const refundable = order.amount - committed;
        const amount = input.amount ?? refundable;
        if (amount <= 0 || amount > refundable) {
          throw new GatewayError('PAYSIDECAR_GATEWAY_ORDER_STATE', `refund of ${amount} fen exceeds the refundable ${refundable}`, { refundable });
        }
        reserved = { out_refund_no: newOutRefundNo(), amount, reason: input.reason, status: 'PENDING', created_at: new Date().toISOString(), idempotency_key: idempotencyKey, request_fingerprint: fp };
        await this.save({ ...order, refunds: [...order.refunds, reserved], updated_at: new Date().toISOString() });
      });
      return { refund: reserved as GatewayRefund, replayed: false };
    };
    const { refund, replayed } =
      idempotencyKey === undefined ? await reserve() : await this.ctx.orderLocks.run(`idem:refund:${idempotencyKey}`, reserve);
    if (refund.status !== 'PENDING') return { order: this.ctx.orders.get(outTradeNo) as GatewayOrder, refund, replayed };
    const order = this.ctx.orders.get(outTradeNo) as GatewayOrder;
    const setRefund = (o: GatewayOrder, patch: Partial<GatewayRefund>): GatewayOrder => ({
      ...o,
      refunds: o.refunds.map((r) => (r.out_refund_no === refund.out_refund_no && r.status === 'PENDING' ? { ...r, ...patch } : r)),
    });
    try {
      const res = await this.ctx.platform.refund(
        { out_trade_no: outTradeNo, out_refund_no: refund.out_refund_no, refund: refund.amount, total: order.amount, reason: refund.reason, notify_url: refundNotifyUrl(this.ctx) },
        trace,
      );
      const updated = await this.update(outTradeNo, (o) => setRefund(o, { status: 'PROCESSING', refund_id: res.refund_id, platform_error: undefined }));
      return { order: updated, refund: updated.refunds.find((r) => r.out_refund_no === refund.out_refund_no) as GatewayRefund, replayed };
    } catch (err) {
      if (!(err instanceof PlatformCallError)) throw err;
      // A 4xx means the platform will never take it: release the reservation. Otherwise the
      // outcome is unknown and the same out_refund_no is sent again on a retry with this key.
      const final = err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 429;
      await this.update(outTradeNo, (o) => setRefund(o, final ? { status: 'CLOSED', platform_error: err.message } : { platform_error: err.message })).catch(() => undefined);
      throw fromPlatformError(err, { out_trade_no: outTradeNo, out_refund_no: refund.out_refund_no }, this.ctx.breakerRetryAfterS);
    }
  }
}
