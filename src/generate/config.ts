/**
 * The generators' small config: thresholds, SLO targets, job names, URLs and Alertmanager timings.
 * Every field has a default, so `paysidecar dashboards|alerts --out DIR` needs no file; a YAML
 * file (`--config FILE`) overrides any subset. Defaults that are alert thresholds come from the
 * names module, so the bench verdict, the runbooks and the rules agree.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { EXEMPLAR_TRACE_ID, LATENCY_PAGE_SECONDS, LATENCY_SLO_SECONDS, LATENCY_WARNING_SECONDS, host, runtime } from '../telemetry/names';

/** Prometheus durations as rule files and alertmanager.yml accept them (no compound `1h30m`). */
const PROM_DURATION_RE = /^\d+(ms|s|m|h|d|w)$/;
const PROM_DURATION_EXPECTED = 'a Prometheus duration like 30s, 5m, 1h or 3d';
const promDuration = z.string().regex(PROM_DURATION_RE, PROM_DURATION_EXPECTED);

const ratio = z.number().gt(0, 'a number above 0').lt(1, 'a number below 1');
const positive = z.number().positive('a positive number');
const url = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });
const labelValue = z.string().regex(/^[a-zA-Z0-9_.:\/-]+$/, 'a plain label value (letters, digits, _ . : / -)');
/** Job names are matched as a regex so one config can cover several scrape jobs (k8s PodMonitors). */
const jobRegex = z.string().min(1, 'a non-empty job name or regex').refine((s) => {
  try {
    new RegExp(`^(?:${s})$`);
    return true;
  } catch {
    return false;
  }
}, 'a valid regular expression');

/** The placeholder a link template puts where the exemplar's trace id goes. */
export const TRACE_ID_PLACEHOLDER = `\${${EXEMPLAR_TRACE_ID}}`;
const traceLink = url.refine((s) => s.includes(TRACE_ID_PLACEHOLDER), `an http(s) URL containing ${TRACE_ID_PLACEHOLDER} where the trace id goes`);

/** Jaeger UI's trace page. */
export const DEFAULT_TRACE_URL = `http://localhost:16686/trace/${TRACE_ID_PLACEHOLDER}`;
/** Grafana Explore on a Loki data source (uid `loki`), the sidecar's access-log lines of one trace (their `trace_id` field). */
export const DEFAULT_LOGS_URL =
  'http://localhost:3000/explore?schemaVersion=1&panes=' +
  encodeURIComponent(JSON.stringify({ a: { datasource: 'loki', queries: [{ refId: 'A', expr: `{job="paysidecar"} | json | ${EXEMPLAR_TRACE_ID}="TRACE_ID"` }], range: { from: 'now-1h', to: 'now' } } })).replace('TRACE_ID', TRACE_ID_PLACEHOLDER);

const generatorConfigSchema = z.strictObject({
  /** `service` label on every alert; Alertmanager groups and inhibits by it. */
  service: labelValue.default('payments'),
  jobs: z
    .strictObject({
      /** Scrape job(s) of the sidecar admin listener (/metrics on :15090). */
      sidecar: jobRegex.default('paysidecar'),
      /** Scrape job(s) of the in-process agent (/metrics on :15091). */
      agent: jobRegex.default('paysidecar-agent'),
    })
    .prefault({}),
  /**
   * How Prometheus gets the agent's metrics: `scraped` from its own listener as job `jobs.agent`,
   * or `merged` into the sidecar's /metrics (`paysidecar run --agent-metrics`), where the agent's
   * health is the sidecar's `paysidecar_agent_up` gauge.
   */
  agentMetrics: z.enum(['scraped', 'merged'], { error: 'scraped or merged' }).default('scraped'),
  /**
   * Where an exemplar's trace id leads, on the latency panels (the provisioned data source's
   * exemplar links): `${trace_id}` is replaced by the id.
   */
  links: z
    .strictObject({
      /** The tracing UI: Jaeger (`http://jaeger:16686/trace/${trace_id}`), Tempo through Grafana Explore, or any template. */
      traceUrl: traceLink.default(DEFAULT_TRACE_URL),
      /** The access-log query for the trace: Loki through Grafana Explore by default, Kibana or any template. */
      logsUrl: traceLink.default(DEFAULT_LOGS_URL),
    })
    .prefault({}),
  /** Grafana's base URL, for alerts' `dashboard_url`. */
  dashboardBaseUrl: url.default('http://localhost:3000'),
  /** The Prometheus Grafana's provisioned data source points at. */
  prometheusUrl: url.default('http://localhost:9090'),
  /** Where Grafana's file provider reads the dashboards (provisioning YAML). */
  grafanaDashboardsPath: z.string().startsWith('/', 'an absolute path').default('/var/lib/grafana/dashboards/paysidecar'),
  kubernetes: z
    .strictObject({
      namespace: labelValue.default('monitoring'),
      /** Labels the Prometheus Operator's ruleSelector matches (kube-prometheus-stack: `release: <name>`). */
      ruleLabels: z.record(z.string(), labelValue).default({ release: 'kube-prometheus-stack' }),
      /** Label the Grafana dashboard sidecar watches for (kube-prometheus-stack default). */
      dashboardLabel: z.string().min(1).default('grafana_dashboard'),
    })
    .prefault({}),
  /** Where the runbooks live; each alert links `<runbookBaseUrl>#<alert-name-lowercase>`. */
  runbookBaseUrl: url.default('https://github.com/paysidecar/paysidecar/blob/main/README.md'),
  /** Rate window of the joint alert, the stress guard and the short-term recording rules. */
  alertWindow: promDuration.default('5m'),
  slo: z
    .strictObject({
      /** Share of prod requests that must not fail with a 5xx. */
      availability: ratio.default(0.999),
      /** Share of prod requests that must finish under `latencySeconds`. */
      latency: ratio.default(0.99),
      /** Must be a bucket edge of the request histogram (checked when generating). */
      latencySeconds: positive.default(LATENCY_SLO_SECONDS),
    })
    .prefault({}),
  joint: z
    .strictObject({
      errorRatio: ratio.default(0.05),
      p99Seconds: positive.default(LATENCY_PAGE_SECONDS),
      minRps: positive.default(100),
      for: promDuration.default('3m'),
    })
    .prefault({}),
  stressGuard: z
    .strictObject({
      p99Seconds: positive.default(LATENCY_WARNING_SECONDS),
      errorRatio: ratio.default(0.01),
      for: promDuration.default('2m'),
    })
    .prefault({}),
  runtime: z
    .strictObject({
      eventLoopP99Seconds: positive.default(runtime.EVENTLOOP_P99_ALERT_SECONDS),
      gcTimeRatio: ratio.default(runtime.GC_TIME_RATIO_ALERT),
      heapRatio: ratio.default(runtime.HEAP_LIMIT_ALERT_RATIO),
    })
    .prefault({}),
  host: z
    .strictObject({
      cpuUtilization: ratio.default(host.CPU_SATURATION_ALERT),
      memoryRatio: ratio.default(host.CGROUP_MEMORY_ALERT_RATIO),
      /** TIME_WAIT sockets above this AND above `timeWaitSurgeFactor` × their 1h average. */
      timeWaitMin: positive.default(5000),
      timeWaitSurgeFactor: positive.default(2),
    })
    .prefault({}),
  alertmanager: z
    .strictObject({
      pagerUrl: url.default('http://pager.invalid/alertmanager'),
      ticketUrl: url.default('http://ticket.invalid/alertmanager'),
      groupWait: promDuration.default('30s'),
      groupInterval: promDuration.default('5m'),
      repeatInterval: promDuration.default('4h'),
      resolveTimeout: promDuration.default('5m'),
    })
    .prefault({}),
  /**
   * Test-only: replace every alert's `for:` with this duration so a live end-to-end test can see
   * alerts fire in seconds. Never set it for real rules.
   */
  testForOverride: promDuration.optional(),
});

export type GeneratorConfig = z.output<typeof generatorConfigSchema>;
export type GeneratorConfigInput = z.input<typeof generatorConfigSchema>;

function problems(err: z.ZodError, where: string, raw: unknown): string[] {
  return err.issues.map((issue) => {
    const key = issue.path.join('.') || '(top level)';
    if (issue.code === 'unrecognized_keys') return `${where}: unknown key(s) ${issue.keys.map((k) => `"${[...issue.path, k].join('.')}"`).join(', ')}`;
    let value: unknown = raw;
    for (const p of issue.path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[p] : undefined;
    return `${where}: ${key} = ${JSON.stringify(value)}: expected ${issue.message}`;
  });
}

/** Validates `raw` (already parsed) and fills defaults; throws ConfigError naming each bad key. */
export function resolveGeneratorConfig(raw: unknown = {}, where = 'config'): GeneratorConfig {
  const parsed = generatorConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(problems(parsed.error, where, raw));
  return parsed.data;
}

/** Reads the YAML file given to `--config`; no file means all defaults. */
export function loadGeneratorConfig(file?: string): GeneratorConfig {
  if (!file) return resolveGeneratorConfig({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`--config: cannot read "${file}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`--config: "${file}" is not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return resolveGeneratorConfig(doc ?? {}, `--config ${file}`);
}

/** Seconds in a Prometheus duration (validated by PROM_DURATION_RE). */
export function promDurationSeconds(d: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(d);
  if (!m) throw new Error(`not a Prometheus duration: ${d}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}
