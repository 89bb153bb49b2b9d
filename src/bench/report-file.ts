/** Reads and writes `--json` report files; a file that is not a bench report is refused by name. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { REPORT_FORMAT, type BenchReport } from './report';

const latency = z.object({ p50: z.number(), p90: z.number(), p95: z.number(), p99: z.number(), p999: z.number(), max: z.number(), mean: z.number() });
const counts = z.record(z.string(), z.number().int().nonnegative());
const trace = z.object({
  traceId: z.string(),
  operation: z.string(),
  status: z.union([z.number(), z.string()]),
  latencyMs: z.number(),
  traffic: z.enum(['prod', 'stress']),
});

/** Only what merge and the renderers rely on; extra fields are kept as they are. */
const reportSchema = z.looseObject({
  format: z.literal(REPORT_FORMAT),
  tool: z.string(),
  label: z.string(),
  mode: z.enum(['open', 'closed', 'ramp']),
  target: z.string(),
  traffic: z.enum(['prod', 'stress', 'mixed']),
  scenario: z.string().optional(),
  rate: z.number().optional(),
  ramp: z.object({ from: z.number(), to: z.number(), durationSeconds: z.number(), steps: z.number() }).optional(),
  connections: z.number(),
  startedAt: z.iso.datetime(),
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  durationSeconds: z.number().nonnegative(),
  latencyMs: latency,
  statusCodes: counts,
  transportErrors: counts,
  concurrency: z.object({ mean: z.number() }),
  sendLagMs: z.number(),
  operations: z.record(z.string(), z.looseObject({ requests: z.number(), errors: z.number(), histogram: z.string() })),
  steps: z
    .array(z.looseObject({ rate: z.number(), durationSeconds: z.number(), requests: z.number(), errors: z.number(), histogram: z.string() }))
    .optional(),
  traces: z.object({ sample: z.array(trace), slowest: z.array(trace) }),
  runs: z.array(z.looseObject({ label: z.string(), startedAt: z.string(), durationSeconds: z.number(), requests: z.number(), rps: z.number() })).optional(),
  timeline: z.array(
    z.looseObject({
      t: z.number().int().nonnegative(),
      seconds: z.number(),
      requests: z.number(),
      errors: z.number(),
      concurrency: z.number(),
      targetRate: z.number().optional(),
      histogram: z.string(),
    }),
  ),
  histogram: z.string().min(1),
});

export function readReport(path: string): BenchReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not JSON: ${(err as Error).message}`);
  }
  const parsed = reportSchema.safeParse(doc);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new Error(`${path}: not a paysidecar bench report (${REPORT_FORMAT}): ${first.join('; ')}`);
  }
  return parsed.data as unknown as BenchReport;
}

/** Written beside the target and renamed over it, so a reader (a merge waiting for workers' files) never sees half a file. */
export function writeFileCreatingDir(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function writeReport(path: string, report: BenchReport): void {
  writeFileCreatingDir(path, JSON.stringify(report, null, 2) + '\n');
}
