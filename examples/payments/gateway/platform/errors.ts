/**
 * How a platform call failed, and which failures are retried: network errors, timeouts, 429 and
 * 5xx. Nothing else: a 4xx means the request itself is wrong and would fail the same way again.
 */
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { RETRY_REASONS, type RetryReason } from '../names';

export type PlatformFailureKind = 'status' | 'network' | 'timeout' | 'forged' | 'circuit_open';

export class PlatformCallError extends Error {
  constructor(
    readonly kind: PlatformFailureKind,
    message: string,
    readonly status?: number,
    /** The platform's error code (PARAM_ERROR, SYSTEM_ERROR, …) when it sent one. */
    readonly platformCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PlatformCallError';
  }
}

/** The retry reason for an attempt's error, or undefined when it must not be retried. */
export function retryReasonOf(err: unknown): RetryReason | undefined {
  if (err instanceof TaskCancelledError) return RETRY_REASONS.timeout;
  if (!(err instanceof PlatformCallError)) return undefined;
  switch (err.kind) {
    case 'network':
      return RETRY_REASONS.network;
    case 'timeout':
      return RETRY_REASONS.timeout;
    case 'status':
      if (err.status === 429) return RETRY_REASONS.status429;
      if (err.status !== undefined && err.status >= 500) return RETRY_REASONS.status5xx;
      return undefined;
    default:
      return undefined;
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Wraps what undici threw into a network or timeout failure. */
export function fromTransportError(err: unknown, timeoutMs: number): PlatformCallError {
  const e = err as Error & { code?: string };
  if (e.name === 'AbortError' || TIMEOUT_CODES.has(e.code ?? '')) {
    return new PlatformCallError('timeout', `platform did not answer within ${timeoutMs}ms`, undefined, undefined, { cause: err });
  }
  return new PlatformCallError('network', `platform connection failed: ${e.code ?? e.message}`, undefined, undefined, { cause: err });
}

/** Normalises what escaped the policies (cockatiel's own errors included). */
export function normalise(err: unknown, timeoutMs: number): PlatformCallError {
  if (err instanceof PlatformCallError) return err;
  if (err instanceof BrokenCircuitError) return new PlatformCallError('circuit_open', 'platform circuit breaker is open: failing fast without calling it');
  if (err instanceof TaskCancelledError) return new PlatformCallError('timeout', `platform did not answer within ${timeoutMs}ms`);
  return fromTransportError(err, timeoutMs);
}
