/**
 * `bench compare before.json after.json`: the before/after table of a tuning loop. Each row has
 * the whole-run figure of both runs, the change, and whether the change is beyond run-to-run
 * noise.
 *
 * Noise is judged from the per-second series, not from the two headline numbers: each full second
 * of a run gives one value (its rps, its p99 from its own histogram, a target's CPU per request,
 * event-loop p99, GC share). A change counts as real when each run's median second lies outside
 * the middle half (the interquartile range) of the other run's seconds: the runs barely overlap,
 * second by second. Fewer than 3 seconds a side is too little to say.
 */
import { decodeHistogram } from './histogram';
import type { BenchReport } from './report';
import { median, steadyPoints } from './steady-stats';

export type Noise = 'beyond noise' | 'within noise' | 'too few seconds';

export interface CompareRow {
  metric: string;
  /** Lower is better (latency, CPU) or higher is better (throughput). */
  better: 'lower' | 'higher';
  before?: number;
  after?: number;
  /** after / before − 1. */
  change?: number;
  noise: Noise;
  /** The per-second values the noise judgement used, as [median, q1, q3] a side. */
  seconds?: { before: [number, number, number]; after: [number, number, number] };
}

const MIN_SECONDS = 3;

function quartiles(xs: number[]): [number, number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo] + (s[Math.min(s.length - 1, lo + 1)] - s[lo]) * (i - lo);
  };
  return [median(s), q(0.25), q(0.75)];
}

export function judgeNoise(before: number[], after: number[]): { noise: Noise; seconds?: CompareRow['seconds'] } {
  if (before.length < MIN_SECONDS || after.length < MIN_SECONDS) return { noise: 'too few seconds' };
  const b = quartiles(before);
  const a = quartiles(after);
  const outside = (m: number, q: [number, number, number]) => m < q[1] || m > q[2];
  return { noise: outside(a[0], b) && outside(b[0], a) ? 'beyond noise' : 'within noise', seconds: { before: b, after: a } };
}

/** Full seconds only: the last, shorter one has too few requests to stand beside the others. */
function fullSeconds(r: BenchReport) {
  return r.timeline.filter((p) => p.seconds >= 0.999);
}

function perSecondPercentile(r: BenchReport, q: number): number[] {
  return fullSeconds(r)
    .filter((p) => p.requests > 0)
    .map((p) => {
      const h = decodeHistogram(p.histogram);
      const v = h.totalCount > 0 ? h.getValueAtPercentile(q) / 1000 : 0;
      h.destroy();
      return v;
    });
}

interface Series {
  whole?: number;
  seconds: number[];
}

type Metric = { name: string; better: 'lower' | 'higher'; of: (r: BenchReport) => Series };

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

function clientMetrics(): Metric[] {
  const pct = (label: string, key: 'p50' | 'p95' | 'p99' | 'p999', q: number): Metric => ({
    name: `${label} ms`,
    better: 'lower',
    of: (r) => ({ whole: r.latencyMs[key], seconds: perSecondPercentile(r, q) }),
  });
  return [
    { name: 'TPS', better: 'higher', of: (r) => ({ whole: r.rps, seconds: fullSeconds(r).map((p) => p.requests / p.seconds) }) },
    pct('p50', 'p50', 50),
    pct('p95', 'p95', 95),
    pct('p99', 'p99', 99),
    pct('p99.9', 'p999', 99.9),
    { name: 'error rate %', better: 'lower', of: (r) => ({ whole: r.errorRate * 100, seconds: fullSeconds(r).filter((p) => p.requests > 0).map((p) => (100 * p.errors) / p.requests) }) },
  ];
}

/** Per watched target (matched by name): CPU per request, event-loop p99, GC share, over the steady window. */
function serverMetrics(name: string): Metric[] {
  const points = (r: BenchReport) => {
    const t = r.server?.targets.find((x) => x.name === name);
    return t ? steadyPoints(t.series, r.server?.steady) : [];
  };
  const clientRps = (r: BenchReport, t: number) => {
    const dx = r.server ? (Date.parse(r.server.startedAt) - Date.parse(r.startedAt)) / 1000 : 0;
    const p = r.timeline[Math.max(0, Math.floor(t + dx) - 1)];
    return p && p.seconds > 0 ? p.requests / p.seconds : 0;
  };
  const series = (values: number[]): Series => ({ whole: mean(values), seconds: values });
  return [
    {
      name: `${name} CPU ms / request`,
      better: 'lower',
      of: (r) =>
        series(
          points(r)
            .map((p) => ({ p, rps: p.rps ? p.rps.prod + p.rps.stress : clientRps(r, p.t) }))
            .filter((x) => x.p.cpuCores !== undefined && x.rps > 0)
            .map((x) => ((x.p.cpuCores as number) * 1000) / x.rps),
        ),
    },
    { name: `${name} event-loop p99 ms`, better: 'lower', of: (r) => series(points(r).flatMap((p) => (p.eventLoop ? [p.eventLoop.delayP99Ms] : []))) },
    { name: `${name} GC share %`, better: 'lower', of: (r) => series(points(r).flatMap((p) => (p.gcShare !== undefined ? [p.gcShare * 100] : []))) },
  ];
}

export function compareReports(before: BenchReport, after: BenchReport): CompareRow[] {
  const names = [...new Set([...(before.server?.targets ?? []), ...(after.server?.targets ?? [])].map((t) => t.name))];
  const rows: CompareRow[] = [];
  for (const m of [...clientMetrics(), ...names.flatMap(serverMetrics)]) {
    const b = m.of(before);
    const a = m.of(after);
    if (b.whole === undefined && a.whole === undefined) continue;
    const row: CompareRow = { metric: m.name, better: m.better, noise: 'too few seconds' };
    if (b.whole !== undefined) row.before = b.whole;
    if (a.whole !== undefined) row.after = a.whole;
    if (b.whole !== undefined && a.whole !== undefined && b.whole !== 0) row.change = a.whole / b.whole - 1;
    Object.assign(row, judgeNoise(b.seconds, a.seconds));
    rows.push(row);
  }
  return rows;
}
