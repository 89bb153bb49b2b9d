/**
 * Event-loop delay from `monitorEventLoopDelay`, read as "since the previous read". The histogram
 * records how late its own timer fired, so every value includes the timer's resolution: it is
 * subtracted here, or an idle loop would report a 10 ms delay.
 */
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import type { EventLoopDelayStat } from '../telemetry/names/runtime';

export type DelayStats = Record<EventLoopDelayStat, number>;

const NS_PER_S = 1e9;

export class EventLoopDelay {
  private readonly histogram: ELDHistogram;
  private readonly resolutionNs: number;

  constructor(resolutionMs: number) {
    const resolution = Math.max(1, Math.round(resolutionMs));
    this.resolutionNs = resolution * 1e6;
    this.histogram = monitorEventLoopDelay({ resolution });
    this.histogram.enable();
  }

  /** Seconds, resolution subtracted, then reset; all zeros when the timer never fired. */
  read(): DelayStats {
    const h = this.histogram;
    const net = (ns: number) => Math.max(0, ns - this.resolutionNs) / NS_PER_S;
    // Before the first sample min is 2^63 and the rest NaN or 0.
    const stats: DelayStats =
      h.count === 0
        ? { min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 }
        : {
            min: net(h.min),
            max: net(h.max),
            mean: net(h.mean),
            stddev: (Number.isFinite(h.stddev) ? h.stddev : 0) / NS_PER_S,
            p50: net(h.percentile(50)),
            p90: net(h.percentile(90)),
            p99: net(h.percentile(99)),
          };
    h.reset();
    return stats;
  }

  stop(): void {
    this.histogram.disable();
  }
}
