/**
 * `paysidecar bench`: the stress client (open loop, closed loop or ramp; optionally coloured as
 * stress traffic), and `paysidecar bench merge` for the JSON of several workers.
 */
import { Command } from 'commander';
import { ConfigError } from '../errors';
import { ENV } from '../config/env';
import { renderHtml } from '../bench/html';
import { mergeReports } from '../bench/merge';
import { DEFAULT_CLOSED_CONNECTIONS, DEFAULT_DURATION_MS, DEFAULT_OPEN_CONNECTIONS, DEFAULT_TIMEOUT_MS, parseBenchFlags, parseOutputs, parseThresholds, type BenchFlags, type Outputs, type ScenarioFactory } from '../bench/options';
import { createProgress } from '../bench/progress';
import { DEFAULT_RAMP_STEPS } from '../bench/ramp';
import type { BenchReport } from '../bench/report';
import { readReport, writeFileCreatingDir, writeReport } from '../bench/report-file';
import { runBench } from '../bench/run';
import { EXAMPLE_SCENARIOS } from './example';
import { formatReport } from '../bench/table';
import { formatDiagnosis } from '../bench/diagnosis-text';
import { compareReports } from '../bench/compare';
import { formatCompare, renderCompareHtml } from '../bench/compare-format';
import { LEVELS } from '../bench/verdict';
import { formatDuration } from '../config/duration';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Exit codes: 2 bad input (as every command), 1 when --fail-on's level was reached. */
const EXIT_BAD_INPUT = 2;
const EXIT_VERDICT = 1;

function badInput(cmd: string, err: unknown): never {
  if (err instanceof ConfigError) {
    for (const p of err.problems) process.stderr.write(`paysidecar ${cmd}: ${p}\n`);
    process.exit(EXIT_BAD_INPUT);
  }
  throw err;
}

function addVerdictOptions(cmd: Command): Command {
  return cmd
    .option('--json <file>', 'write the full report as JSON (what `bench merge` reads)')
    .option('--html <file>', 'write a self-contained HTML report with charts')
    .option('--p99-normal <duration>', `p99 at or below this is normal (default ${formatDuration(300)})`)
    .option('--p99-warning <duration>', `p99 at or below this is a warning, above it danger (default ${formatDuration(800)})`)
    .option('--error-rate-normal <ratio>', 'error rate below this is normal, e.g. 0.1% (default 0.1%)')
    .option('--error-rate-warning <ratio>', 'error rate at or below this is a warning, above it danger (default 1%)')
    .option('--fail-on <level>', `exit ${EXIT_VERDICT} when the verdict is at least this level: warning|danger`);
}

/** Writes the outputs and prints the report; returns the exit code. */
function finish(report: BenchReport, outputs: Outputs): number {
  process.stdout.write(formatReport(report));
  process.stdout.write(formatDiagnosis(report));
  if (outputs.json) {
    writeReport(outputs.json, report);
    process.stdout.write(`\nJSON report: ${outputs.json}\n`);
  }
  if (outputs.html) {
    writeFileCreatingDir(outputs.html, renderHtml(report));
    process.stdout.write(`${outputs.json ? '' : '\n'}HTML report: ${outputs.html}\n`);
  }
  if (outputs.failOn && LEVELS.indexOf(report.verdict.level) >= LEVELS.indexOf(outputs.failOn)) return EXIT_VERDICT;
  return 0;
}

export function registerBench(program: Command): void {
  const scenarios = Object.entries(EXAMPLE_SCENARIOS).map(([name, load]) => [name, load()] as const);
  const factories: Record<string, ScenarioFactory> = Object.fromEntries(scenarios.map(([name, s]) => [name, s.factory]));
  const bench = program
    .command('bench')
    .description('drive load at a target or the payment scenario and report TPS, p50..p99.9, errors and a verdict')
    .option('--target <url>', 'URL to load (with --scenario: the gateway base URL, default http://127.0.0.1:15001)')
    .option('--method <method>', 'HTTP method (default GET, or POST when --body is given)')
    .option('--body <text|@file>', 'request body, or @path to read it from a file')
    .option('--header <"Name: value">', 'request header; repeatable', collect)
    .option('--scenario <name>', `a request mix instead of one URL: ${Object.keys(factories).join('|')}`)
    .option('--rate <rps>', 'open loop: send at this constant rate; latency counts from each intended send time')
    .option('--ramp <from:to:duration>', `open loop, stepping the rate from..to over duration, e.g. 100:2000:60s`)
    .option('--ramp-steps <n>', `steps of the ramp (default ${DEFAULT_RAMP_STEPS})`)
    .option('--connections <n>', `closed loop: concurrent connections (default ${DEFAULT_CLOSED_CONNECTIONS}); open loop: connection cap (default ${DEFAULT_OPEN_CONNECTIONS})`)
    .option('--duration <duration>', `how long to run: 30s, 2m or plain seconds (default ${formatDuration(DEFAULT_DURATION_MS)} unless --requests)`)
    .option('--requests <n>', 'stop after this many requests')
    .option('--timeout <duration>', `per-request timeout (default ${formatDuration(DEFAULT_TIMEOUT_MS)})`)
    .option('--stress <scenario>', 'colour the traffic as stress: X-Test-Env: <scenario> plus a signed X-Stress-Token')
    .option('--stress-secret <secret>', `the sidecar's stress secret (prefer ${ENV.STRESS_SECRET.name}: flags show in ps)`)
    .option('--no-traceparent', 'do not send a W3C traceparent (by default every request gets one and the report lists a few trace ids)')
    .option('--label <name>', 'name of this run in reports and merges (default: the host name)')
    .option('--progress-interval <duration>', 'when not on a terminal, print a progress line this often (default 5s)')
    .option('--quiet', 'no progress output')
    .option('--watch <url[,url…]>', "watch these listeners while loading (the sidecar's admin, the agent's): /metrics every second, CPU profile in the steady window, a diagnosis in the report")
    .option('--no-profile', 'with --watch: scrape /metrics only, take no profile')
    .option('--profile-seconds <n>', 'with --watch: longest CPU profile, seconds (default 10; it is fitted to the steady part of the run)')
    .option('--profile-heap', 'with --watch: also take a heap profile after the CPU profile')
    .option('--profile-trace', 'with --watch: also take a timeline trace (Perfetto) after the CPU profile')
    .option('--profile-dir <dir>', 'with --watch: where the pprof files go (default: beside --html, else --json, else here)');
  for (const [, s] of scenarios) for (const o of s.options) bench.option(o.flags, o.description);
  addVerdictOptions(bench);
  bench.addHelpText(
    'after',
    `
Modes: --rate (open loop, coordinated-omission corrected as wrk2), --ramp (open loop, stepwise),
otherwise closed loop over --connections. Bounds: --duration and/or --requests.
Examples:
  paysidecar bench --target http://127.0.0.1:15001/health --rate 500 --duration 30s
  paysidecar bench --scenario payment --rate 200 --stress stress-v1 --html report.html
  paysidecar bench --target http://127.0.0.1:15001/v3/pay/transactions/native --rate 300 --duration 30s \\
    --watch http://127.0.0.1:15090,http://127.0.0.1:15091 --html out/report.html
  paysidecar bench merge worker-*.json --html merged.html
  paysidecar bench compare before.json after.json --html compare.html
With --watch, ${ENV.DEBUG_TOKEN.name} (when set) is sent as the bearer token to /debug/pprof.`,
  );
  bench.action(async (opts: BenchFlags) => {
    let parsed;
    try {
      parsed = parseBenchFlags(opts, process.env, factories);
    } catch (err) {
      badInput('bench', err);
    }
    const { plan, outputs } = parsed;
    const progress = createProgress(
      [{ name: plan.meta.label, totalMs: plan.schedule ? plan.schedule.totalMs : plan.durationMs, totalRequests: plan.maxRequests }],
      { stream: process.stderr, intervalMs: outputs.progressIntervalMs, quiet: outputs.quiet },
    );
    // First Ctrl-C stops sending and reports what ran; a second one exits at once.
    const stop = new AbortController();
    const onSigint = () => {
      if (stop.signal.aborted) {
        progress.stop();
        process.exit(130);
      }
      stop.abort();
    };
    process.on('SIGINT', onSigint);
    let report: BenchReport;
    try {
      report = await runBench(plan, {
        onProgress: (live) => progress.update(plan.meta.label, live),
        progressEveryMs: progress.everyMs,
        signal: stop.signal,
        onWarning: (m) => process.stderr.write(`paysidecar bench: warning: ${m}\n`),
      });
    } finally {
      progress.stop();
      process.off('SIGINT', onSigint);
    }
    process.exitCode = finish(report, outputs);
  });

  bench
    .command('compare')
    .description('before/after table of two bench --json reports: TPS, p50..p99.9, error rate, and with --watch the targets\' CPU per request, event-loop p99 and GC share; each change judged against run-to-run noise')
    .argument('<before>', 'bench --json report of the run before the change')
    .argument('<after>', 'bench --json report of the run after it')
    .option('--html <file>', 'also write the table as a self-contained HTML page')
    .action((beforeFile: string, afterFile: string, opts: { html?: string }) => {
      const problems: string[] = [];
      const read = (f: string) => {
        try {
          return readReport(f);
        } catch (err) {
          problems.push((err as Error).message);
          return undefined;
        }
      };
      const before = read(beforeFile);
      const after = read(afterFile);
      if (!before || !after) badInput('bench compare', new ConfigError(problems));
      const rows = compareReports(before, after);
      process.stdout.write(formatCompare(before, after, rows, [beforeFile, afterFile]));
      if (opts.html) {
        writeFileCreatingDir(opts.html, renderCompareHtml(before, after, rows, [beforeFile, afterFile]));
        process.stdout.write(`HTML: ${opts.html}\n`);
      }
    });

  const merge = bench
    .command('merge')
    .description('merge the --json reports of several bench runs (e.g. the workers of a Kubernetes Job) into one')
    .argument('<files...>', 'bench --json reports');
  addVerdictOptions(merge);
  merge.action((files: string[], opts: BenchFlags) => {
    let outputs: Outputs;
    let thresholds;
    try {
      const problems: string[] = [];
      thresholds = parseThresholds(opts, problems);
      outputs = parseOutputs(opts, problems);
      if (problems.length) throw new ConfigError(problems);
    } catch (err) {
      badInput('bench merge', err);
    }
    const reports: BenchReport[] = [];
    const problems: string[] = [];
    for (const f of files) {
      try {
        reports.push(readReport(f));
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    if (problems.length) badInput('bench merge', new ConfigError(problems));
    process.exitCode = finish(mergeReports(reports, thresholds), outputs);
  });
}
