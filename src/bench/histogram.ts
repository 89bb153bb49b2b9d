/**
 * Latency histograms: HDR histograms of microseconds, encoded as HdrHistogram's compressed
 * base64 (the V2 format other HDR tools read) so runs can be merged exactly later.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** One hour in microseconds: anything slower is clamped, a request that slow is already a failure. */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

export function newLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
}

export function recordUs(h: Histogram, us: number): void {
  h.recordValue(Math.min(HIGHEST_TRACKABLE_US, Math.max(1, Math.round(us))));
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  const decoded = decodeFromCompressedBase64(encoded);
  // Re-add into a histogram of our own shape so merged and single runs use identical buckets.
  const h = newLatencyHistogram();
  h.add(decoded);
  decoded.destroy();
  return h;
}

export interface LatencySummaryMs {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

const ms = (us: number): number => Math.round(us) / 1000;

/**
 * Percentiles in milliseconds. `max` is read as the 100th percentile (the top bucket's highest
 * equivalent value) rather than the exact recorded maximum: an encoded histogram keeps only
 * buckets, so this is the figure a merge can reproduce exactly.
 */
export function summarize(h: Histogram): LatencySummaryMs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.getValueAtPercentile(100)),
    mean: ms(h.mean),
  };
}

/**
 * The percentile distribution curve as HdrHistogram's plotter draws it: points at exponentially
 * finer percentiles (50, 75, 87.5, ... up to 99.999) so the tail is legible on a log axis.
 */
export function percentileCurve(h: Histogram, ticksPerHalf = 4, maxPercentile = 99.999): { percentile: number; ms: number }[] {
  if (h.totalCount === 0) return [];
  // Past 1 - 1/N a percentile only repeats the maximum: stop where the samples stop saying anything.
  const top = Math.min(maxPercentile, 100 * (1 - 1 / Math.max(2, h.totalCount)));
  const out: { percentile: number; ms: number }[] = [];
  for (let k = 0; ; k++) {
    const p = 100 * (1 - Math.pow(0.5, k / ticksPerHalf));
    if (p > top) break;
    out.push({ percentile: Math.round(p * 1e4) / 1e4, ms: ms(h.getValueAtPercentile(p)) });
  }
  return out;
}
