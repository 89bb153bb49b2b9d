/**
 * Runs the host collectors one after another, off the request path, and keeps their latest
 * results for /metrics to read. A collector that throws or hangs reports up=0, is logged once per
 * failure streak, and never stops the others; /metrics only ever reads what is cached here.
 */
import { host } from '../names';
import type { Collector, Observation } from './collector';
import type { Logger } from '../logger';

interface Status {
  up: 0 | 1;
  durationSeconds: number;
  failing: boolean;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

export class HostSampler {
  private readonly latest = new Map<string, readonly Observation[]>();
  private readonly status = new Map<string, Status>();
  private primed = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly collectors: readonly Collector[],
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** Runs every collector once; concurrent callers share the run in progress. */
  run(): Promise<void> {
    this.running ??= this.runAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runAll(): Promise<void> {
    if (!this.primed) {
      this.primed = true;
      for (const c of this.collectors) {
        if (c.prime) await withTimeout(c.prime(), this.timeoutMs, `priming ${c.name}`).catch(() => undefined);
      }
    }
    for (const c of this.collectors) await this.runOne(c);
  }

  private async runOne(c: Collector): Promise<void> {
    const prev = this.status.get(c.name);
    const started = process.hrtime.bigint();
    try {
      const values = await withTimeout(c.collect(), this.timeoutMs, `the ${c.name} collector`);
      this.latest.set(c.name, values);
      this.status.set(c.name, { up: 1, durationSeconds: seconds(started), failing: false });
      if (prev?.failing) this.logger.info({ collector: c.name }, 'host collector recovered');
    } catch (err) {
      // Stale values would look current on a dashboard; drop them and say up=0 instead.
      this.latest.delete(c.name);
      this.status.set(c.name, { up: 0, durationSeconds: seconds(started), failing: true });
      if (!prev?.failing) {
        this.logger.warn(
          { collector: c.name, err: err instanceof Error ? err.message : String(err) },
          'host collector failed; reporting paysidecar_host_collector_up=0 until it recovers',
        );
      }
    }
  }

  /** What /metrics reports: the cached values plus each collector's up and duration. */
  observations(): Observation[] {
    const out: Observation[] = [];
    for (const values of this.latest.values()) out.push(...values);
    for (const [name, s] of this.status) {
      out.push({ metric: host.COLLECTOR_UP, value: s.up, attributes: { [host.ATTR_COLLECTOR]: name } });
      out.push({ metric: host.COLLECTOR_DURATION, value: s.durationSeconds, attributes: { [host.ATTR_COLLECTOR]: name } });
    }
    return out;
  }
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}
