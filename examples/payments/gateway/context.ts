/** What the gateway's routes and services share. */
import type { Logger } from 'pino';
import type { MerchantKeys } from '../wxpay/keys';
import type { GatewayMetrics } from './metrics';
import type { PlatformApi } from './platform/api';
import type { PlatformClient } from './platform/client';
import type { VerifiedKeyCache } from './platform/verified-keys';
import type { Accounts } from './state/accounts';
import type { JournalSink } from './state/journal';
import type { KeyedMutex } from './state/keyed-mutex';
import type { OrderBook } from './state/orders';
import type { JournalRecord } from './state/records';
import type { TtlCache } from './state/ttl-cache';

export interface GatewayContext {
  keys: MerchantKeys;
  orders: OrderBook;
  accounts: Accounts;
  journal: JournalSink<JournalRecord>;
  /** Per-order (and per-Idempotency-Key) locks. */
  orderLocks: KeyedMutex;
  platform: PlatformApi;
  client: PlatformClient;
  verifiedKeys: VerifiedKeyCache;
  /** Callback ids already applied, so redeliveries answer fast without touching the order. */
  notifyIds: TtlCache<string, true>;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Base URL the platform calls back (…/notify/wxpay, …/notify/refund). */
  notifyBase(): string;
  /** Seconds a client should wait when the breaker is open. */
  breakerRetryAfterS: number;
}

export function paymentNotifyUrl(ctx: GatewayContext): string {
  return `${ctx.notifyBase()}/notify/wxpay`;
}

export function refundNotifyUrl(ctx: GatewayContext): string {
  return `${ctx.notifyBase()}/notify/refund`;
}
