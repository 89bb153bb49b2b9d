/**
 * The included payment gateway's resilience and business metrics. The gateway records them
 * through @opentelemetry/api only (meter `paysidecar-gateway`); the in-process agent installs
 * the MeterProvider that exports them.
 */
import { metric } from '../../../src/telemetry/names/prometheus';

export const METER_NAME = 'paysidecar-gateway';

export const PLATFORM_CALLS = metric('paysidecar.gateway.platform.calls', 'counter', '{call}', 'Calls from the gateway to the payment platform, after retries, by operation and outcome.');
export const PLATFORM_CALL_DURATION = metric('paysidecar.gateway.platform.call.duration', 'histogram', 's', 'Duration of platform calls including retries and backoff, by operation and outcome.');
export const PLATFORM_RETRIES = metric('paysidecar.gateway.platform.retries', 'counter', '{retry}', 'Platform call attempts that were retried, by operation and reason.');
export const BREAKER_STATE = metric('paysidecar.gateway.breaker.state', 'gauge', '1', 'Circuit breaker towards the platform: 0 closed, 1 half-open, 2 open.');
export const BREAKER_TRANSITIONS = metric('paysidecar.gateway.breaker.transitions', 'counter', '{transition}', 'Circuit breaker state changes, by the state entered.');
export const RATE_LIMITED = metric('paysidecar.gateway.rate_limited', 'counter', '{request}', 'Inbound API requests refused with 429 by the token bucket, by route.');
export const NOTIFY_RECEIVED = metric('paysidecar.gateway.notify.received', 'counter', '{notification}', 'Payment and refund callbacks received, by kind and outcome.');
export const ORDERS = metric('paysidecar.gateway.orders', 'counter', '{order}', 'Order creation requests, by trade type and outcome.');
export const ACCOUNT_DEDUCTIONS = metric('paysidecar.gateway.account.deductions', 'counter', '{deduction}', 'Account debits, by outcome.');
export const JOURNAL_WRITES = metric('paysidecar.gateway.journal.writes', 'counter', '{record}', 'Journal records appended (fsync included), by outcome.');
export const JOURNAL_FSYNC_DURATION = metric('paysidecar.gateway.journal.fsync.duration', 'histogram', 's', 'Duration of one journal group write plus fsync.');
export const JOURNAL_TRUNCATED = metric('paysidecar.gateway.journal.truncated_records', 'counter', '{record}', 'Truncated last journal records dropped at replay (a crash mid-write).');
export const CACHE_LOOKUPS = metric('paysidecar.gateway.cache.lookups', 'counter', '{lookup}', 'Lookups in the verified-key and notify-id caches, by cache and result.');
export const FAULTS_INJECTED = metric('paysidecar.gateway.faults.injected', 'counter', '{fault}', 'Faults injected into inbound API requests, by kind.');

export const ATTR_OPERATION = 'operation';
export const ATTR_OUTCOME = 'outcome';
export const ATTR_REASON = 'reason';
export const ATTR_STATE = 'state';
export const ATTR_KIND = 'kind';
export const ATTR_CACHE = 'cache';
export const ATTR_RESULT = 'result';
export const ATTR_ROUTE = 'http.route';
export const ATTR_TRADE_TYPE = 'trade_type';

/** Platform operations (values of `operation`). */
export const OPERATIONS = {
  createJsapi: 'create_jsapi',
  createNative: 'create_native',
  query: 'query',
  close: 'close',
  refund: 'refund',
  queryRefund: 'query_refund',
  certificates: 'certificates',
} as const;
export type Operation = (typeof OPERATIONS)[keyof typeof OPERATIONS];

/** Why an attempt was retried (values of `reason`). Nothing else is ever retried. */
export const RETRY_REASONS = {
  network: 'network_error',
  timeout: 'timeout',
  status429: 'status_429',
  status5xx: 'status_5xx',
} as const;
export type RetryReason = (typeof RETRY_REASONS)[keyof typeof RETRY_REASONS];

/** Outcome of a whole platform call (values of `outcome` on PLATFORM_CALLS). */
export const CALL_OUTCOMES = {
  success: 'success',
  rejected: 'rejected',
  serverError: 'server_error',
  rateLimited: 'rate_limited',
  network: 'network_error',
  timeout: 'timeout',
  circuitOpen: 'circuit_open',
  forged: 'forged_response',
} as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[keyof typeof CALL_OUTCOMES];

export const BREAKER_STATES = { closed: 0, halfOpen: 1, open: 2 } as const;
export const BREAKER_STATE_NAMES = { closed: 'closed', halfOpen: 'half_open', open: 'open' } as const;

/** Callback kinds and outcomes (values of `kind` / `outcome` on NOTIFY_RECEIVED). */
export const NOTIFY_KINDS = { payment: 'payment', refund: 'refund' } as const;
export const NOTIFY_OUTCOMES = {
  applied: 'applied',
  duplicate: 'duplicate',
  missingHeaders: 'rejected_missing_headers',
  probe: 'rejected_signtest_probe',
  stale: 'rejected_stale_timestamp',
  unknownSerial: 'rejected_unknown_serial',
  badSignature: 'rejected_bad_signature',
  malformed: 'rejected_malformed',
  decryptFailed: 'rejected_decrypt_failed',
  mismatch: 'rejected_mismatch',
  unknownOrder: 'rejected_unknown_order',
  error: 'error',
} as const;
export type NotifyOutcome = (typeof NOTIFY_OUTCOMES)[keyof typeof NOTIFY_OUTCOMES];

export const DEDUCTION_OUTCOMES = { ok: 'ok', insufficient: 'insufficient_balance', conflict: 'version_conflict' } as const;
export const JOURNAL_OUTCOMES = { ok: 'ok', error: 'error' } as const;
export const CACHES = { platformKeys: 'platform_keys', notifyIds: 'notify_ids' } as const;
export const CACHE_RESULTS = { hit: 'hit', miss: 'miss' } as const;
export const FAULT_KINDS = { latency: 'latency', error: 'error' } as const;

/** Buckets (seconds) for platform calls: retries with backoff can take seconds. */
export const PLATFORM_CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 0.8, 1, 2, 5, 10, 30] as const;
/** Buckets (seconds) for fsync: sub-millisecond on tmpfs, tens of ms on busy disks. */
export const JOURNAL_FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;
