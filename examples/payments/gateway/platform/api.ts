/** The platform operations the gateway uses, as typed calls over the signed client. */
import type { MerchantKeys } from '../../wxpay/keys';
import type { Refund, Transaction } from '../../wxpay/types';
import { OPERATIONS } from '../names';
import type { GatewayOrder } from '../state/records';
import type { PlatformClient } from './client';

export type TraceHeaders = Record<string, string>;

export class PlatformApi {
  constructor(
    private readonly client: PlatformClient,
    private readonly keys: MerchantKeys,
  ) {}

  async createOrder(order: GatewayOrder, notifyUrl: string, trace: TraceHeaders): Promise<{ prepay_id?: string; code_url?: string }> {
    const body: Record<string, unknown> = {
      appid: this.keys.appid,
      mchid: this.keys.mchid,
      description: order.description,
      out_trade_no: order.out_trade_no,
      notify_url: notifyUrl,
      amount: { total: order.amount, currency: 'CNY' },
    };
    if (order.type === 'jsapi') body.payer = { openid: order.openid };
    const op = order.type === 'jsapi' ? OPERATIONS.createJsapi : OPERATIONS.createNative;
    const res = await this.client.call<{ prepay_id?: string; code_url?: string }>(op, 'POST', `/v3/pay/transactions/${order.type}`, body, trace);
    return res.body ?? {};
  }

  async queryOrder(outTradeNo: string, trace: TraceHeaders): Promise<Transaction> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${encodeURIComponent(this.keys.mchid)}`;
    return (await this.client.call<Transaction>(OPERATIONS.query, 'GET', path, undefined, trace)).body;
  }

  async closeOrder(outTradeNo: string, trace: TraceHeaders): Promise<void> {
    await this.client.call(OPERATIONS.close, 'POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`, { mchid: this.keys.mchid }, trace);
  }

  async refund(input: { out_trade_no: string; out_refund_no: string; refund: number; total: number; reason?: string; notify_url: string }, trace: TraceHeaders): Promise<Refund> {
    const body = {
      out_trade_no: input.out_trade_no,
      out_refund_no: input.out_refund_no,
      reason: input.reason,
      notify_url: input.notify_url,
      amount: { refund: input.refund, total: input.total, currency: 'CNY' },
    };
    return (await this.client.call<Refund>(OPERATIONS.refund, 'POST', '/v3/refund/domestic/refunds', body, trace)).body;
  }

  async queryRefund(outRefundNo: string, trace: TraceHeaders): Promise<Refund> {
    return (await this.client.call<Refund>(OPERATIONS.queryRefund, 'GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`, undefined, trace)).body;
  }
}
