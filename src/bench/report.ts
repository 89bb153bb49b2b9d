/**
 * The bench report: what `--json` writes and what the table and the HTML page are drawn from.
 * A live run and a merge both reduce to an `Aggregate` and go through `buildReport`, so a merged
 * report is computed exactly as a single run over the same samples would be.
 */
import type { Histogram } from 'hdr-histogram-js';
import { encodeHistogram, summarize, type LatencySummaryMs } from './histogram';
import { judge, DEFAULT_THRESHOLDS, type Thresholds, type Verdict } from './verdict';
import { littlesLaw, type LittlesLaw } from './littles-law';
import type { Traffic } from '../telemetry/names';
import type { Finding } from './finding';
import type { ServerReport } from './server-report';

export const REPORT_FORMAT = 'paysidecar-bench/v1';

export type Mode = 'open' | 'closed' | 'ramp';

export interface TimelinePoint {
  /** Second of the run (0-based): requests completing in [t, t+1). */
  t: number;
  /** Length of this point in seconds: 1, except a shorter last second. */
  seconds: number;
  requests: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Time-average of requests in flight during the second. */
  concurrency: number;
  /** Open loop: the rate the schedule asked for in this second. */
  targetRate?: number;
  /** This second's latencies, encoded HDR, so merged timelines stay exact. */
  histogram: string;
}

export interface OperationStats {
  requests: number;
  errors: number;
  latencyMs: LatencySummaryMs;
  histogram: string;
}

/** One step of a ramp: requests are attributed to the step they were scheduled in. */
export interface StepStats {
  rate: number;
  durationSeconds: number;
  requests: number;
  errors: number;
  rps: number;
  latencyMs: LatencySummaryMs;
  histogram: string;
}

export interface TraceRef {
  traceId: string;
  operation: string;
  /** HTTP status, or the transport error's name. */
  status: number | string;
  latencyMs: number;
  traffic: Traffic;
}

export interface RunRef {
  label: string;
  startedAt: string;
  durationSeconds: number;
  requests: number;
  rps: number;
}

export interface RunMeta {
  label: string;
  mode: Mode;
  /** e.g. `GET http://127.0.0.1:8080/` or `payment scenario against http://...`. */
  target: string;
  /** `mixed` only on a merge of prod and stress runs. */
  traffic: Traffic | 'mixed';
  /** The stress scenario (X-Test-Env) when coloured. */
  scenario?: string;
  /** Offered load: the open-loop rate (or ramp), and the connection limit. */
  rate?: number;
  ramp?: { from: number; to: number; durationSeconds: number; steps: number };
  connections: number;
}

export interface BenchReport extends RunMeta {
  format: typeof REPORT_FORMAT;
  tool: string;
  startedAt: string;
  requests: number;
  errors: number;
  errorRate: number;
  rps: number;
  durationSeconds: number;
  latencyMs: LatencySummaryMs;
  statusCodes: Record<string, number>;
  transportErrors: Record<string, number>;
  /** Time-average of requests in flight (handed to the client, not yet answered). */
  concurrency: { mean: number };
  /** Open loop: mean ms between a request's intended send time and its dispatch. */
  sendLagMs: number;
  littlesLaw: LittlesLaw;
  verdict: Verdict;
  operations: Record<string, OperationStats>;
  steps?: StepStats[];
  traces: { sample: TraceRef[]; slowest: TraceRef[] };
  /** Present on merged reports: the runs that went in. */
  runs?: RunRef[];
  timeline: TimelinePoint[];
  histogram: string;
  /** `--watch`: the targets' side of the run (server-report.ts) and what it points at (diagnose.ts). */
  server?: ServerReport;
  findings?: Finding[];
}

export interface Aggregate {
  meta: RunMeta;
  tool: string;
  startedAtMs: number;
  durationSeconds: number;
  requests: number;
  errors: number;
  histogram: Histogram;
  statusCodes: Record<string, number>;
  transportErrors: Record<string, number>;
  meanConcurrency: number;
  /** Mean time from a request's intended send time to its hand-over to the client (open loop). */
  meanSendLagMs: number;
  operations: Record<string, { requests: number; errors: number; histogram: Histogram }>;
  steps?: { rate: number; durationSeconds: number; requests: number; errors: number; histogram: Histogram }[];
  traces: { sample: TraceRef[]; slowest: TraceRef[] };
  runs?: RunRef[];
  timeline: TimelinePoint[];
}

export const round = (x: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function buildReport(agg: Aggregate, thresholds: Thresholds = DEFAULT_THRESHOLDS): BenchReport {
  const latencyMs = summarize(agg.histogram);
  const errorRate = agg.requests > 0 ? agg.errors / agg.requests : 0;
  const rps = agg.durationSeconds > 0 ? agg.requests / agg.durationSeconds : 0;
  const operations: Record<string, OperationStats> = {};
  for (const [name, op] of Object.entries(agg.operations).sort(([a], [b]) => a.localeCompare(b))) {
    operations[name] = { requests: op.requests, errors: op.errors, latencyMs: summarize(op.histogram), histogram: encodeHistogram(op.histogram) };
  }
  const report: BenchReport = {
    format: REPORT_FORMAT,
    tool: agg.tool,
    ...agg.meta,
    startedAt: new Date(agg.startedAtMs).toISOString(),
    requests: agg.requests,
    errors: agg.errors,
    errorRate: round(errorRate, 6),
    rps: round(rps, 2),
    durationSeconds: round(agg.durationSeconds, 3),
    latencyMs,
    statusCodes: sortKeys(agg.statusCodes),
    transportErrors: sortKeys(agg.transportErrors),
    concurrency: { mean: round(agg.meanConcurrency, 2) },
    sendLagMs: round(agg.meanSendLagMs),
    littlesLaw: littlesLaw({ measuredConcurrency: agg.meanConcurrency, rps, meanLatencyMs: latencyMs.mean, meanSendLagMs: agg.meanSendLagMs, mode: agg.meta.mode, connections: agg.meta.connections }),
    verdict: judge(latencyMs.p99, errorRate, agg.requests, thresholds),
    operations,
    traces: agg.traces,
    timeline: agg.timeline,
    histogram: encodeHistogram(agg.histogram),
  };
  if (agg.steps) {
    report.steps = agg.steps.map((s) => ({
      rate: s.rate,
      durationSeconds: round(s.durationSeconds),
      requests: s.requests,
      errors: s.errors,
      rps: round(s.durationSeconds > 0 ? s.requests / s.durationSeconds : 0, 2),
      latencyMs: summarize(s.histogram),
      histogram: encodeHistogram(s.histogram),
    }));
  }
  if (agg.runs) report.runs = agg.runs;
  return report;
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
