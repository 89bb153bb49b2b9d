/**
 * The status page's memory: a fixed ring of per-second frames (default 15 minutes), each computed
 * from two successive cumulative readings: counters become per-second rates, the duration
 * histogram's bucket deltas over the last minute become p50/p95/p99, gauges are taken as read.
 * Memory is bounded whatever the traffic: `capacity` frames of per-traffic figures, the route
 * table (at most MAX_ROUTE_SERIES rows) of the newest frame only, and the last minute of readings
 * for the quantiles.
 */
import { bucketQuantile } from './quantile';
import type { Reading, RouteReading } from './snapshot';
import type { LoopFigures } from './loop-figures';
import type { AgentReading } from './agent-reading';

export const RING_DEFAULTS = {
  intervalMs: 1000,
  /** 15 minutes at one frame a second. */
  capacity: 900,
  /** The window of the latency quantiles and the minute figures. */
  windowMs: 60_000,
} as const;

export interface RouteFrame {
  route: string;
  traffic: string;
  /** Requests and 5xx answers since start, as /metrics counts them. */
  count: number;
  errors: number;
  /** Requests per second since the previous frame. */
  rps: number;
  /** 5xx answers per second since the previous frame. */
  errorsPerSecond: number;
  /** Over the last minute: requests per second, 5xx share, latency quantiles (ms; null without requests). */
  minuteRps: number;
  minuteErrorRatio: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface RuntimeFrame {
  eventLoopUtilization: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** Milliseconds of GC pause per second of wall time, by kind. */
  gcMsPerSecond: Record<string, number>;
  /** CPU seconds per second (1 = one core busy). */
  cpuCores: number;
  heapUsed: number;
  heapTotal: number;
  heapLimit: number;
  rss: number;
}

export interface AgentFrame {
  up: boolean;
  gcMsPerSecond: Record<string, number>;
  cpuCores: number | null;
  heapUsed: number;
  heapLimit: number;
  rss: number;
}

export interface Frame {
  seq: number;
  /** Epoch seconds. */
  t: number;
  /** The figures below summed over every route, by traffic (a traffic appears once it has requests). */
  traffic: Record<string, RouteFrame>;
  inflight: Record<string, number>;
  upstreamErrorsPerSecond: Record<string, number>;
  rejectionsPerSecond: Record<string, number>;
  shedPerSecond: Record<string, number>;
  /** Counts over the last minute (exact: the difference of two readings, not a sum of rates). */
  minute: { upstreamErrors: Record<string, number>; rejections: Record<string, number>; shed: Record<string, number> };
  runtime: RuntimeFrame;
  tcp: Record<string, number>;
  agent?: AgentFrame;
}

function perSecond(now: Record<string, number>, before: Record<string, number>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) out[k] = Math.max(0, v - (before[k] ?? 0)) / seconds;
  return out;
}

function gcPerSecond(now: Record<string, { seconds: number }>, before: Record<string, { seconds: number }>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) out[k] = (Math.max(0, v.seconds - (before[k]?.seconds ?? 0)) * 1000) / seconds;
  return out;
}

/** Route readings summed per traffic class. */
function byTraffic(reading: Reading): Map<string, RouteReading> {
  const out = new Map<string, RouteReading>();
  for (const r of reading.routes.values()) {
    let t = out.get(r.traffic);
    if (!t) out.set(r.traffic, (t = { route: '*', traffic: r.traffic, count: 0, errors: 0, buckets: new Array<number>(r.buckets.length).fill(0) }));
    t.count += r.count;
    t.errors += r.errors;
    for (let i = 0; i < r.buckets.length; i++) t.buckets[i] += r.buckets[i];
  }
  return out;
}

const ms = (s: number | null) => (s === null ? null : s * 1000);

export class StatusRing {
  private readonly frames: Frame[] = [];
  /** Readings of the last window, oldest first; the first is the base of the minute figures. */
  private readonly readings: Reading[] = [];
  private lastAgent: AgentReading | undefined;
  private seq = 0;
  /** Per route, as of the newest frame only: the page's table needs no history, and the ring stays small. */
  private latestRoutes: RouteFrame[] = [];

  constructor(
    readonly capacity: number = RING_DEFAULTS.capacity,
    private readonly windowMs: number = RING_DEFAULTS.windowMs,
  ) {}

  /** Adds a frame from a new reading; the very first reading only sets the base. */
  push(reading: Reading, loop: LoopFigures, agent?: AgentReading): Frame | undefined {
    const previous = this.readings[this.readings.length - 1];
    this.readings.push(reading);
    while (this.readings.length > 2 && reading.at - this.readings[1].at >= this.windowMs) this.readings.shift();
    const agentBefore = this.lastAgent;
    if (agent) this.lastAgent = agent;
    if (!previous) return undefined;
    const seconds = Math.max(0.001, (reading.at - previous.at) / 1000);
    const base = this.readings[0];
    const windowSeconds = Math.max(0.001, (reading.at - base.at) / 1000);

    const routeFrame = (r: RouteReading, p: RouteReading | undefined, b: RouteReading | undefined): RouteFrame => {
      const minuteBuckets = r.buckets.map((c, i) => Math.max(0, c - (b?.buckets[i] ?? 0)));
      const minuteCount = Math.max(0, r.count - (b?.count ?? 0));
      const minuteErrors = Math.max(0, r.errors - (b?.errors ?? 0));
      return {
        route: r.route,
        traffic: r.traffic,
        count: r.count,
        errors: r.errors,
        rps: Math.max(0, r.count - (p?.count ?? 0)) / seconds,
        errorsPerSecond: Math.max(0, r.errors - (p?.errors ?? 0)) / seconds,
        minuteRps: minuteCount / windowSeconds,
        minuteErrorRatio: minuteCount > 0 ? minuteErrors / minuteCount : null,
        p50Ms: ms(bucketQuantile(0.5, reading.boundaries, minuteBuckets)),
        p95Ms: ms(bucketQuantile(0.95, reading.boundaries, minuteBuckets)),
        p99Ms: ms(bucketQuantile(0.99, reading.boundaries, minuteBuckets)),
      };
    };
    const routes: RouteFrame[] = [];
    for (const [key, r] of reading.routes) routes.push(routeFrame(r, previous.routes.get(key), base.routes.get(key)));
    const traffic: Record<string, RouteFrame> = {};
    const now = byTraffic(reading);
    const before = byTraffic(previous);
    const first = byTraffic(base);
    for (const [t, r] of now) traffic[t] = routeFrame(r, before.get(t), first.get(t));

    const frame: Frame = {
      seq: ++this.seq,
      t: reading.at / 1000,
      traffic,
      inflight: { ...reading.inflight },
      upstreamErrorsPerSecond: perSecond(reading.upstreamErrors, previous.upstreamErrors, seconds),
      rejectionsPerSecond: perSecond(reading.rejections, previous.rejections, seconds),
      shedPerSecond: perSecond(reading.shed, previous.shed, seconds),
      minute: {
        upstreamErrors: perSecond(reading.upstreamErrors, base.upstreamErrors, 1),
        rejections: perSecond(reading.rejections, base.rejections, 1),
        shed: perSecond(reading.shed, base.shed, 1),
      },
      runtime: {
        eventLoopUtilization: loop.utilization,
        delayP50Ms: loop.delayP50Ms,
        delayP99Ms: loop.delayP99Ms,
        delayMaxMs: loop.delayMaxMs,
        gcMsPerSecond: gcPerSecond(reading.gc, previous.gc, seconds),
        cpuCores: Math.max(0, reading.cpuSeconds - previous.cpuSeconds) / seconds,
        heapUsed: reading.heapUsed,
        heapTotal: reading.heapTotal,
        heapLimit: reading.heapLimit,
        rss: reading.rss,
      },
      tcp: { ...reading.tcp },
    };
    if (agent) frame.agent = agent === agentBefore ? this.frames[this.frames.length - 1]?.agent : agentFrame(agent, agentBefore);
    this.frames.push(frame);
    if (this.frames.length > this.capacity) this.frames.shift();
    this.latestRoutes = routes;
    return frame;
  }

  /** Each route and traffic as of the newest frame. */
  get routes(): RouteFrame[] {
    return this.latestRoutes;
  }

  /** Frames after `seq` (all of them for 0), oldest first. */
  since(seq: number): Frame[] {
    const first = this.frames.findIndex((f) => f.seq > seq);
    return first < 0 ? [] : this.frames.slice(first);
  }

  get size(): number {
    return this.frames.length;
  }
}

function agentFrame(now: AgentReading, before: AgentReading | undefined): AgentFrame {
  const fresh = before !== undefined && before.up && now.up && now.at > before.at;
  const seconds = fresh ? (now.at - before.at) / 1000 : 1;
  return {
    up: now.up,
    gcMsPerSecond: fresh ? gcPerSecond(now.gc, before.gc, seconds) : {},
    cpuCores: fresh ? Math.max(0, now.cpuSeconds - before.cpuSeconds) / seconds : null,
    heapUsed: now.heapUsed,
    heapLimit: now.heapLimit,
    rss: now.rss,
  };
}
