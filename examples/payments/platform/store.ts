/** The platform's orders and refunds, in memory (the mock keeps no state across restarts). */
import type { Refund, TradeState, TradeType, Transaction } from '../wxpay/types';

/** Trace headers seen on the request that created an order, echoed on its callbacks. */
export interface TraceCarrier {
  traceparent?: string;
  xTraceId?: string;
}

export interface PlatformOrder {
  appid: string;
  mchid: string;
  out_trade_no: string;
  trade_type: Extract<TradeType, 'JSAPI' | 'NATIVE'>;
  description: string;
  notify_url: string;
  total: number;
  attach?: string;
  time_expire?: string;
  openid?: string;
  state: TradeState;
  prepay_id?: string;
  code_url?: string;
  transaction_id?: string;
  success_time?: string;
  /** What made this order; a re-order with other parameters is OUT_TRADE_NO_USED. */
  fingerprint: string;
  refunded: number;
  trace: TraceCarrier;
  created_at: number;
}

export interface PlatformRefund extends Refund {
  notify_url?: string;
  reason?: string;
  fingerprint: string;
  trace: TraceCarrier;
}

const STATE_DESC: Record<TradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  REVOKED: '已撤销',
  USERPAYING: '用户支付中',
  PAYERROR: '支付失败',
};

export class PlatformStore {
  private readonly orders = new Map<string, PlatformOrder>();
  private readonly byTransaction = new Map<string, PlatformOrder>();
  private readonly refunds = new Map<string, PlatformRefund>();

  private key(mchid: string, outTradeNo: string): string {
    return `${mchid}\u0000${outTradeNo}`;
  }

  getOrder(mchid: string, outTradeNo: string): PlatformOrder | undefined {
    return this.orders.get(this.key(mchid, outTradeNo));
  }

  getByTransactionId(transactionId: string): PlatformOrder | undefined {
    return this.byTransaction.get(transactionId);
  }

  putOrder(order: PlatformOrder): void {
    this.orders.set(this.key(order.mchid, order.out_trade_no), order);
  }

  indexTransaction(order: PlatformOrder): void {
    if (order.transaction_id) this.byTransaction.set(order.transaction_id, order);
  }

  getRefund(outRefundNo: string): PlatformRefund | undefined {
    return this.refunds.get(outRefundNo);
  }

  putRefund(refund: PlatformRefund): void {
    this.refunds.set(refund.out_refund_no, refund);
  }

  get orderCount(): number {
    return this.orders.size;
  }
}

export function toTransaction(o: PlatformOrder): Transaction {
  const paid = o.state === 'SUCCESS' || o.state === 'REFUND';
  const t: Transaction = {
    appid: o.appid,
    mchid: o.mchid,
    out_trade_no: o.out_trade_no,
    trade_type: o.trade_type,
    trade_state: o.state,
    trade_state_desc: STATE_DESC[o.state],
    attach: o.attach ?? '',
    amount: { total: o.total, currency: 'CNY', payer_currency: 'CNY' },
  };
  if (paid) {
    t.transaction_id = o.transaction_id;
    t.bank_type = 'OTHERS';
    t.success_time = o.success_time;
    t.amount.payer_total = o.total;
  }
  if (o.openid) t.payer = { openid: o.openid };
  return t;
}

export function toRefund(r: PlatformRefund): Refund {
  const { notify_url: _n, reason: _r, fingerprint: _f, trace: _t, ...refund } = r;
  return refund;
}
