/** Payload shapes of the v3 API that both sides exchange (amounts in fen). */
import type { EncryptedResource } from './aead';

export const TRADE_STATES = ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR'] as const;
export type TradeState = (typeof TRADE_STATES)[number];

export type TradeType = 'JSAPI' | 'NATIVE' | 'APP' | 'MICROPAY' | 'MWEB' | 'FACEPAY';

export interface Transaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_type?: TradeType;
  trade_state: TradeState;
  trade_state_desc: string;
  bank_type?: string;
  attach?: string;
  success_time?: string;
  payer?: { openid: string };
  amount: { total: number; payer_total?: number; currency: 'CNY'; payer_currency: 'CNY' };
}

export type RefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

export interface RefundAmount {
  total: number;
  refund: number;
  payer_total: number;
  payer_refund: number;
  settlement_refund: number;
  settlement_total: number;
  discount_refund: number;
  currency: 'CNY';
}

export interface Refund {
  refund_id: string;
  out_refund_no: string;
  transaction_id: string;
  out_trade_no: string;
  channel: 'ORIGINAL';
  user_received_account: string;
  success_time?: string;
  create_time: string;
  status: RefundStatus;
  funds_account: 'AVAILABLE';
  amount: RefundAmount;
}

/** The plaintext of a REFUND.* callback resource. */
export interface RefundNotifyResource {
  mchid: string;
  transaction_id: string;
  out_trade_no: string;
  refund_id: string;
  out_refund_no: string;
  refund_status: RefundStatus;
  success_time?: string;
  user_received_account: string;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number };
}

export type NotifyEventType = 'TRANSACTION.SUCCESS' | 'REFUND.SUCCESS' | 'REFUND.ABNORMAL' | 'REFUND.CLOSED' | 'SECURITY_ECHO.SUCCESS';

export interface NotifyEnvelope {
  id: string;
  create_time: string;
  resource_type: 'encrypt-resource';
  event_type: NotifyEventType;
  summary: string;
  resource: EncryptedResource & { original_type: 'transaction' | 'refund' | 'security' };
}

/** `out_trade_no`: 6–32 of [0-9A-Za-z_-|*]. */
export const OUT_TRADE_NO_RE = /^[0-9A-Za-z_\-|*]{6,32}$/;
/** `out_refund_no`: 1–64 of [0-9A-Za-z_-|*@]. */
export const OUT_REFUND_NO_RE = /^[0-9A-Za-z_\-|*@]{1,64}$/;

/** One entry of GET /v3/certificates: the PEM certificate encrypted under the APIv3 key. */
export interface CertificateEntry {
  serial_no: string;
  effective_time: string;
  expire_time: string;
  encrypt_certificate: { algorithm: string; nonce: string; associated_data: 'certificate'; ciphertext: string };
}

export interface CertificatesResponse {
  data: CertificateEntry[];
}
