/**
 * The gateway's signed client for the payment platform: an undici keep-alive pool; every attempt
 * signs the request afresh (new nonce and timestamp) over the same body bytes, so a retry always
 * carries the same out_trade_no / out_refund_no; every response signature is verified (a 2xx
 * without a valid one is treated as forged). Resilience, outermost first:
 *
 *   retry (network errors, timeouts, 429, 5xx only; exponential backoff with jitter)
 *   → circuit breaker (consecutive failures → open → half-open probe after a pause)
 *   → timeout per attempt (aborts the request through its AbortSignal)
 */
import {
  ConsecutiveBreaker,
  CircuitState,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  halfJitterGenerator,
  handleWhen,
  retry,
  timeout,
  wrap,
  type CircuitBreakerPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import type { KeyObject } from 'node:crypto';
import { Pool } from 'undici';
import type { Logger } from 'pino';
import { signRequest } from '../../wxpay/authorization';
import { H_AUTHORIZATION, H_WECHATPAY_SERIAL } from '../../wxpay/headers';
import type { MerchantKeys } from '../../wxpay/keys';
import { verifySignedBody } from '../../wxpay/signed-body';
import { BREAKER_STATES, BREAKER_STATE_NAMES, CALL_OUTCOMES, ATTR_OPERATION, ATTR_REASON, ATTR_STATE, type CallOutcome, type Operation } from '../names';
import type { GatewayMetrics } from '../metrics';
import { PlatformCallError, fromTransportError, normalise, retryReasonOf } from './errors';
import type { VerifiedKeyCache } from './verified-keys';

export interface ResilienceOptions {
  /** Keep-alive connections to the platform (default 16). */
  connections: number;
  /** Per-attempt timeout (default 3000 ms). */
  timeoutMs: number;
  /** Retries after the first attempt (default 3). */
  maxRetries: number;
  /** First backoff; each retry doubles it, jittered into [d/2, d) (default 100 ms). */
  backoffInitialMs: number;
  /** Backoff cap (default 2000 ms). */
  backoffMaxMs: number;
  /** Consecutive failed attempts that open the breaker (default 5). */
  breakerThreshold: number;
  /** Open time before a half-open probe (default 5000 ms). */
  breakerHalfOpenAfterMs: number;
}

export const RESILIENCE_DEFAULTS: ResilienceOptions = {
  connections: 16,
  timeoutMs: 3000,
  maxRetries: 3,
  backoffInitialMs: 100,
  backoffMaxMs: 2000,
  breakerThreshold: 5,
  breakerHalfOpenAfterMs: 5000,
};

export interface PlatformResponse<T> {
  status: number;
  body: T;
}

export interface PlatformClientDeps {
  baseUrl: string;
  keys: MerchantKeys;
  verifiedKeys: VerifiedKeyCache;
  resilience: ResilienceOptions;
  metrics: GatewayMetrics;
  logger: Logger;
  userAgent: string;
  /** CA certificates to trust for an https platform URL (the keys directory's demo CA). */
  ca?: string;
}

export interface CallOptions {
  /** Picks the verifying key from the response itself (the certificate download verifies with what it downloads). */
  keyFor?: (serial: string, text: string) => KeyObject | undefined;
  /** One attempt under the timeout only: no retries, and the breaker neither counts nor blocks it (background certificate downloads). */
  single?: boolean;
}

const USER_AGENT_FALLBACK = 'paysidecar-gateway';

function breakerGauge(state: CircuitState): number {
  if (state === CircuitState.HalfOpen) return BREAKER_STATES.halfOpen;
  if (state === CircuitState.Open || state === CircuitState.Isolated) return BREAKER_STATES.open;
  return BREAKER_STATES.closed;
}

function outcomeOf(err: PlatformCallError): CallOutcome {
  switch (err.kind) {
    case 'network':
      return CALL_OUTCOMES.network;
    case 'timeout':
      return CALL_OUTCOMES.timeout;
    case 'forged':
      return CALL_OUTCOMES.forged;
    case 'circuit_open':
      return CALL_OUTCOMES.circuitOpen;
    default:
      if (err.status === 429) return CALL_OUTCOMES.rateLimited;
      return err.status !== undefined && err.status >= 500 ? CALL_OUTCOMES.serverError : CALL_OUTCOMES.rejected;
  }
}

export class PlatformClient {
  readonly breaker: CircuitBreakerPolicy;
  private readonly pool: Pool;
  private readonly timeoutPolicy: TimeoutPolicy;
  private readonly closing = new AbortController();

  constructor(private readonly deps: PlatformClientDeps) {
    const r = deps.resilience;
    this.pool = new Pool(deps.baseUrl, { connections: r.connections, keepAliveTimeout: 30_000, pipelining: 1, connect: deps.ca ? { ca: deps.ca } : undefined });
    this.timeoutPolicy = timeout(r.timeoutMs, TimeoutStrategy.Aggressive);
    this.breaker = circuitBreaker(
      handleWhen((e) => retryReasonOf(e) !== undefined),
      { halfOpenAfter: r.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(r.breakerThreshold) },
    );
    this.breaker.onStateChange((state) => {
      const name = state === CircuitState.HalfOpen ? BREAKER_STATE_NAMES.halfOpen : state === CircuitState.Closed ? BREAKER_STATE_NAMES.closed : BREAKER_STATE_NAMES.open;
      deps.metrics.breakerTransitions.add(1, { [ATTR_STATE]: name });
      const log = state === CircuitState.Closed ? deps.logger.info.bind(deps.logger) : deps.logger.warn.bind(deps.logger);
      log({ breaker: name }, `platform circuit breaker ${name}`);
    });
  }

  /** 0 closed, 1 half-open, 2 open (the breaker-state gauge). */
  breakerState(): number {
    return breakerGauge(this.breaker.state);
  }

  /**
   * One logical call. `body` is serialised once, so every attempt sends the same bytes.
   * Throws PlatformCallError; resolves only on a verified 2xx.
   */
  async call<T>(operation: Operation, method: 'GET' | 'POST', pathAndQuery: string, body?: unknown, extraHeaders: Record<string, string> = {}, opts: CallOptions = {}): Promise<PlatformResponse<T>> {
    const r = this.deps.resilience;
    const bodyText = body === undefined ? '' : JSON.stringify(body);
    const retryPolicy = retry(
      handleWhen((e) => retryReasonOf(e) !== undefined),
      { maxAttempts: r.maxRetries, backoff: new ExponentialBackoff({ generator: halfJitterGenerator, initialDelay: r.backoffInitialMs, maxDelay: r.backoffMaxMs }) },
    ).dangerouslyUnref(); // a pending backoff must not keep a closing process alive
    retryPolicy.onRetry((ev) => {
      const reason = 'error' in ev ? retryReasonOf(ev.error) : undefined;
      this.deps.metrics.platformRetries.add(1, { [ATTR_OPERATION]: operation, [ATTR_REASON]: reason ?? 'unknown' });
      this.deps.logger.debug({ operation, path: pathAndQuery, attempt: ev.attempt, delay_ms: Math.round(ev.delay), reason }, 'retrying platform call');
    });
    const policy = opts.single ? this.timeoutPolicy : wrap(retryPolicy, this.breaker, this.timeoutPolicy);
    const started = performance.now();
    try {
      const res = await policy.execute(({ signal }) => this.attempt<T>(method, pathAndQuery, bodyText, extraHeaders, signal, opts), this.closing.signal);
      this.deps.metrics.call(operation, CALL_OUTCOMES.success, (performance.now() - started) / 1000);
      return res;
    } catch (err) {
      const e = normalise(err, r.timeoutMs);
      this.deps.metrics.call(operation, outcomeOf(e), (performance.now() - started) / 1000);
      throw e;
    }
  }

  private async attempt<T>(method: 'GET' | 'POST', pathAndQuery: string, bodyText: string, extraHeaders: Record<string, string>, signal: AbortSignal, opts: CallOptions): Promise<PlatformResponse<T>> {
    const { keys } = this.deps;
    const headers: Record<string, string> = {
      ...extraHeaders,
      accept: 'application/json',
      'user-agent': this.deps.userAgent || USER_AGENT_FALLBACK,
      [H_AUTHORIZATION]: signRequest({ mchid: keys.mchid, serialNo: keys.merchantSerial, privateKey: keys.merchantPrivateKey, method, canonicalUrl: pathAndQuery, body: bodyText }),
    };
    if (bodyText !== '') headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    let resHeaders: Record<string, string | string[] | undefined>;
    try {
      const res = await this.pool.request({ path: pathAndQuery, method, headers, body: bodyText === '' ? undefined : bodyText, signal });
      status = res.statusCode;
      resHeaders = res.headers;
      text = await res.body.text();
    } catch (err) {
      throw fromTransportError(err, this.deps.resilience.timeoutMs);
    }
    const serialHeader = resHeaders[H_WECHATPAY_SERIAL];
    const serial = Array.isArray(serialHeader) ? serialHeader[0] : serialHeader;
    const key = !serial ? undefined : opts.keyFor ? opts.keyFor(serial, text) : await this.deps.verifiedKeys.lookup(serial);
    const check = verifySignedBody({ headers: resHeaders, body: text, keyFor: () => key });
    const ok2xx = status >= 200 && status < 300;
    if (ok2xx && !check.ok) {
      this.deps.logger.error({ path: pathAndQuery, status, reason: check.reason }, 'platform response failed signature verification; treating it as forged');
      throw new PlatformCallError('forged', `platform response signature did not verify (${check.reason})`, status);
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (ok2xx) return { status, body: parsed as T };
    const err = (parsed ?? {}) as { code?: string; message?: string };
    throw new PlatformCallError('status', `platform answered ${status}${err.code ? ` ${err.code}` : ''}${err.message ? `: ${err.message}` : ''}`, status, err.code);
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.pool.destroy();
  }
}
