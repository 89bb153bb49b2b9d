/**
 * Live progress while a run goes: a cli-progress bar per lane on a terminal, plain periodic
 * lines otherwise (CI logs and pipes must not fill with cursor escape codes).
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import type { LiveStats } from './recorder';

export interface Lane {
  name: string;
  /** Time bound of the run, ms (Infinity when only a request count bounds it). */
  totalMs: number;
  /** Request bound (Infinity when only time bounds it). */
  totalRequests: number;
}

export interface Progress {
  /** How often the run should report (runBench's progressEveryMs). */
  readonly everyMs: number;
  update(lane: string, live: LiveStats): void;
  /** Leaves the terminal clean (cursor shown, bar finished) before the report is printed. */
  stop(): void;
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Plain-line interval when not on a TTY. */
  intervalMs: number;
  quiet?: boolean;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function byTime(lane: Lane): boolean {
  return Number.isFinite(lane.totalMs) || !Number.isFinite(lane.totalRequests);
}

export function plainLine(lane: Lane, live: LiveStats): string {
  const elapsed = `${fmt(live.elapsedMs / 1000)}s${Number.isFinite(lane.totalMs) ? `/${fmt(lane.totalMs / 1000, 0)}s` : ''}`;
  const count = `${live.requests}${Number.isFinite(lane.totalRequests) ? `/${lane.totalRequests}` : ''} requests`;
  const target = live.targetRate !== undefined ? ` (target ${fmt(live.targetRate, 0)})` : '';
  const errPct = live.requests > 0 ? (100 * live.errors) / live.requests : 0;
  return `${lane.name} ${elapsed}  ${count}  ${live.lastSecondRps} rps${target}  p99 ${fmt(live.lastSecondP99Ms, 2)} ms  errors ${live.errors} (${fmt(errPct, 2)}%)\n`;
}

class NoProgress implements Progress {
  readonly everyMs = 1000;
  update(): void {}
  stop(): void {}
}

class PlainProgress implements Progress {
  readonly everyMs: number;
  private readonly lanes: Map<string, Lane>;
  private readonly stream: NodeJS.WritableStream;

  constructor(lanes: Lane[], o: ProgressOptions) {
    this.everyMs = o.intervalMs;
    this.stream = o.stream;
    this.lanes = new Map(lanes.map((l) => [l.name, l]));
  }

  update(name: string, live: LiveStats): void {
    const lane = this.lanes.get(name);
    if (lane) this.stream.write(plainLine(lane, live));
  }

  stop(): void {}
}

class BarProgress implements Progress {
  readonly everyMs = 250;
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, { lane: Lane; bar: SingleBar }>();

  constructor(lanes: Lane[], o: ProgressOptions) {
    this.multi = new MultiBar({
      stream: o.stream,
      format: '{lane} [{bar}] {percentage}% | {done} | {rps} rps | p99 {p99} ms | errors {errors}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
      fps: 4,
      autopadding: true,
    });
    const width = Math.max(...lanes.map((l) => l.name.length));
    for (const lane of lanes) {
      const total = byTime(lane) ? Math.round(lane.totalMs / 1000) : lane.totalRequests;
      const bar = this.multi.create(total, 0, { lane: lane.name.padEnd(width), done: '0s', rps: 0, p99: '-', errors: 0 });
      this.bars.set(lane.name, { lane, bar });
    }
  }

  update(name: string, live: LiveStats): void {
    const b = this.bars.get(name);
    if (!b) return;
    const value = byTime(b.lane) ? Math.min(live.elapsedMs / 1000, b.lane.totalMs / 1000) : live.requests;
    b.bar.update(Math.floor(value), {
      done: byTime(b.lane) ? `${fmt(live.elapsedMs / 1000, 0)}s/${fmt(b.lane.totalMs / 1000, 0)}s` : `${live.requests}/${b.lane.totalRequests}`,
      rps: live.lastSecondRps,
      p99: fmt(live.lastSecondP99Ms, 2),
      errors: live.errors,
    });
  }

  stop(): void {
    for (const { lane, bar } of this.bars.values()) {
      if (byTime(lane)) bar.update(Math.round(lane.totalMs / 1000));
    }
    this.multi.stop();
  }
}

export function createProgress(lanes: Lane[], o: ProgressOptions): Progress {
  if (o.quiet) return new NoProgress();
  return o.stream.isTTY === true ? new BarProgress(lanes, o) : new PlainProgress(lanes, o);
}
