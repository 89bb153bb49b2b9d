/**
 * A timer-drift probe: an interval timer that notices when it fires late. monitorEventLoopDelay
 * takes no samples while the loop is blocked, so a single 2 s stall is one sample among hundreds
 * and vanishes from p99; the probe reports it as a block with its length and end time.
 */
import { performance } from 'node:perf_hooks';

export interface Block {
  /** performance.now() (ms) when the stall is estimated to have started. */
  readonly start: number;
  /** How long the loop was unavailable (ms). */
  readonly duration: number;
}

export interface BlockProbeOptions {
  intervalMs: number;
  thresholdMs: number;
  onBlock(block: Block): void;
}

export function startBlockProbe(opts: BlockProbeOptions): { stop(): void } {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - opts.intervalMs;
    last = now;
    if (late >= opts.thresholdMs) opts.onBlock({ start: now - late, duration: late });
  }, opts.intervalMs);
  // A probe must never keep the host process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
