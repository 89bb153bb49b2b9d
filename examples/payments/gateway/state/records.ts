/** The gateway's state and the journal records that persist it (whole snapshots: replay keeps the last). */
import type { TradeState } from '../../wxpay/types';

export type OrderType = 'native' | 'jsapi';
export type LocalRefundStatus = 'PENDING' | 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';

export interface GatewayRefund {
  out_refund_no: string;
  amount: number;
  reason?: string;
  status: LocalRefundStatus;
  refund_id?: string;
  created_at: string;
  success_time?: string;
  idempotency_key?: string;
  /** What the refund request asked for, so a reused Idempotency-Key with another body is caught. */
  request_fingerprint?: string;
  /** Why the last platform call for this refund failed, when it did. */
  platform_error?: string;
}

export interface GatewayOrder {
  out_trade_no: string;
  type: OrderType;
  amount: number;
  description: string;
  openid?: string;
  /** The payer's account, debited when the payment succeeds. */
  account?: string;
  trade_state: TradeState;
  code_url?: string;
  prepay_id?: string;
  transaction_id?: string;
  success_time?: string;
  /** `settled` once the ledger moved the money; `insufficient_balance` when the payer's account could not cover it. */
  settlement?: 'settled' | 'insufficient_balance';
  refunds: GatewayRefund[];
  refunded: number;
  idempotency_key?: string;
  /** What the creating request asked for, so a reused Idempotency-Key with another body is caught. */
  request_fingerprint: string;
  platform_error?: string;
  created_at: string;
  updated_at: string;
}

export interface Account {
  id: string;
  /** Fen. */
  balance: number;
  /** Bumped on every change; writers check it has not moved since they read. */
  version: number;
}

export type JournalRecord = { k: 'order'; v: GatewayOrder } | { k: 'account'; v: Account };

/** The account that receives payments. */
export const MERCHANT_ACCOUNT = 'merchant';
