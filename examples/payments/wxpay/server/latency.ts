/**
 * Injected latency: fixed, uniform, normal or log-normal. Written in JSON as
 * `{"latencyMs": 2500}`, `{"latencyMs": [100, 400]}`, `{"latency": {"distribution": "normal", "meanMs": 200, "stddevMs": 50}}`
 * or `{"latency": {"distribution": "lognormal", "medianMs": 50, "p99Ms": 800}}`, and on the
 * command line as `2500ms`, `100ms..400ms`, `normal:200ms,50ms`, `lognormal:50ms,800ms`.
 */
import { duration } from '../../../../src/config/values';

export type Latency =
  | { distribution: 'fixed'; ms: number }
  | { distribution: 'uniform'; minMs: number; maxMs: number }
  | { distribution: 'normal'; meanMs: number; stddevMs: number }
  | { distribution: 'lognormal'; medianMs: number; p99Ms: number };

export const LATENCY_FLAG_EXPECTED = 'a duration (2500ms), a range (100ms..400ms), normal:MEAN,STDDEV or lognormal:MEDIAN,P99';

/** z(0.99) of the standard normal: lognormal sigma = ln(p99/median) / Z99. */
const Z99 = 2.3263478740408408;

function gaussian(): number {
  // Box–Muller; 1 - random() keeps the log argument in (0, 1].
  const u = 1 - Math.random();
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function sampleLatencyMs(l: Latency): number {
  switch (l.distribution) {
    case 'fixed':
      return l.ms;
    case 'uniform':
      return l.minMs + Math.random() * (l.maxMs - l.minMs);
    case 'normal':
      return Math.max(0, l.meanMs + gaussian() * l.stddevMs);
    case 'lognormal': {
      const sigma = Math.log(Math.max(l.p99Ms, l.medianMs) / Math.max(l.medianMs, 1e-3)) / Z99;
      return l.medianMs * Math.exp(sigma * gaussian());
    }
  }
}

/** Parses the command-line form; undefined when malformed. */
export function parseLatencyFlag(text: string): Latency | undefined {
  const t = text.trim();
  const pair = (s: string): [number, number] | undefined => {
    const parts = s.split(',');
    if (parts.length !== 2) return undefined;
    const a = duration.parse(parts[0]);
    const b = duration.parse(parts[1]);
    return a === undefined || b === undefined ? undefined : [a, b];
  };
  if (t.startsWith('normal:')) {
    const p = pair(t.slice(7));
    return p ? { distribution: 'normal', meanMs: p[0], stddevMs: p[1] } : undefined;
  }
  if (t.startsWith('lognormal:')) {
    const p = pair(t.slice(10));
    return p && p[1] >= p[0] ? { distribution: 'lognormal', medianMs: p[0], p99Ms: p[1] } : undefined;
  }
  if (t.includes('..')) {
    const [a, b] = t.split('..').map((x) => duration.parse(x));
    return a !== undefined && b !== undefined && b >= a ? { distribution: 'uniform', minMs: a, maxMs: b } : undefined;
  }
  const ms = duration.parse(t);
  return ms === undefined ? undefined : { distribution: 'fixed', ms };
}

/** Reads the JSON form (`latencyMs` or `latency`); returns a problem string when malformed. */
export function latencyFromJson(body: { latencyMs?: unknown; latency?: unknown }): Latency | undefined | string {
  if (body.latencyMs !== undefined && body.latency !== undefined) return 'give latencyMs or latency, not both';
  const nonNeg = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  if (body.latencyMs !== undefined) {
    const v = body.latencyMs;
    if (nonNeg(v)) return { distribution: 'fixed', ms: v };
    if (Array.isArray(v) && v.length === 2 && nonNeg(v[0]) && nonNeg(v[1]) && v[1] >= v[0]) {
      return { distribution: 'uniform', minMs: v[0], maxMs: v[1] };
    }
    return 'latencyMs must be a number of milliseconds >= 0 or a [min, max] pair';
  }
  if (body.latency === undefined) return undefined;
  const l = body.latency as Record<string, unknown>;
  if (typeof l !== 'object' || l === null) return 'latency must be an object with a distribution';
  switch (l.distribution) {
    case 'fixed':
      return nonNeg(l.ms) ? { distribution: 'fixed', ms: l.ms } : 'latency.ms must be a number >= 0';
    case 'uniform':
      return nonNeg(l.minMs) && nonNeg(l.maxMs) && l.maxMs >= l.minMs
        ? { distribution: 'uniform', minMs: l.minMs, maxMs: l.maxMs }
        : 'latency.minMs and latency.maxMs must be numbers with 0 <= minMs <= maxMs';
    case 'normal':
      return nonNeg(l.meanMs) && nonNeg(l.stddevMs)
        ? { distribution: 'normal', meanMs: l.meanMs, stddevMs: l.stddevMs }
        : 'latency.meanMs and latency.stddevMs must be numbers >= 0';
    case 'lognormal':
      return nonNeg(l.medianMs) && nonNeg(l.p99Ms) && l.p99Ms >= l.medianMs
        ? { distribution: 'lognormal', medianMs: l.medianMs, p99Ms: l.p99Ms }
        : 'latency.medianMs and latency.p99Ms must be numbers with 0 <= medianMs <= p99Ms';
    default:
      return 'latency.distribution must be one of fixed|uniform|normal|lognormal';
  }
}
