/** The platform operations the gateway uses, as typed calls over the signed client. */
import type { KeyObject } from 'node:crypto';
import type { MerchantKeys, PlatformCertificate } from '../../wxpay/keys';
import { downloadKeyFor, openCertificates } from './certificates';
import { PlatformCallError } from './errors';
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

  /**
   * GET /v3/certificates: the certificates that chain to the CA and are valid now. A platform
   * with no certificates (public-key mode answers 404 RESOURCE_NOT_EXISTS) gives an empty list.
   */
  async downloadCertificates(known: (serial: string) => KeyObject | undefined): Promise<PlatformCertificate[]> {
    let opened: ReturnType<typeof openCertificates> | undefined;
    try {
      await this.client.call(OPERATIONS.certificates, 'GET', '/v3/certificates', undefined, {}, {
        single: true,
        keyFor: (serial, text) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            return undefined;
          }
          opened = openCertificates(this.keys, parsed);
          return downloadKeyFor(serial, opened, known);
        },
      });
    } catch (err) {
      if (err instanceof PlatformCallError && err.status === 404 && err.platformCode === 'RESOURCE_NOT_EXISTS') return [];
      throw err;
    }
    if (!opened) return [];
    if (opened.rejected.length > 0) throw new Error(`platform certificates rejected: ${opened.rejected.map((r) => `${r.serial_no}: ${r.problem}`).join('; ')}`);
    return opened.certificates;
  }
}
