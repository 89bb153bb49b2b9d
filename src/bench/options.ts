/**
 * Turns `paysidecar bench` flags into a run plan. Every problem is collected and reported at
 * once, each naming the flag, the value and what was expected; secrets are never echoed.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError } from '../errors';
import { ENV, readEnv } from '../config/env';
import { collect, httpUrl, invalid, intIn, oneOf, percentOrRatio, positiveDuration, positiveNumber, showValue, valueType } from '../config/values';
import { SCENARIO_EXPECTED, SCENARIO_RE } from '../context/headers';
import { TRAFFIC_PROD, TRAFFIC_STRESS } from '../telemetry/names';
import { DEFAULT_RAMP_STEPS, parseRamp, rampSteps, RAMP_EXPECTED } from './ramp';
import type { RunMeta } from './report';
import type { HttpMethod, RequestSource } from './request';
import type { BenchPlan } from './run';
import { RateSchedule } from './schedule';
import { StressColour } from './stress-colour';
import { SingleTarget } from './target';
import { DEFAULT_THRESHOLDS, LEVELS, type Level, type Thresholds } from './verdict';
import { parseWatchFlags, reportBase, reportDir } from './watch-options';
import { profileWindow } from './profile-window';

/** Raw flag values as commander hands them over. */
export interface BenchFlags {
  target?: string;
  method?: string;
  body?: string;
  header?: string[];
  scenario?: string;
  rate?: string;
  ramp?: string;
  rampSteps?: string;
  connections?: string;
  duration?: string;
  requests?: string;
  timeout?: string;
  stress?: string;
  stressSecret?: string;
  traceparent?: boolean;
  label?: string;
  json?: string;
  html?: string;
  p99Normal?: string;
  p99Warning?: string;
  errorRateNormal?: string;
  errorRateWarning?: string;
  failOn?: string;
  progressInterval?: string;
  quiet?: boolean;
  watch?: string;
  profile?: boolean;
  profileSeconds?: string;
  profileHeap?: boolean;
  profileTrace?: boolean;
  profileDir?: string;
  /** Flags a scenario declares for itself (e.g. the payment example's --platform, --mix). */
  [scenarioFlag: string]: unknown;
}

export interface Outputs {
  json?: string;
  html?: string;
  failOn?: Level;
  quiet: boolean;
  progressIntervalMs: number;
}

/** A scenario is built by its own module; options only hand it the parsed flags. */
export type ScenarioFactory = (target: URL, flags: BenchFlags, problems: string[]) => RequestSource | undefined;

/** A `--scenario` a module offers: how to build it, and the flags of its own that bench registers. */
export interface Scenario {
  readonly factory: ScenarioFactory;
  readonly options: ReadonlyArray<{ readonly flags: string; readonly description: string }>;
}

export const DEFAULT_DURATION_MS = 10_000;
export const DEFAULT_CLOSED_CONNECTIONS = 10;
export const DEFAULT_OPEN_CONNECTIONS = 100;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Open loop stops adding requests beyond this many outstanding (memory guard for long stalls). */
const MAX_OUTSTANDING = 10_000;
const DEFAULT_PROGRESS_INTERVAL_MS = 5_000;

const METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** The bench client speaks plain HTTP. */
export const benchTargetUrl = httpUrl({ like: 'http://127.0.0.1:15001/', https: false });
const failOnLevel = oneOf(LEVELS.filter((l): l is Exclude<Level, 'normal'> => l !== 'normal'));
const HTTP_METHOD = oneOf(METHODS);
/** `--method post` works too. */
const method = valueType(HTTP_METHOD.expected, (s) => HTTP_METHOD.parse(s.toUpperCase()));

export function parseHeaders(values: readonly string[], problems: string[]): string[] {
  const out: string[] = [];
  for (const h of values) {
    const i = h.indexOf(':');
    const name = i > 0 ? h.slice(0, i).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      problems.push(invalid('--header', showValue(h), '"Name: value"'));
      continue;
    }
    out.push(name.toLowerCase(), h.slice(i + 1).trim());
  }
  return out;
}

export function parseThresholds(flags: BenchFlags, problems: string[]): Thresholds {
  const t: Thresholds = {
    p99NormalMs: collect('--p99-normal', flags.p99Normal, positiveDuration, problems) ?? DEFAULT_THRESHOLDS.p99NormalMs,
    p99WarningMs: collect('--p99-warning', flags.p99Warning, positiveDuration, problems) ?? DEFAULT_THRESHOLDS.p99WarningMs,
    errorRateNormal: collect('--error-rate-normal', flags.errorRateNormal, percentOrRatio, problems) ?? DEFAULT_THRESHOLDS.errorRateNormal,
    errorRateWarning: collect('--error-rate-warning', flags.errorRateWarning, percentOrRatio, problems) ?? DEFAULT_THRESHOLDS.errorRateWarning,
  };
  if (t.p99WarningMs < t.p99NormalMs) problems.push(`--p99-warning: ${t.p99WarningMs}ms is below --p99-normal ${t.p99NormalMs}ms`);
  if (t.errorRateWarning < t.errorRateNormal) problems.push(`--error-rate-warning: ${t.errorRateWarning} is below --error-rate-normal ${t.errorRateNormal}`);
  return t;
}

export function parseOutputs(flags: BenchFlags, problems: string[]): Outputs {
  const failOn = collect('--fail-on', flags.failOn, failOnLevel, problems);
  return {
    json: flags.json,
    html: flags.html,
    failOn,
    quiet: flags.quiet === true,
    progressIntervalMs: collect('--progress-interval', flags.progressInterval, positiveDuration, problems) ?? DEFAULT_PROGRESS_INTERVAL_MS,
  };
}

export function parseBenchFlags(flags: BenchFlags, env: NodeJS.ProcessEnv, scenarios: Record<string, ScenarioFactory>): { plan: BenchPlan; outputs: Outputs } {
  const problems: string[] = [];

  // What to hit.
  let source: RequestSource | undefined;
  let target: URL | undefined;
  if (flags.target !== undefined) target = collect('--target', flags.target, benchTargetUrl, problems);
  if (flags.scenario !== undefined) {
    const name = collect('--scenario', flags.scenario, oneOf(Object.keys(scenarios)), problems);
    const factory = name === undefined ? undefined : scenarios[name];
    if (factory && (target || flags.target === undefined)) {
      if (flags.body !== undefined || flags.method !== undefined) problems.push('--scenario: the scenario builds its own requests; drop --method and --body');
      source = factory(target ?? new URL('http://127.0.0.1:15001'), flags, problems);
    }
  } else if (target) {
    const verb = collect('--method', flags.method, method, problems) ?? (flags.body !== undefined ? 'POST' : 'GET');
    const headers = parseHeaders(flags.header ?? [], problems);
    let body: Buffer | undefined;
    if (flags.body !== undefined) {
      if (flags.body.startsWith('@')) {
        try {
          body = readFileSync(flags.body.slice(1));
        } catch (err) {
          problems.push(`--body: cannot read ${showValue(flags.body.slice(1))}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
      } else body = Buffer.from(flags.body);
      if (body && !headers.includes('content-type')) headers.push('content-type', looksLikeJson(body) ? 'application/json' : 'text/plain');
    }
    source = new SingleTarget({ url: target, method: verb, headers, body });
  } else if (flags.target === undefined) {
    problems.push('--target: missing, expected an http:// URL to load (or --scenario payment)');
  }

  // How hard, and for how long.
  const rate = collect('--rate', flags.rate, positiveNumber, problems);
  const ramp = collect('--ramp', flags.ramp, valueType(RAMP_EXPECTED, parseRamp), problems);
  if (flags.rate !== undefined && flags.ramp !== undefined) problems.push('--ramp: cannot be combined with --rate (a ramp sets its own rates)');
  const steps = collect('--ramp-steps', flags.rampSteps, intIn(1, 1000), problems) ?? DEFAULT_RAMP_STEPS;
  if (flags.rampSteps !== undefined && flags.ramp === undefined) problems.push('--ramp-steps: only meaningful with --ramp');
  const open = flags.rate !== undefined || flags.ramp !== undefined;
  const connections =
    collect('--connections', flags.connections, intIn(1, 100_000), problems) ?? (open ? DEFAULT_OPEN_CONNECTIONS : DEFAULT_CLOSED_CONNECTIONS);
  let durationMs = collect('--duration', flags.duration, positiveDuration, problems);
  const requests = collect('--requests', flags.requests, intIn(1, Number.MAX_SAFE_INTEGER), problems);
  if (ramp && flags.duration !== undefined) problems.push(`--duration: the ramp's own duration bounds the run; drop --duration or change --ramp`);
  if (durationMs === undefined && requests === undefined && !ramp) durationMs = DEFAULT_DURATION_MS;
  const timeoutMs = collect('--timeout', flags.timeout, positiveDuration, problems) ?? DEFAULT_TIMEOUT_MS;

  // Colouring.
  let colour: StressColour | undefined;
  const secret = flags.stressSecret ?? readEnv(ENV.STRESS_SECRET, env);
  if (flags.stress !== undefined) {
    if (!SCENARIO_RE.test(flags.stress)) problems.push(invalid('--stress', showValue(flags.stress), SCENARIO_EXPECTED));
    else if (!secret) problems.push(`--stress-secret: missing, expected the sidecar's stress secret (or set ${ENV.STRESS_SECRET.name}) to sign X-Stress-Token`);
    else colour = new StressColour(flags.stress, secret);
  } else if (flags.stressSecret !== undefined) {
    problems.push('--stress-secret: given without --stress SCENARIO; nothing would be coloured');
  }

  const thresholds = parseThresholds(flags, problems);
  const outputs = parseOutputs(flags, problems);
  const watch = parseWatchFlags(flags, env, problems);
  if (problems.length > 0 || !source) throw new ConfigError(problems);

  let schedule: RateSchedule | undefined;
  let mode: RunMeta['mode'] = 'closed';
  if (ramp) {
    mode = 'ramp';
    schedule = new RateSchedule(rampSteps(ramp, steps));
  } else if (rate !== undefined) {
    mode = 'open';
    schedule = new RateSchedule([{ rate, durationMs: durationMs ?? Infinity }]);
  }
  const meta: RunMeta = {
    label: flags.label ?? hostname(),
    mode,
    target: source.description,
    traffic: colour ? TRAFFIC_STRESS : TRAFFIC_PROD,
    connections,
  };
  if (colour) meta.scenario = colour.scenario;
  if (rate !== undefined) meta.rate = rate;
  if (ramp) meta.ramp = { from: ramp.from, to: ramp.to, durationSeconds: ramp.durationMs / 1000, steps };
  const plan: BenchPlan = {
    meta,
    source,
    schedule,
    durationMs: durationMs ?? Infinity,
    maxRequests: requests ?? Infinity,
    timeoutMs,
    maxOutstanding: MAX_OUTSTANDING,
    colour,
    traceIds: flags.traceparent !== false,
    thresholds,
  };
  if (watch) {
    const lastStepMs = schedule && ramp ? schedule.steps[schedule.steps.length - 1]?.durationMs : undefined;
    plan.watch = { ...watch, window: profileWindow({ durationMs: schedule ? schedule.totalMs : durationMs ?? Infinity, lastStepMs, maxSeconds: watch.maxSeconds }) };
    if (watch.profile) watch.profile.prefix = reportBase(outputs);
    if (watch.profile && watch.profile.dir === '') watch.profile.dir = reportDir(outputs);
  }
  return { plan, outputs };
}

function looksLikeJson(b: Buffer): boolean {
  const c = b.subarray(0, 1).toString();
  return c === '{' || c === '[';
}
