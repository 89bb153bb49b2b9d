/** Orders by out_trade_no, with the Idempotency-Key indexes for orders and refunds. */
import type { GatewayOrder } from './records';

export class OrderBook {
  private readonly orders = new Map<string, GatewayOrder>();
  private readonly orderByKey = new Map<string, string>();
  private readonly refundByKey = new Map<string, { out_trade_no: string; out_refund_no: string }>();

  get(outTradeNo: string): GatewayOrder | undefined {
    return this.orders.get(outTradeNo);
  }

  /** Stores a snapshot (callers never mutate a stored order in place: they replace it). */
  put(order: GatewayOrder): void {
    this.orders.set(order.out_trade_no, order);
    if (order.idempotency_key) this.orderByKey.set(order.idempotency_key, order.out_trade_no);
    for (const r of order.refunds) {
      if (r.idempotency_key) this.refundByKey.set(r.idempotency_key, { out_trade_no: order.out_trade_no, out_refund_no: r.out_refund_no });
    }
  }

  byIdempotencyKey(key: string): GatewayOrder | undefined {
    const no = this.orderByKey.get(key);
    return no === undefined ? undefined : this.orders.get(no);
  }

  refundByIdempotencyKey(key: string): { out_trade_no: string; out_refund_no: string } | undefined {
    return this.refundByKey.get(key);
  }

  get size(): number {
    return this.orders.size;
  }
}
