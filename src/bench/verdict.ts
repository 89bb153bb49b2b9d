/**
 * The verdict: p99 and error rate against the payment thresholds the alerts also use
 * (telemetry/names). Each figure gets a level; the run gets the worst of them.
 */
import { ERROR_RATE_SLO, ERROR_RATE_WARNING, LATENCY_SLO_SECONDS, LATENCY_WARNING_SECONDS } from '../telemetry/names';

export type Level = 'normal' | 'warning' | 'danger';
export const LEVELS: readonly Level[] = ['normal', 'warning', 'danger'];

export interface Thresholds {
  /** p99 at or below this is normal (ms). */
  p99NormalMs: number;
  /** p99 at or below this is a warning, above it danger (ms). */
  p99WarningMs: number;
  /** Error rate below this is normal (ratio). */
  errorRateNormal: number;
  /** Error rate at or below this is a warning, above it danger (ratio). */
  errorRateWarning: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  p99NormalMs: LATENCY_SLO_SECONDS * 1000,
  p99WarningMs: LATENCY_WARNING_SECONDS * 1000,
  errorRateNormal: ERROR_RATE_SLO,
  errorRateWarning: ERROR_RATE_WARNING,
};

export interface Verdict {
  level: Level;
  p99: { valueMs: number; level: Level };
  errorRate: { value: number; level: Level };
  thresholds: Thresholds;
  /** Why the run is not normal, one line each; empty when normal. */
  reasons: string[];
}

export function worst(a: Level, b: Level): Level {
  return LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b;
}

export function judge(p99Ms: number, errorRate: number, requests: number, t: Thresholds = DEFAULT_THRESHOLDS): Verdict {
  const p99Level: Level = p99Ms <= t.p99NormalMs ? 'normal' : p99Ms <= t.p99WarningMs ? 'warning' : 'danger';
  const errLevel: Level = errorRate < t.errorRateNormal ? 'normal' : errorRate <= t.errorRateWarning ? 'warning' : 'danger';
  const reasons: string[] = [];
  let level = worst(p99Level, errLevel);
  if (requests === 0) {
    level = 'danger';
    reasons.push('no request completed');
  }
  if (p99Level !== 'normal') {
    reasons.push(`p99 ${p99Ms} ms is above ${p99Level === 'warning' ? t.p99NormalMs : t.p99WarningMs} ms`);
  }
  if (errLevel !== 'normal') {
    const bound = errLevel === 'warning' ? `at or above ${pct(t.errorRateNormal)}` : `above ${pct(t.errorRateWarning)}`;
    reasons.push(`error rate ${pct(errorRate)} is ${bound}`);
  }
  return { level, p99: { valueMs: p99Ms, level: p99Level }, errorRate: { value: errorRate, level: errLevel }, thresholds: t, reasons };
}

export function pct(ratio: number): string {
  const p = ratio * 100;
  return `${p < 1 && p > 0 ? p.toFixed(3).replace(/0+$/, '') : p.toFixed(2).replace(/\.?0+$/, '')}%`;
}
