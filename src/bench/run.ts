/**
 * Runs one bench plan: wires the client, the driver (open or closed loop), the recorder and the
 * progress callback, and returns the report.
 */
import { performance } from 'node:perf_hooks';
import { packageVersion } from '../version';
import { ClosedLoop } from './closed-loop';
import { HttpClient } from './http-client';
import { OpenLoop, type LoopResult } from './open-loop';
import { Recorder, type LiveStats } from './recorder';
import { buildReport, type BenchReport, type RunMeta } from './report';
import type { RequestSource } from './request';
import type { RateSchedule } from './schedule';
import type { StressColour } from './stress-colour';
import { TraceIds } from './trace-ids';
import type { Thresholds } from './verdict';
import { warmUpClient } from './warm-up';
import { attachServerSide } from './diagnose';
import { startWatch, type WatchOptions } from './watch';

export interface BenchPlan {
  meta: RunMeta;
  source: RequestSource;
  /** Open loop and ramp; absent for closed loop. */
  schedule?: RateSchedule;
  /** Closed loop's time bound, ms (Infinity when only --requests bounds the run). */
  durationMs: number;
  maxRequests: number;
  timeoutMs: number;
  /** Open loop: cap on requests outstanding at once. */
  maxOutstanding: number;
  colour?: StressColour;
  /** Send a W3C traceparent with every request and keep a few trace ids for the report. */
  traceIds: boolean;
  thresholds: Thresholds;
  /** Warm the client up on loopback before the clock starts (default true; see warm-up.ts). */
  warmUp?: boolean;
  /** `--watch`: the targets' /metrics and profiles, beside the client's figures (watch.ts). */
  watch?: Omit<WatchOptions, 'onWarning'>;
}

export interface RunHooks {
  /** Called about every `progressEveryMs` with live figures. */
  onProgress?: (live: LiveStats) => void;
  progressEveryMs?: number;
  /** Aborting stops scheduling; requests in flight finish and the report covers what ran. */
  signal?: AbortSignal;
  /** A watched target did not answer or refused a capture (once per target and problem). */
  onWarning?: (message: string) => void;
}

export async function runBench(plan: BenchPlan, hooks: RunHooks = {}): Promise<BenchReport> {
  if (plan.warmUp !== false) await warmUpClient();
  const clock = () => performance.now();
  const client = new HttpClient({ connections: plan.meta.connections, timeoutMs: plan.timeoutMs });
  const t0 = clock();
  const watch = plan.watch ? startWatch({ ...plan.watch, onWarning: hooks.onWarning }) : undefined;
  const schedule = plan.schedule;
  const recorder = new Recorder({
    meta: plan.meta,
    tool: `paysidecar ${packageVersion()}`,
    t0,
    startedAtMs: Date.now(),
    scheduledBetween: schedule ? (a, b) => schedule.dueCount(b - 1e-6) - schedule.dueCount(a - 1e-6) : undefined,
    steps: plan.meta.mode === 'ramp' ? schedule?.steps : undefined,
  });
  const ctx = { client, source: plan.source, recorder, colour: plan.colour, traceIds: plan.traceIds ? new TraceIds() : undefined, clock };
  const drainMs = plan.timeoutMs + 1000;
  const driver = schedule
    ? new OpenLoop(ctx, { schedule, maxRequests: plan.maxRequests, maxOutstanding: plan.maxOutstanding, drainMs })
    : new ClosedLoop(ctx, { connections: plan.meta.connections, durationMs: plan.durationMs, maxRequests: plan.maxRequests, drainMs });

  let progress: NodeJS.Timeout | undefined;
  if (hooks.onProgress) {
    const onProgress = hooks.onProgress;
    progress = setInterval(() => onProgress(recorder.live(clock())), hooks.progressEveryMs ?? 1000);
  }
  const abort = () => driver.stop();
  hooks.signal?.addEventListener('abort', abort, { once: true });
  if (hooks.signal?.aborted) driver.stop();

  let result: LoopResult;
  try {
    result = await driver.run(t0);
  } finally {
    if (progress) clearInterval(progress);
    hooks.signal?.removeEventListener('abort', abort);
    // Past the drain deadline anything still in flight is abandoned (recorded as aborted).
    await client.close(true);
    await plan.source.close?.();
  }
  recorder.recordUnsent(result.unsent, result.endMs);
  const report = buildReport(recorder.finish(result.endMs), plan.thresholds);
  if (watch) attachServerSide(report, await watch.finish());
  return report;
}
