/**
 * The real redelivery schedule after a bad or late reply: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/
 * 3h/3h/3h/6h/6h (24h4m in all), multiplied by `--notify-time-scale` so tests run it in
 * milliseconds.
 */
const S = 1000;
const M = 60 * S;
const H = 60 * M;

export const REDELIVERY_SCHEDULE_MS: readonly number[] = [15 * S, 15 * S, 30 * S, 3 * M, 10 * M, 20 * M, 30 * M, 30 * M, 30 * M, 60 * M, 3 * H, 3 * H, 3 * H, 6 * H, 6 * H];

/** How long the merchant has to answer before the delivery counts as failed. */
export const NOTIFY_REPLY_DEADLINE_MS = 5 * S;

/** Delay before attempt `attempt + 1` (attempts count from 1), or undefined when the schedule is spent. */
export function redeliveryDelayMs(attempt: number, timeScale: number): number | undefined {
  const base = REDELIVERY_SCHEDULE_MS[attempt - 1];
  return base === undefined ? undefined : base * timeScale;
}
