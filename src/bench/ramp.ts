/**
 * `--ramp FROM:TO:DURATION`: an open-loop rate that climbs in equal steps, to find the knee where
 * latency turns up. Steps (not a smooth slope) so each rate is held long enough to read its p99.
 */
import { duration } from '../config/values';
import type { RateStep } from './schedule';

export const RAMP_EXPECTED = 'FROM:TO:DURATION with rates in requests/s, e.g. 100:2000:60s';
export const DEFAULT_RAMP_STEPS = 10;

export interface Ramp {
  from: number;
  to: number;
  durationMs: number;
}

export function parseRamp(text: string): Ramp | undefined {
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?):(.+)$/.exec(text.trim());
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = Number(m[2]);
  const durationMs = duration.parse(m[3]);
  if (!(from > 0) || !(to > 0) || durationMs === undefined || durationMs <= 0) return undefined;
  return { from, to, durationMs };
}

/** `steps` rates evenly spaced from `from` to `to` inclusive, each held for duration/steps. */
export function rampSteps(ramp: Ramp, steps: number): RateStep[] {
  const n = Math.max(1, Math.floor(steps));
  const each = ramp.durationMs / n;
  const out: RateStep[] = [];
  for (let k = 0; k < n; k++) {
    const rate = n === 1 ? ramp.to : ramp.from + ((ramp.to - ramp.from) * k) / (n - 1);
    out.push({ rate: Math.round(rate * 100) / 100, durationMs: each });
  }
  return out;
}
