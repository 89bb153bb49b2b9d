/**
 * Closed loop: C workers, each sending its next request as soon as the last one answers. This
 * measures the most a target can serve at concurrency C; its latencies are service times only,
 * so a stall delays just the C requests caught in it (the percentiles hide it — use open loop
 * for latency objectives).
 */
import { issue, type IssueContext } from './issue';
import type { LoopResult } from './open-loop';

export interface ClosedLoopOptions {
  connections: number;
  durationMs: number;
  maxRequests: number;
  drainMs: number;
}

export class ClosedLoop {
  private readonly ctx: IssueContext;
  private readonly o: ClosedLoopOptions;
  private t0 = 0;
  private started = 0;
  private inFlight = 0;
  private stopped = false;
  private finished = false;
  private deadline: NodeJS.Timeout | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  private resolve!: (r: LoopResult) => void;

  constructor(ctx: IssueContext, o: ClosedLoopOptions) {
    this.ctx = ctx;
    this.o = o;
  }

  run(t0: number): Promise<LoopResult> {
    this.t0 = t0;
    const p = new Promise<LoopResult>((resolve) => (this.resolve = resolve));
    if (Number.isFinite(this.o.durationMs)) {
      this.endTimer = setTimeout(() => this.stop(), Math.max(0, t0 + this.o.durationMs - this.ctx.clock()));
    }
    for (let lane = 0; lane < this.o.connections; lane++) this.next(lane);
    return p;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.endTimer) clearTimeout(this.endTimer);
    this.deadline = setTimeout(() => this.finish(), this.o.drainMs);
    this.deadline.unref();
    if (this.inFlight === 0) this.finish();
  }

  private next(lane: number): void {
    if (this.finished) return;
    if (!this.stopped && this.ctx.clock() - this.t0 >= this.o.durationMs) this.stop();
    if (this.stopped || this.started >= this.o.maxRequests) {
      if (!this.stopped) this.stop();
      if (this.inFlight === 0) this.finish();
      return;
    }
    this.started++;
    this.inFlight++;
    issue(this.ctx, this.ctx.clock(), undefined, () => this.onDone(lane), lane);
  }

  private onDone(lane: number): void {
    this.inFlight--;
    this.next(lane);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.deadline) clearTimeout(this.deadline);
    if (this.endTimer) clearTimeout(this.endTimer);
    this.resolve({ endMs: this.ctx.clock(), unsent: 0 });
  }
}
