/**
 * Collects a live run's outcomes: the whole-run histogram, one histogram per operation and per
 * ramp step, a per-second timeline (each second closed and encoded as it passes, so memory stays
 * flat on long runs), status codes, transport errors, the exact time-average of requests in flight,
 * how late the open loop got requests out, and a few trace ids.
 */
import type { Histogram } from 'hdr-histogram-js';
import { encodeHistogram, newLatencyHistogram, recordUs } from './histogram';
import type { Outcome } from './request';
import type { Aggregate, RunMeta, TimelinePoint, TraceRef } from './report';
import { TRAFFIC_PROD, TRAFFIC_STRESS, UPSTREAM_ERROR_TYPES, type Traffic } from '../telemetry/names';

/** Transport-error name for scheduled requests the drain deadline cut off before they were sent. */
const NOT_SENT = 'not_sent';

/** Latency counts for HTTP answers and for timeouts (the slow failures a p99 must show); a refused
 * or reset connection has no service time worth a percentile and is only counted as an error. */
const LATENCY_COUNTED_ERRORS = new Set<string>([UPSTREAM_ERROR_TYPES.timeout]);

export interface RecorderOptions {
  meta: RunMeta;
  tool: string;
  /** performance.now() at the start of the run. */
  t0: number;
  startedAtMs: number;
  /** Open loop: requests the schedule asks for in [fromMs, toMs). */
  scheduledBetween?: (fromMs: number, toMs: number) => number;
  /** Ramp: each step's rate and duration. */
  steps?: readonly { rate: number; durationMs: number }[];
  sampleTraces?: number;
  slowestTraces?: number;
}

export interface LiveStats {
  elapsedMs: number;
  requests: number;
  errors: number;
  /** Requests completed in the last full second. */
  lastSecondRps: number;
  /** p99 of the last full second, ms. */
  lastSecondP99Ms: number;
  /** The open-loop rate asked for in the last full second. */
  targetRate?: number;
}

interface Counted {
  requests: number;
  errors: number;
  histogram: Histogram;
}

function counted(): Counted {
  return { requests: 0, errors: 0, histogram: newLatencyHistogram() };
}

function count(c: Counted, isError: boolean, countLatency: boolean, latencyUs: number): void {
  c.requests++;
  if (isError) c.errors++;
  if (countLatency) recordUs(c.histogram, latencyUs);
}

export class Recorder {
  private readonly o: RecorderOptions;
  private readonly total = counted();
  private readonly operations = new Map<string, Counted>();
  private readonly steps: Counted[];
  private readonly statusCodes: Record<string, number> = {};
  private readonly transportErrors: Record<string, number> = {};
  private readonly timeline: TimelinePoint[] = [];
  private readonly sample: TraceRef[] = [];
  /** Ascending by latency; at most slowestTraces long. */
  private readonly slowest: TraceRef[] = [];
  private second = counted();
  private secondIndex = 0;
  /** Requests handed to the client and not yet answered, and its time integral (ms·requests). */
  private inFlight = 0;
  private lastChangeMs: number;
  private area = 0;
  private secondArea = 0;
  private sendLag = { sumMs: 0, n: 0 };
  private readonly traffic: Traffic;

  constructor(o: RecorderOptions) {
    this.o = o;
    this.traffic = o.meta.traffic === TRAFFIC_STRESS ? TRAFFIC_STRESS : TRAFFIC_PROD;
    this.lastChangeMs = o.t0;
    this.steps = (o.steps ?? []).map(() => counted());
  }

  /** A request was handed to the client `lagMs` after its intended send time (0 in closed loop). */
  dispatched(nowMs: number, lagMs: number): void {
    this.advance(nowMs);
    this.inFlight++;
    this.sendLag.sumMs += lagMs;
    this.sendLag.n++;
  }

  /** Records one finished request. `latencyUs` runs from the intended send time in open loop. */
  record(operation: string, outcome: Outcome, latencyUs: number, nowMs: number, traceId?: string, step?: number): void {
    this.advance(nowMs);
    this.inFlight--;
    const isError = outcome.error !== undefined || outcome.status >= 400;
    const countLatency = outcome.error === undefined || LATENCY_COUNTED_ERRORS.has(outcome.error);
    let op = this.operations.get(operation);
    if (!op) this.operations.set(operation, (op = counted()));
    // The whole-run histogram is not touched here: each second's is added into it as the second
    // closes, one record per request fewer on the hot path.
    this.total.requests++;
    if (isError) this.total.errors++;
    count(this.second, isError, countLatency, latencyUs);
    count(op, isError, countLatency, latencyUs);
    if (step !== undefined && this.steps[step]) count(this.steps[step], isError, countLatency, latencyUs);
    if (outcome.error !== undefined) this.transportErrors[outcome.error] = (this.transportErrors[outcome.error] ?? 0) + 1;
    else this.statusCodes[outcome.status] = (this.statusCodes[outcome.status] ?? 0) + 1;
    if (traceId) this.noteTrace(traceId, operation, outcome, latencyUs);
  }

  /** Scheduled requests that were never sent before the drain deadline: errors without a latency. */
  recordUnsent(count: number, nowMs: number): void {
    if (count <= 0) return;
    this.advance(nowMs);
    this.total.requests += count;
    this.total.errors += count;
    this.second.requests += count;
    this.second.errors += count;
    this.transportErrors[NOT_SENT] = (this.transportErrors[NOT_SENT] ?? 0) + count;
  }

  live(nowMs: number): LiveStats {
    this.advance(nowMs);
    const elapsedMs = nowMs - this.o.t0;
    const last = this.timeline[this.timeline.length - 1];
    if (last) {
      return { elapsedMs, requests: this.total.requests, errors: this.total.errors, lastSecondRps: last.requests, lastSecondP99Ms: last.latencyMs.p99, targetRate: last.targetRate };
    }
    // Still inside the first second: report it so far rather than zeros.
    const seconds = Math.max(elapsedMs, 1) / 1000;
    const h = this.second.histogram;
    return {
      elapsedMs,
      requests: this.total.requests,
      errors: this.total.errors,
      lastSecondRps: Math.round(this.second.requests / seconds),
      lastSecondP99Ms: h.totalCount > 0 ? Math.round(h.getValueAtPercentile(99)) / 1000 : 0,
      targetRate: this.o.scheduledBetween ? Math.round(this.o.scheduledBetween(0, elapsedMs) / seconds) : undefined,
    };
  }

  /** Closes the last (partial) second and hands the run over for reporting. */
  finish(endMs: number): Aggregate {
    // Requests abandoned at the drain deadline are recorded as the pool closes, a little later.
    endMs = Math.max(endMs, this.lastChangeMs);
    this.advance(endMs);
    const durationMs = Math.max(1, endMs - this.o.t0);
    const partial = durationMs / 1000 - this.secondIndex;
    if (partial > 0.001 || this.second.requests > 0) this.closeSecond(Math.min(1, Math.max(0.001, partial)));
    const operations: Aggregate['operations'] = {};
    for (const [name, c] of this.operations) operations[name] = c;
    const agg: Aggregate = {
      meta: this.o.meta,
      tool: this.o.tool,
      startedAtMs: this.o.startedAtMs,
      durationSeconds: durationMs / 1000,
      requests: this.total.requests,
      errors: this.total.errors,
      histogram: this.total.histogram,
      statusCodes: this.statusCodes,
      transportErrors: this.transportErrors,
      meanConcurrency: this.area / durationMs,
      meanSendLagMs: this.sendLag.n > 0 ? this.sendLag.sumMs / this.sendLag.n : 0,
      operations,
      traces: { sample: this.sample, slowest: [...this.slowest].reverse() },
      timeline: this.timeline,
    };
    if (this.o.steps) {
      agg.steps = this.o.steps.map((s, i) => ({ rate: s.rate, durationSeconds: s.durationMs / 1000, ...this.steps[i] }));
    }
    return agg;
  }

  /** Moves the clock to `nowMs`: integrates in-flight time and closes every second passed. */
  private advance(nowMs: number): void {
    const idx = Math.floor((nowMs - this.o.t0) / 1000);
    while (this.secondIndex < idx) {
      this.integrate(this.o.t0 + (this.secondIndex + 1) * 1000);
      this.closeSecond(1);
    }
    this.integrate(nowMs);
  }

  private integrate(toMs: number): void {
    const dt = toMs - this.lastChangeMs;
    if (dt <= 0) return;
    this.area += this.inFlight * dt;
    this.secondArea += this.inFlight * dt;
    this.lastChangeMs = toMs;
  }

  private closeSecond(seconds: number): void {
    const h = this.second.histogram;
    const t = this.secondIndex;
    const p = (q: number) => (h.totalCount > 0 ? Math.round(h.getValueAtPercentile(q)) / 1000 : 0);
    const point: TimelinePoint = {
      t,
      seconds: Math.round(seconds * 1000) / 1000,
      requests: this.second.requests,
      errors: this.second.errors,
      latencyMs: { p50: p(50), p90: p(90), p99: p(99), max: p(100) },
      concurrency: Math.round((this.secondArea / (seconds * 1000)) * 100) / 100,
      histogram: encodeHistogram(h),
    };
    this.total.histogram.add(h);
    if (this.o.scheduledBetween) point.targetRate = this.o.scheduledBetween(t * 1000, (t + seconds) * 1000) / seconds;
    this.timeline.push(point);
    h.reset();
    this.second.requests = 0;
    this.second.errors = 0;
    this.secondArea = 0;
    this.secondIndex++;
  }

  private noteTrace(traceId: string, operation: string, outcome: Outcome, latencyUs: number): void {
    const want = this.o.sampleTraces ?? 5;
    const keep = this.o.slowestTraces ?? 5;
    const latencyMs = Math.round(latencyUs) / 1000;
    const slowEnough = this.slowest.length < keep || latencyMs > this.slowest[0].latencyMs;
    if (this.sample.length >= want && !slowEnough) return;
    const ref: TraceRef = { traceId, operation, status: outcome.error ?? outcome.status, latencyMs, traffic: this.traffic };
    if (this.sample.length < want) this.sample.push(ref);
    if (slowEnough) {
      let i = 0;
      while (i < this.slowest.length && this.slowest[i].latencyMs < latencyMs) i++;
      this.slowest.splice(i, 0, ref);
      if (this.slowest.length > keep) this.slowest.shift();
    }
  }
}
