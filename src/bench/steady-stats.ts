/**
 * A watched target's figures over the steady window: what the diagnosis and `bench compare` read.
 * Means of the per-second values (one second of a loaded target weighs as much as another), except
 * the event-loop delay p99, whose median is taken (a single GC-heavy second must not make the loop
 * look saturated) beside its maximum.
 */
import type { LoadGeneratorPoint, ServerReport } from './server-report';
import type { ServerPoint } from './server-series';

export interface TargetStats {
  seconds: number;
  utilization?: number;
  delayP99Ms?: number;
  delayP99MaxMs?: number;
  blockMaxMs?: number;
  /** Blocks the target counted, and an upper bound of the time they took (each at most its second's longest). */
  blocks?: number;
  blockedMsUpTo?: number;
  gcShare?: number;
  gcShareByKind?: Record<string, number>;
  cpuCores?: number;
  rps?: number;
  errorsPerSecond?: number;
  heapUsedBytes?: number;
  rssBytes?: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The points inside the steady window. A point is stamped when its scrape ended and covers the
 * second before, so the window's first second ends at fromT + 1. Without a window (or with too few
 * points in it) the run's first fifth is left out instead.
 */
export function steadyPoints<P extends { t: number }>(series: readonly P[], steady?: ServerReport['steady']): P[] {
  if (steady) {
    const inside = series.filter((p) => p.t >= steady.fromT + 0.5 && p.t <= steady.toT + 0.5);
    if (inside.length >= 2) return inside;
  }
  const end = series.length ? series[series.length - 1].t : 0;
  const rest = series.filter((p) => p.t > end * 0.2);
  return rest.length ? rest : [...series];
}

function defined<T>(xs: (T | undefined)[]): T[] {
  return xs.filter((x): x is T => x !== undefined);
}

export function targetStats(points: readonly ServerPoint[]): TargetStats {
  const out: TargetStats = { seconds: points.length };
  const el = defined(points.map((p) => p.eventLoop));
  if (el.length) {
    out.utilization = mean(el.map((e) => e.utilization));
    out.delayP99Ms = median(el.map((e) => e.delayP99Ms));
    out.delayP99MaxMs = Math.max(...el.map((e) => e.delayP99Ms));
    const blocks = el.filter((e) => e.blockMaxMs !== undefined);
    if (blocks.length) {
      out.blockMaxMs = Math.max(...blocks.map((e) => e.blockMaxMs as number));
      out.blocks = blocks.reduce((s, e) => s + (e.blocks ?? 0), 0);
      out.blockedMsUpTo = blocks.reduce((s, e) => s + (e.blocks ?? 0) * (e.blockMaxMs as number), 0);
    }
  }
  const gc = points.filter((p) => p.gcShare !== undefined);
  if (gc.length) {
    out.gcShare = mean(gc.map((p) => p.gcShare as number));
    const kinds = new Set(gc.flatMap((p) => Object.keys(p.gcMsPerSecond ?? {})));
    if (kinds.size) out.gcShareByKind = Object.fromEntries([...kinds].map((k) => [k, mean(gc.map((p) => (p.gcMsPerSecond?.[k] ?? 0) / 1000))]));
  }
  const cpu = defined(points.map((p) => p.cpuCores));
  if (cpu.length) out.cpuCores = mean(cpu);
  const rps = defined(points.map((p) => p.rps));
  if (rps.length) {
    out.rps = mean(rps.map((r) => r.prod + r.stress));
    out.errorsPerSecond = mean(defined(points.map((p) => p.errorsPerSecond)).map((r) => r.prod + r.stress));
  }
  const heap = defined(points.map((p) => p.heapUsedBytes));
  if (heap.length) out.heapUsedBytes = mean(heap);
  const rss = defined(points.map((p) => p.rssBytes));
  if (rss.length) out.rssBytes = mean(rss);
  return out;
}

export function loadGeneratorStats(points: readonly LoadGeneratorPoint[]): { cpuCores: number; utilization: number } | undefined {
  if (!points.length) return undefined;
  return { cpuCores: mean(points.map((p) => p.cpuCores)), utilization: mean(points.map((p) => p.utilization)) };
}
