/**
 * One second of a watched target, from two consecutive scrapes of its /metrics: counters are
 * differenced over the time between the scrapes, gauges taken as the later scrape shows them.
 * Series the sidecar merged in from the agent (`paysidecar_source="agent"`) are ignored: the
 * agent is watched through its own listener, so counting them here would count it twice.
 *
 * A figure the target does not export is left out, never reported as zero: a diagnosis must not
 * rest on a number the target never gave.
 */
import {
  ATTR_STATUS,
  ATTR_TRAFFIC,
  HTTP_SERVER_REQUEST_DURATION,
  prom,
  promLabel,
  runtime,
  TRAFFIC_PROD,
  TRAFFIC_STRESS,
  type MetricName,
} from '../telemetry/names';
import type { PromSample } from '../telemetry/prom-text';

export interface ServerPoint {
  /** Seconds from the watch's start to this scrape. */
  t: number;
  /** Requests the target answered per second, by traffic (targets that serve requests: the sidecar). */
  rps?: { prod: number; stress: number };
  /** 5xx answers per second, by traffic. */
  errorsPerSecond?: { prod: number; stress: number };
  eventLoop?: { utilization: number; delayP50Ms: number; delayP99Ms: number; blockMaxMs?: number; blocks?: number };
  /** Milliseconds of GC pause per second of wall time, by kind (minor, major, incremental, weakcb). */
  gcMsPerSecond?: Record<string, number>;
  /** Share of wall time in GC pauses (0..1). */
  gcShare?: number;
  /** CPU seconds per second (1 = one core busy). */
  cpuCores?: number;
  heapUsedBytes?: number;
  rssBytes?: number;
}

/** One scrape, with the series of this target only. */
export interface Scrape {
  /** Seconds from the watch's start. */
  t: number;
  samples: PromSample[];
}

const MERGED = runtime.MERGED_SOURCE_LABEL;

export function ownSamples(samples: readonly PromSample[]): PromSample[] {
  return samples.filter((s) => s.labels[MERGED] === undefined);
}

function named(samples: readonly PromSample[], name: string): PromSample[] {
  return samples.filter((s) => s.name === name);
}

function gauge(samples: readonly PromSample[], m: MetricName): number | undefined {
  return named(samples, prom(m))[0]?.value;
}

/** Sum of a counter's series grouped by `key` (one group when absent). */
function sums(samples: readonly PromSample[], name: string, key: (s: PromSample) => string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of named(samples, name)) {
    const k = key(s);
    if (k === undefined) continue;
    out.set(k, (out.get(k) ?? 0) + s.value);
  }
  return out;
}

/** Per-second increase of each group; a group that went down (the target restarted) is dropped. */
function rates(prev: Map<string, number>, cur: Map<string, number>, dt: number): Map<string, number> | undefined {
  if (cur.size === 0) return undefined;
  const out = new Map<string, number>();
  for (const [k, v] of cur) {
    const d = v - (prev.get(k) ?? 0);
    if (d < 0) return undefined;
    out.set(k, d / dt);
  }
  return out;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

export function serverPoint(prev: Scrape, cur: Scrape): ServerPoint {
  const dt = cur.t - prev.t;
  const point: ServerPoint = { t: round(cur.t, 3) };
  if (!(dt > 0)) return point;
  const a = ownSamples(prev.samples);
  const b = ownSamples(cur.samples);

  const count = prom(HTTP_SERVER_REQUEST_DURATION) + '_count';
  const traffic = promLabel(ATTR_TRAFFIC);
  const status = promLabel(ATTR_STATUS);
  const byTraffic = (s: PromSample) => s.labels[traffic] ?? TRAFFIC_PROD;
  const byTrafficErrors = (s: PromSample) => (Number(s.labels[status]) >= 500 ? byTraffic(s) : undefined);
  const req = rates(sums(a, count, byTraffic), sums(b, count, byTraffic), dt);
  if (req) {
    point.rps = { prod: round(req.get(TRAFFIC_PROD) ?? 0, 2), stress: round(req.get(TRAFFIC_STRESS) ?? 0, 2) };
    const err = rates(sums(a, count, byTrafficErrors), sums(b, count, byTrafficErrors), dt) ?? new Map<string, number>();
    point.errorsPerSecond = { prod: round(err.get(TRAFFIC_PROD) ?? 0, 2), stress: round(err.get(TRAFFIC_STRESS) ?? 0, 2) };
  }

  const utilization = gauge(b, runtime.EVENTLOOP_UTILIZATION);
  const p50 = gauge(b, runtime.EVENTLOOP_DELAY.p50);
  const p99 = gauge(b, runtime.EVENTLOOP_DELAY.p99);
  if (utilization !== undefined && p50 !== undefined && p99 !== undefined) {
    point.eventLoop = { utilization: round(utilization), delayP50Ms: round(p50 * 1000, 3), delayP99Ms: round(p99 * 1000, 3) };
    const block = gauge(b, runtime.EVENTLOOP_BLOCK_MAX);
    if (block !== undefined) point.eventLoop.blockMaxMs = round(block * 1000, 3);
    const blocks = prom(runtime.EVENTLOOP_BLOCKS);
    const n = rates(sums(a, blocks, () => 'all'), sums(b, blocks, () => 'all'), 1);
    if (n) point.eventLoop.blocks = n.get('all') ?? 0;
  }

  const gcType = promLabel(runtime.ATTR_GC_TYPE);
  const gcSum = prom(runtime.GC_DURATION) + '_sum';
  const gc = rates(sums(a, gcSum, (s) => s.labels[gcType] ?? 'other'), sums(b, gcSum, (s) => s.labels[gcType] ?? 'other'), dt);
  if (gc) {
    point.gcMsPerSecond = Object.fromEntries([...gc].sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => [k, round(v * 1000, 3)]));
    point.gcShare = round(Math.min(1, [...gc.values()].reduce((s, v) => s + v, 0)));
  } else if (named(b, gcSum).length === 0 && gauge(b, runtime.GC_TIME_RATIO) !== undefined) {
    point.gcShare = round(gauge(b, runtime.GC_TIME_RATIO) as number);
  }

  const cpu = rates(sums(a, prom(runtime.PROCESS_CPU_TIME), () => 'all'), sums(b, prom(runtime.PROCESS_CPU_TIME), () => 'all'), dt);
  if (cpu) point.cpuCores = round(cpu.get('all') ?? 0);
  const heap = gauge(b, runtime.HEAP_USED);
  if (heap !== undefined) point.heapUsedBytes = heap;
  const rss = gauge(b, runtime.PROCESS_RSS);
  if (rss !== undefined) point.rssBytes = rss;
  return point;
}

/** What the target says about itself: its service.name (target_info) and whether it serves requests. */
export function describeTarget(samples: readonly PromSample[]): { service?: string; role: 'sidecar' | 'app' } {
  const own = ownSamples(samples);
  const info = own.find((s) => s.name === 'target_info');
  const service = info?.labels.service_name;
  const serves = own.some((s) => s.name === prom(HTTP_SERVER_REQUEST_DURATION) + '_count');
  return { service, role: serves ? 'sidecar' : 'app' };
}
