/**
 * The sidecar's event loop, second by second, for the status page. The runtime sampler's figures
 * cover "since the last scrape" and a page read must not end that interval, so the page keeps its
 * own baseline: utilisation is a delta against its own previous reading (free), delay comes from a
 * second event-loop-delay histogram (one timer at the same resolution).
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { EventLoopDelay } from '../../runtime/event-loop-delay';

export interface LoopFigures {
  utilization: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
}

export class LoopSampler {
  private readonly delay: EventLoopDelay;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(resolutionMs = 10) {
    this.delay = new EventLoopDelay(resolutionMs);
  }

  read(): LoopFigures {
    const delta = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const d = this.delay.read();
    return { utilization: delta.utilization, delayP50Ms: d.p50 * 1000, delayP99Ms: d.p99 * 1000, delayMaxMs: d.max * 1000 };
  }

  stop(): void {
    this.delay.stop();
  }
}
