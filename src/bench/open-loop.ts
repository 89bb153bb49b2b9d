/**
 * Open loop: requests leave on the schedule's clock whatever the target is doing, and each one's
 * latency counts from its intended send time. If the target stalls, the requests that should
 * have gone out meanwhile are late, and their lateness lands in the percentiles — the stall is
 * not hidden by the client politely waiting (coordinated omission, corrected as wrk2 does).
 */
import { issue, type IssueContext } from './issue';
import type { RateSchedule } from './schedule';

export interface OpenLoopOptions {
  schedule: RateSchedule;
  /** Stop after this many requests (Infinity: the schedule decides). */
  maxRequests: number;
  /** Cap on requests in flight; beyond it due requests wait (still timed from their intended time). */
  maxOutstanding: number;
  /** After the last intended send time, how long to wait for stragglers before giving up. */
  drainMs: number;
}

export interface LoopResult {
  /** Clock time the run ended. */
  endMs: number;
  /** Scheduled requests never sent (the target held every slot until the drain deadline). */
  unsent: number;
}

export class OpenLoop {
  private readonly ctx: IssueContext;
  private readonly o: OpenLoopOptions;
  private total: number;
  private t0 = 0;
  private sent = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private finished = false;
  private resolve!: (r: LoopResult) => void;

  constructor(ctx: IssueContext, o: OpenLoopOptions) {
    this.ctx = ctx;
    this.o = o;
    this.total = Math.min(o.schedule.totalCount, o.maxRequests);
  }

  run(t0: number): Promise<LoopResult> {
    this.t0 = t0;
    const p = new Promise<LoopResult>((resolve) => (this.resolve = resolve));
    if (Number.isFinite(this.o.schedule.totalMs)) this.armDeadline(this.o.schedule.totalMs);
    this.tick();
    return p;
  }

  /** Stop scheduling (Ctrl-C); requests in flight still finish. */
  stop(): void {
    this.total = Math.min(this.total, this.sent);
    if (this.timer) clearTimeout(this.timer);
    this.armDeadline(this.ctx.clock() - this.t0);
    this.maybeFinish();
  }

  private armDeadline(sendWindowEndMs: number): void {
    if (this.deadline) clearTimeout(this.deadline);
    const at = this.t0 + sendWindowEndMs + this.o.drainMs;
    this.deadline = setTimeout(() => this.finish(), Math.max(0, at - this.ctx.clock()));
    this.deadline.unref();
  }

  private tick = (): void => {
    this.timer = undefined;
    if (this.finished) return;
    const now = this.ctx.clock();
    const due = Math.min(this.o.schedule.dueCount(now - this.t0), this.total);
    while (this.sent < due && this.inFlight < this.o.maxOutstanding) {
      const index = this.sent++;
      const intendedElapsed = this.o.schedule.intendedMs(index);
      this.inFlight++;
      issue(this.ctx, this.t0 + intendedElapsed, this.o.schedule.stepAt(intendedElapsed), this.onDone);
    }
    if (this.sent >= this.total) {
      if (!Number.isFinite(this.o.schedule.totalMs) && !this.deadline) this.armDeadline(now - this.t0);
      this.maybeFinish();
      return;
    }
    // Blocked on the in-flight cap: onDone re-ticks. Otherwise sleep until the next intended time.
    if (this.inFlight >= this.o.maxOutstanding) return;
    const next = this.t0 + this.o.schedule.intendedMs(this.sent);
    this.timer = setTimeout(this.tick, Math.max(0, next - this.ctx.clock()));
  };

  private onDone = (): void => {
    this.inFlight--;
    if (this.finished) return;
    if (this.sent < this.total && !this.timer) this.tick();
    else this.maybeFinish();
  };

  private maybeFinish(): void {
    if (this.sent >= this.total && this.inFlight === 0) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    this.resolve({ endMs: this.ctx.clock(), unsent: Math.max(0, this.total - this.sent) });
  }
}
