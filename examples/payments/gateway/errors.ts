/**
 * Every error code the included payment gateway answers with, and its HTTP status. Stable, like the
 * sidecar's own (src/errors.ts): clients and runbooks match on them.
 */
import type { ErrorCatalog } from '../../../src/errors';

export const GATEWAY_ERROR_CODES = {
  /** A gateway API request body, header or parameter is invalid. */
  PAYSIDECAR_GATEWAY_BAD_REQUEST: { status: 400, message: 'invalid request' },
  /** No order with that out_trade_no, locally or at the platform. */
  PAYSIDECAR_GATEWAY_ORDER_NOT_FOUND: { status: 404, message: 'order not found' },
  /** The order's state does not allow the operation (refund an unpaid order, close a paid one …). */
  PAYSIDECAR_GATEWAY_ORDER_STATE: { status: 409, message: 'order state does not allow this' },
  /** The payer's account cannot cover the amount. */
  PAYSIDECAR_GATEWAY_INSUFFICIENT_BALANCE: { status: 409, message: 'insufficient balance' },
  /** An Idempotency-Key was reused with a different request. */
  PAYSIDECAR_GATEWAY_IDEMPOTENCY_MISMATCH: { status: 422, message: 'Idempotency-Key was already used with a different request' },
  /** The inbound token bucket is empty; see Retry-After. */
  PAYSIDECAR_GATEWAY_RATE_LIMITED: { status: 429, message: 'too many requests' },
  /** An error injected through the gateway's fault settings. */
  PAYSIDECAR_GATEWAY_FAULT_INJECTED: { status: 500, message: 'injected fault' },
  /** The platform refused the request (a 4xx other than 429); not retried. */
  PAYSIDECAR_GATEWAY_PLATFORM_REJECTED: { status: 502, message: 'payment platform rejected the request' },
  /** The platform kept failing (5xx, 429 or network errors) through every retry. */
  PAYSIDECAR_GATEWAY_PLATFORM_ERROR: { status: 502, message: 'payment platform failed' },
  /** The platform did not answer within the per-call timeout, on every attempt. */
  PAYSIDECAR_GATEWAY_PLATFORM_TIMEOUT: { status: 504, message: 'payment platform timed out' },
  /** The circuit breaker towards the platform is open: failing fast. */
  PAYSIDECAR_GATEWAY_PLATFORM_UNAVAILABLE: { status: 503, message: 'payment platform circuit is open' },
  /** A platform response did not carry a valid signature. */
  PAYSIDECAR_GATEWAY_PLATFORM_FORGED: { status: 502, message: 'payment platform response failed signature verification' },
  /** The state change could not be written to the journal. */
  PAYSIDECAR_GATEWAY_JOURNAL_FAILED: { status: 500, message: 'could not persist the change' },
  /** A loopback-only endpoint was called from elsewhere. */
  PAYSIDECAR_GATEWAY_FORBIDDEN: { status: 403, message: 'this endpoint answers loopback callers only' },
  /** Unknown gateway route. */
  PAYSIDECAR_GATEWAY_NOT_FOUND: { status: 404, message: 'no such route' },
  /** Anything unexpected inside the gateway. */
  PAYSIDECAR_GATEWAY_INTERNAL: { status: 500, message: 'internal gateway error' },
} as const satisfies ErrorCatalog;

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODES;

export interface GatewayErrorBody {
  code: GatewayErrorCode;
  message: string;
}

export function gatewayErrorBody(code: GatewayErrorCode, detail?: string): GatewayErrorBody {
  const base = GATEWAY_ERROR_CODES[code].message;
  return { code, message: detail ? `${base}: ${detail}` : base };
}
