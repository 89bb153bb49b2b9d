/**
 * Synthetic input series for promtool tests: request histograms and gauges built step by step,
 * written in promtool's expanding notation, plus a model of what `rate()` ratios over a window
 * will return so tests can state the exact `$value` their annotations render.
 */
import { REQUEST_DURATION_BUCKETS, type Traffic } from '../../telemetry/names';
import { INSTANCE, JOB, L, LE, REQUESTS, leValue } from '../promql';

export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

function fmt(n: number): string {
  return String(Number(n.toFixed(6)));
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
}

/** A counter from per-step increments: promtool's `a+bxn` segments, one per run of equal increments. */
export function counterValues(increments: readonly number[]): string {
  const parts: string[] = [];
  let value = 0;
  let i = 0;
  parts.push(`0`);
  while (i < increments.length) {
    const inc = increments[i];
    let j = i;
    while (j + 1 < increments.length && increments[j + 1] === inc) j++;
    const n = j - i + 1;
    const start = value + inc;
    parts.push(n === 1 ? fmt(start) : `${fmt(start)}+${fmt(inc)}x${n - 1}`);
    value += inc * n;
    i = j + 1;
  }
  return parts.join(' ');
}

/** A gauge from [value, steps] runs; `stale` ends the series. */
export function gaugeValues(runs: readonly (readonly [number | 'stale', number])[]): string {
  return runs
    .map(([v, steps]) => (v === 'stale' ? 'stale' : steps <= 1 ? fmt(v) : `${fmt(v)}+0x${steps - 1}`))
    .join(' ');
}

/** One stretch of steady traffic. */
export interface Phase {
  readonly steps: number;
  readonly rps: number;
  /** Share of requests answered 5xx. */
  readonly errorShare: number;
  /** Share of requests taking `slowSeconds`; the rest take `fastSeconds`. */
  readonly slowShare: number;
  readonly slowSeconds: number;
  readonly fastSeconds: number;
}

export function phase(steps: number, rps: number, opts: Partial<Omit<Phase, 'steps' | 'rps'>> = {}): Phase {
  return { steps, rps, errorShare: 0, slowShare: 0, slowSeconds: 3, fastSeconds: 0.05, ...opts };
}

export interface TrafficSpec {
  readonly job: string;
  readonly instance: string;
  readonly traffic: Traffic;
  readonly phases: readonly Phase[];
  /** Bucket edges to write; fewer edges keep long SLO tests fast. Default: all of them. */
  readonly les?: readonly number[];
}

const ROUTE = '/api/orders';
const METHOD = 'POST';

/**
 * Whole requests per step. promtool expands `a+bxn` by repeated float addition, so a fractional
 * increment can leave a segment ending a hair above where the next one starts — which rate()
 * reads as a counter reset. Integer counts are exact.
 */
function stepTotal(p: Phase, stepSeconds: number): number {
  return Math.round(p.rps * stepSeconds);
}

function stepErrors(p: Phase, stepSeconds: number): number {
  return Math.round(stepTotal(p, stepSeconds) * p.errorShare);
}

function statusCount(p: Phase, stepSeconds: number, status: Status): number {
  const errors = stepErrors(p, stepSeconds);
  return status === '500' ? errors : stepTotal(p, stepSeconds) - errors;
}

/** Requests of `status` at or under `le` in one step; monotone in `le`, equal to the count at +Inf. */
function bucketCount(p: Phase, stepSeconds: number, status: Status, le: number): number {
  const share = (p.fastSeconds <= le ? 1 - p.slowShare : 0) + (p.slowSeconds <= le ? p.slowShare : 0);
  return Math.round(statusCount(p, stepSeconds, status) * share);
}

type Status = '200' | '500';
const STATUSES: readonly Status[] = ['200', '500'];

function perStep(spec: TrafficSpec, f: (p: Phase) => number): number[] {
  return spec.phases.flatMap((p) => Array<number>(p.steps).fill(f(p)));
}

/** Histogram `_bucket` and `_count` series for 200 and 500 responses. */
export function requestSeries(spec: TrafficSpec, stepSeconds: number): InputSeries[] {
  const base = { [JOB]: spec.job, [INSTANCE]: spec.instance, [L.method]: METHOD, [L.route]: ROUTE, [L.traffic]: spec.traffic };
  const out: InputSeries[] = [];
  const les = spec.les ?? REQUEST_DURATION_BUCKETS;
  for (const status of STATUSES) {
    const labels = { ...base, [L.status]: status };
    for (const le of les) {
      out.push({
        series: `${REQUESTS.bucket}{${labelText({ ...labels, [LE]: leValue(le) })}}`,
        values: counterValues(perStep(spec, (p) => bucketCount(p, stepSeconds, status, le))),
      });
    }
    const counts = counterValues(perStep(spec, (p) => statusCount(p, stepSeconds, status)));
    out.push({ series: `${REQUESTS.bucket}{${labelText({ ...labels, [LE]: '+Inf' })}}`, values: counts });
    out.push({ series: `${REQUESTS.count}{${labelText(labels)}}`, values: counts });
  }
  return out;
}

/** What a ratio SLI counts as bad: 5xx responses, or requests slower than a bucket edge. */
export type Bad = { readonly errors: true } | { readonly slowerThan: number };

function badCount(p: Phase, stepSeconds: number, bad: Bad): number {
  if ('errors' in bad) return stepErrors(p, stepSeconds);
  return stepTotal(p, stepSeconds) - STATUSES.reduce((n, s) => n + bucketCount(p, stepSeconds, s, bad.slowerThan), 0);
}

/**
 * What `sum(rate(bad[w])) / sum(rate(all[w]))` returns at `evalStep`: the counters share sample
 * times, so rate's extrapolation scales both alike and the ratio is the ratio of the deltas
 * between the first and last samples inside [t - w, t] (both ends inclusive before Prometheus 3).
 */
export function windowRatio(spec: TrafficSpec, stepSeconds: number, evalStep: number, windowSeconds: number, bad: Bad): number {
  const num = perStep(spec, (p) => badCount(p, stepSeconds, bad));
  const den = perStep(spec, (p) => stepTotal(p, stepSeconds));
  const first = Math.max(0, Math.ceil(evalStep - windowSeconds / stepSeconds));
  let n = 0;
  let d = 0;
  // Increment k (0-based) moves the counter from sample k to sample k + 1.
  for (let k = first; k < evalStep; k++) {
    n += num[k] ?? 0;
    d += den[k] ?? 0;
  }
  return n / d;
}
