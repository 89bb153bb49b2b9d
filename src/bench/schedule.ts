/**
 * When each open-loop request is meant to be sent. A schedule is a list of constant-rate steps
 * (one step for `--rate`, several for `--ramp`); request i's intended send time is fixed by the
 * schedule alone, never by when the previous request finished — that is what keeps a stalled
 * server from hiding its stall (coordinated omission, as wrk2 corrects it).
 */

export interface RateStep {
  /** Requests per second during this step. */
  readonly rate: number;
  /** How long the step lasts, ms; Infinity for an open-ended single step bounded by --requests. */
  readonly durationMs: number;
}

export class RateSchedule {
  readonly steps: readonly RateStep[];
  /** Cumulative request count and time at the start of each step, and each step's own count. */
  private readonly startCount: number[] = [];
  private readonly stepCount: number[] = [];
  private readonly startMs: number[] = [];
  readonly totalMs: number;
  readonly totalCount: number;

  constructor(steps: readonly RateStep[]) {
    if (steps.length === 0) throw new Error('a rate schedule needs at least one step');
    this.steps = steps;
    let count = 0;
    let t = 0;
    for (const s of steps) {
      if (!(s.rate > 0)) throw new Error(`a rate step needs a positive rate, got ${s.rate}`);
      const n = Number.isFinite(s.durationMs) ? Math.round((s.rate * s.durationMs) / 1000) : Infinity;
      this.startCount.push(count);
      this.stepCount.push(n);
      this.startMs.push(t);
      count += n;
      t += s.durationMs;
    }
    this.totalMs = t;
    this.totalCount = count;
  }

  /** Index of the step in force at `elapsedMs`. */
  stepAt(elapsedMs: number): number {
    for (let i = this.steps.length - 1; i > 0; i--) if (elapsedMs >= this.startMs[i]) return i;
    return 0;
  }

  rateAt(elapsedMs: number): number {
    return this.steps[this.stepAt(elapsedMs)].rate;
  }

  /** How many requests are due by `elapsedMs` (request 0 is due at 0). */
  dueCount(elapsedMs: number): number {
    if (elapsedMs < 0) return 0;
    const i = this.stepAt(elapsedMs);
    const s = this.steps[i];
    const within = elapsedMs - this.startMs[i];
    // +1: request k of a step is due at k/rate, so at the step's first instant one is already due.
    const inStep = Math.min(Math.floor((within * s.rate) / 1000 + 1e-9) + 1, this.stepCount[i]);
    return this.startCount[i] + inStep;
  }

  /** The intended send time of request `index`, ms from the start. */
  intendedMs(index: number): number {
    let i = this.steps.length - 1;
    while (i > 0 && index < this.startCount[i]) i--;
    const s = this.steps[i];
    return this.startMs[i] + ((index - this.startCount[i]) * 1000) / s.rate;
  }
}
