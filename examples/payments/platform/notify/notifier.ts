/**
 * Delivers callbacks to merchants: signed (Wechatpay-* headers over the exact body, fresh
 * timestamp/nonce per attempt, the same notification id every time) and redelivered on the
 * real schedule when the reply is not 200/204 or comes later than the deadline. Optionally
 * precedes each first delivery with a WECHATPAY/SIGNTEST/ probe a correct merchant refuses.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Logger } from 'pino';
import type { PlatformIdentities, SigningIdentity } from '../identities';
import { H_WECHATPAY_SIGNATURE, SIGNTEST_PREFIX } from '../../wxpay/headers';
import { signedBodyHeaders } from '../../wxpay/signed-body';
import type { NotifyEnvelope } from '../../wxpay/types';
import type { TraceCarrier } from '../store';
import { redeliveryDelayMs } from './schedule';
import { callbackTraceHeaders } from './trace';

export interface NotificationJob {
  envelope: NotifyEnvelope;
  url: string;
  outTradeNo: string;
  outRefundNo?: string;
  trace: TraceCarrier;
  /** Sign every attempt as this identity (the echo callback); otherwise the platform's current signer. */
  signAs?: SigningIdentity;
}

export type DeliveryOutcome = 'delivered' | 'rejected' | 'late' | 'error';

export interface DeliveryRecord {
  notify_id: string;
  event_type: string;
  out_trade_no: string;
  out_refund_no?: string;
  url: string;
  attempt: number;
  at: string;
  outcome: DeliveryOutcome;
  status?: number;
  error?: string;
  duration_ms: number;
  /** Delay before the next attempt; absent when delivered or when the schedule is spent. */
  next_attempt_in_ms?: number;
}

export interface ProbeRecord {
  notify_id: string;
  url: string;
  at: string;
  /** `refused` is what a correct merchant does. */
  outcome: 'refused' | 'accepted' | 'error';
  status?: number;
  error?: string;
}

export interface NotifierOptions {
  identities: PlatformIdentities;
  /** Extra CA certificates to trust for https notify URLs (the demo CA). */
  ca?: string;
  timeScale: number;
  replyDeadlineMs: number;
  signtestProbes: boolean;
  logger: Logger;
  /** Delivery records kept for /mock/notifications (oldest dropped first). */
  maxRecords?: number;
}

type AttemptResult = { outcome: DeliveryOutcome; status?: number; error?: string };

export class Notifier extends EventEmitter {
  private readonly agent: Agent;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deliveries: DeliveryRecord[] = [];
  private readonly probeResults: ProbeRecord[] = [];
  private closed = false;
  private inFlight = 0;

  constructor(private readonly opts: NotifierOptions) {
    super();
    this.agent = new Agent({ keepAliveTimeout: 4000, connections: 64, connect: opts.ca ? { ca: opts.ca } : undefined });
  }

  send(job: NotificationJob): void {
    const body = JSON.stringify(job.envelope);
    (async () => {
      if (this.opts.signtestProbes) await this.probe(job, body);
      await this.attempt(job, body, 1);
    })().catch((err: unknown) => this.opts.logger.error({ err, notify_id: job.envelope.id }, 'notify delivery failed unexpectedly'));
  }

  records(outTradeNo?: string): DeliveryRecord[] {
    return outTradeNo ? this.deliveries.filter((d) => d.out_trade_no === outTradeNo) : [...this.deliveries];
  }

  probes(): ProbeRecord[] {
    return [...this.probeResults];
  }

  /** Deliveries in flight or waiting for a redelivery timer. */
  get pending(): number {
    return this.inFlight + this.timers.size;
  }

  private headers(job: NotificationJob, body: string): Record<string, string> {
    const id = job.signAs ?? this.opts.identities.signer();
    return {
      'content-type': 'application/json',
      'user-agent': 'Mozilla/4.0 (paysidecar mock platform)',
      ...callbackTraceHeaders(job.trace),
      ...signedBodyHeaders({ privateKey: id.privateKey, serial: id.serial, body }),
    };
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.opts.replyDeadlineMs),
      });
      await res.body.dump();
      return { outcome: res.statusCode === 200 || res.statusCode === 204 ? 'delivered' : 'rejected', status: res.statusCode };
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return { outcome: 'late', error: `no reply within ${this.opts.replyDeadlineMs}ms` };
      return { outcome: 'error', error: e.code ?? e.message };
    }
  }

  private async probe(job: NotificationJob, body: string): Promise<void> {
    if (this.closed) return;
    const headers = this.headers(job, body);
    headers[H_WECHATPAY_SIGNATURE] = `${SIGNTEST_PREFIX}${randomBytes(192).toString('base64')}`;
    const r = await this.post(job.url, headers, body);
    const outcome: ProbeRecord['outcome'] = r.status === undefined ? 'error' : r.status >= 400 ? 'refused' : 'accepted';
    const rec: ProbeRecord = { notify_id: job.envelope.id, url: job.url, at: new Date().toISOString(), outcome, status: r.status, error: r.error };
    this.probeResults.push(rec);
    if (outcome === 'accepted') this.opts.logger.warn({ notify_id: rec.notify_id, url: rec.url, status: r.status }, 'merchant accepted a SIGNTEST probe: it does not verify callback signatures');
    this.emit('probe', rec);
  }

  private async attempt(job: NotificationJob, body: string, attempt: number): Promise<void> {
    if (this.closed) return;
    this.inFlight++;
    const started = performance.now();
    let r: AttemptResult;
    try {
      r = await this.post(job.url, this.headers(job, body), body);
    } finally {
      this.inFlight--;
    }
    const rec: DeliveryRecord = {
      notify_id: job.envelope.id,
      event_type: job.envelope.event_type,
      out_trade_no: job.outTradeNo,
      out_refund_no: job.outRefundNo,
      url: job.url,
      attempt,
      at: new Date().toISOString(),
      outcome: r.outcome,
      status: r.status,
      error: r.error,
      duration_ms: Math.round(performance.now() - started),
    };
    if (r.outcome !== 'delivered') {
      const delay = redeliveryDelayMs(attempt, this.opts.timeScale);
      if (delay !== undefined && !this.closed) {
        rec.next_attempt_in_ms = delay;
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.attempt(job, body, attempt + 1).catch((err: unknown) => this.opts.logger.error({ err, notify_id: job.envelope.id }, 'notify redelivery failed unexpectedly'));
        }, delay);
        this.timers.add(t);
      }
    }
    this.deliveries.push(rec);
    const max = this.opts.maxRecords ?? 10_000;
    if (this.deliveries.length > max) this.deliveries.splice(0, this.deliveries.length - max);
    const log = { notify_id: rec.notify_id, event_type: rec.event_type, out_trade_no: rec.out_trade_no, attempt, outcome: rec.outcome, status: rec.status, next_attempt_in_ms: rec.next_attempt_in_ms };
    if (r.outcome === 'delivered') this.opts.logger.info(log, 'notify delivered');
    else this.opts.logger.warn({ ...log, error: rec.error }, rec.next_attempt_in_ms === undefined ? 'notify given up' : 'notify failed; will redeliver');
    this.emit('attempt', rec);
    if (r.outcome === 'delivered') this.emit('delivered', rec);
    else if (rec.next_attempt_in_ms === undefined) this.emit('gave-up', rec);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    // destroy, not close: a merchant that never answers must not hold up shutdown.
    await this.agent.destroy();
  }
}
