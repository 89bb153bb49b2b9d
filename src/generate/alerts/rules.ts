/**
 * Alerting rules, by the monitoring-mixins conventions: CamelCase names with one prefix,
 * `severity` critical (pages) | warning (tickets) | info (not routed), a static `summary`, a
 * templated `description`, `runbook_url` (a README section per alert) and `dashboard_url`.
 * Production alerts read `traffic="prod"` only: a stress run can page through the stress guard,
 * never through the production SLOs.
 */
import { TRAFFIC_PROD, TRAFFIC_STRESS, host, prom, promLabel, runtime } from '../../telemetry/names';
import type { GeneratorConfig } from '../config';
import { GOLDEN, HOST, RUNTIME, STRESS, dashboardPath, type DashboardRef } from '../dashboards/catalog';
import { INSTANCE, JOB, L, UP, eq, histogram, re, sel, sumBy } from '../promql';
import { ALERT_PREFIX, type AlertDef, type AlertGroup, type AlertRule, type Severity } from './alert-def';
import { recorded, sidecarMatcher } from './recording';
import { sidecarHealthAlerts } from './sidecar-health';

export { ALERT_PREFIX, SEVERITIES } from './alert-def';
export type { AlertDef, AlertGroup, AlertRule, Severity } from './alert-def';

/** Anchor of the alert's README runbook section (GitHub lower-cases heading text). */
export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}

/** How much of the past the dashboard link shows before the evaluation that fired, and after it. */
export const DASHBOARD_LINK_BEFORE_SECONDS = 3600;
export const DASHBOARD_LINK_AFTER_SECONDS = 600;

/**
 * Epoch milliseconds of the rule evaluation plus `offsetSeconds`, for Grafana's `from`/`to`:
 * Prometheus alert templates have no clock of their own, but `query` runs at the evaluation time.
 */
export function evalTimeMs(offsetSeconds: number): string {
  return `{{ with query "time() * 1000 ${offsetSeconds < 0 ? '-' : '+'} ${Math.abs(offsetSeconds) * 1000}" }}{{ . | first | value | printf "%.0f" }}{{ end }}`;
}

/** The alert's dashboard, at the time it fired and on its own job and traffic class. */
function dashboardQuery(d: AlertDef): string {
  const params = [
    ...(d.hasJob ? [`var-job={{ $labels.job }}`] : []),
    ...(d.hasTraffic ? [`var-${L.traffic}={{ $labels.${L.traffic} }}`] : []),
    `from=${evalTimeMs(-DASHBOARD_LINK_BEFORE_SECONDS)}`,
    `to=${evalTimeMs(DASHBOARD_LINK_AFTER_SECONDS)}`,
  ];
  return `?${params.join('&')}`;
}

function build(config: GeneratorConfig, d: AlertDef): AlertRule {
  const query = dashboardQuery(d);
  return {
    alert: d.name,
    expr: d.expr,
    for: config.testForOverride ?? d.for,
    labels: { severity: d.severity, service: config.service, ...d.extraLabels },
    annotations: {
      summary: d.summary,
      description: d.description,
      runbook_url: `${config.runbookBaseUrl}#${runbookAnchor(d.name)}`,
      dashboard_url: `${config.dashboardBaseUrl}${dashboardPath(d.dashboard)}${query}`,
    },
  };
}

const PROD = eq(L.traffic, TRAFFIC_PROD);
const STRESS_TRAFFIC = eq(L.traffic, TRAFFIC_STRESS);
const ON_JOB_TRAFFIC = `and on (${JOB}, ${L.traffic})`;

function pct(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(6))}%`;
}

function seconds(s: number): string {
  return s < 1 ? `${Number((s * 1000).toPrecision(6))}ms` : `${s}s`;
}

/** The seed's joint alert: all three at once means payers are failing, slowly, at volume. */
function joint(config: GeneratorConfig): AlertDef {
  const w = config.alertWindow;
  const j = config.joint;
  return {
    name: `${ALERT_PREFIX}PaymentsDegraded`,
    severity: 'critical',
    expr: [
      `${sel(recorded.errorRatio(w), PROD)} > ${j.errorRatio}`,
      ON_JOB_TRAFFIC,
      `${sel(recorded.p99(w), PROD)} > ${j.p99Seconds}`,
      ON_JOB_TRAFFIC,
      `${sel(recorded.requestRate(w), PROD)} > ${j.minRps}`,
    ].join('\n'),
    for: j.for,
    summary: 'Production payments are failing and slow under real load.',
    description:
      `{{ $labels.job }}: {{ $value | humanizePercentage }} of production requests fail (threshold ${pct(j.errorRatio)}) ` +
      `while p99 latency is above ${seconds(j.p99Seconds)} and traffic is above ${j.minRps} req/s (${w} window).`,
    dashboard: GOLDEN,
    hasJob: true,
    hasTraffic: true,
  };
}

interface BurnPair {
  long: string;
  short: string;
  factor: number;
  severity: Severity;
  for: string;
}

/** SRE workbook, chapter 5: two page pairs and two ticket pairs. */
export const BURN_PAIRS: readonly BurnPair[] = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'critical', for: '2m' },
  { long: '6h', short: '30m', factor: 6, severity: 'critical', for: '15m' },
  { long: '1d', short: '2h', factor: 3, severity: 'warning', for: '1h' },
  { long: '3d', short: '6h', factor: 1, severity: 'warning', for: '3h' },
];

function burnAlerts(
  name: string,
  ratio: (w: string) => string,
  target: number,
  what: string,
  summary: string,
): AlertDef[] {
  return BURN_PAIRS.map((p) => {
    const threshold = `(${p.factor} * (1 - ${target}))`;
    return {
      name,
      severity: p.severity,
      expr: `${sel(ratio(p.long), PROD)} > ${threshold}\n${ON_JOB_TRAFFIC}\n${sel(ratio(p.short), PROD)} > ${threshold}`,
      for: p.for,
      extraLabels: { long: p.long, short: p.short },
      summary,
      description:
        `{{ $labels.job }} is burning its ${pct(target)} ${what} error budget ${p.factor}x too fast: ` +
        `{{ $value | humanizePercentage }} of production requests ${what === 'availability' ? 'failed' : 'were slow'} over the last ${p.long} (and still over the last ${p.short}).`,
      dashboard: GOLDEN,
      hasJob: true,
      hasTraffic: true,
    };
  });
}

function stressGuard(config: GeneratorConfig): AlertDef {
  const w = config.alertWindow;
  const g = config.stressGuard;
  return {
    name: `${ALERT_PREFIX}StressHurtingProd`,
    severity: 'critical',
    expr: [
      `${sel(recorded.requestRate(w), STRESS_TRAFFIC)} > 0`,
      `and on (${JOB})`,
      '(',
      `  ${sel(recorded.p99(w), PROD)} > ${g.p99Seconds}`,
      '  or',
      `  ${sel(recorded.errorRatio(w), PROD)} > ${g.errorRatio}`,
      ')',
    ].join('\n'),
    for: g.for,
    summary: 'A stress test is running while production traffic degrades: stop the stress test.',
    description:
      `{{ $labels.job }}: stress traffic at {{ $value | humanize }} req/s while production p99 is above ${seconds(g.p99Seconds)} ` +
      `or production errors are above ${pct(g.errorRatio)}. Stop the stress test first, then investigate.`,
    dashboard: STRESS,
    hasJob: true,
    hasTraffic: true,
  };
}

function stressActive(config: GeneratorConfig): AlertDef {
  const w = config.alertWindow;
  return {
    name: `${ALERT_PREFIX}StressTrafficActive`,
    severity: 'info',
    expr: `${sel(recorded.requestRate(w), STRESS_TRAFFIC)} > 0`,
    for: '1m',
    summary: 'Stress-test traffic is flowing through the sidecar.',
    description: '{{ $labels.job }}: stress traffic at {{ $value | humanize }} req/s. Context for other alerts; never routed.',
    dashboard: STRESS,
    hasJob: true,
    hasTraffic: true,
  };
}

function runtimeJobs(config: GeneratorConfig) {
  return re(JOB, `${config.jobs.sidecar}|${config.jobs.agent}`);
}

/**
 * Per process: `paysidecar_source` separates the app's series (merged into the sidecar's /metrics
 * by the agent) from the sidecar's own under one scrape target; summing the two heaps would be
 * meaningless.
 */
const PROCESS = [JOB, INSTANCE, runtime.MERGED_SOURCE_LABEL];

function runtimeAlerts(config: GeneratorConfig): AlertDef[] {
  const r = config.runtime;
  const jobs = runtimeJobs(config);
  const by = PROCESS;
  const gc = histogram(runtime.GC_DURATION);
  return [
    {
      name: `${ALERT_PREFIX}EventLoopLag`,
      severity: 'warning',
      expr: `${sumBy(by, sel(prom(runtime.EVENTLOOP_DELAY.p99), jobs), 'max')} > ${r.eventLoopP99Seconds}`,
      for: '5m',
      summary: 'The Node event loop is lagging: every request on this process waits.',
      description: `{{ $labels.job }} {{ $labels.instance }}: event-loop delay p99 is {{ $value | humanizeDuration }} (threshold ${seconds(r.eventLoopP99Seconds)}).`,
      dashboard: RUNTIME,
      hasJob: true,
    },
    {
      name: `${ALERT_PREFIX}GcTimeHigh`,
      severity: 'warning',
      expr: `${sumBy(by, `rate(${sel(gc.sum, jobs)}[5m])`)} > ${r.gcTimeRatio}`,
      for: '5m',
      summary: 'The process spends too much of its time in garbage-collection pauses.',
      description: `{{ $labels.job }} {{ $labels.instance }}: {{ $value | humanizePercentage }} of wall time in GC pauses (threshold ${pct(r.gcTimeRatio)}).`,
      dashboard: RUNTIME,
      hasJob: true,
    },
    {
      name: `${ALERT_PREFIX}HeapNearLimit`,
      severity: 'warning',
      expr: `${sumBy(by, sel(prom(runtime.HEAP_USED), jobs))}\n/\n${sumBy(by, sel(prom(runtime.HEAP_LIMIT), jobs), 'max')}\n> ${r.heapRatio}`,
      for: '5m',
      summary: 'The V8 heap is close to its limit: the process will soon crash with an out-of-memory error.',
      description: `{{ $labels.job }} {{ $labels.instance }}: heap at {{ $value | humanizePercentage }} of its limit (threshold ${pct(r.heapRatio)}).`,
      dashboard: RUNTIME,
      hasJob: true,
    },
  ];
}

function hostAlerts(config: GeneratorConfig): AlertDef[] {
  const h = config.host;
  const jobs = sidecarMatcher(config);
  const by = [JOB, INSTANCE];
  // Collectors differ in case (`TIME_WAIT` from ss, `time_wait` in the semantic conventions).
  const tw = sel(prom(host.SYSTEM_NETWORK_CONNECTIONS), jobs, re(promLabel(host.ATTR_CONNECTION_STATE), '(?i)time_wait'));
  const twNow = sumBy(by, tw, 'max');
  return [
    {
      name: `${ALERT_PREFIX}HostCpuSaturated`,
      severity: 'warning',
      expr: `${sumBy(by, sel(prom(host.SYSTEM_CPU_UTILIZATION), jobs), 'avg')} > ${h.cpuUtilization}`,
      for: '10m',
      summary: 'The host CPU is saturated: latency rises for everything on it.',
      description: `{{ $labels.job }} {{ $labels.instance }}: host CPU at {{ $value | humanizePercentage }} (threshold ${pct(h.cpuUtilization)}).`,
      dashboard: HOST,
      hasJob: true,
    },
    {
      name: `${ALERT_PREFIX}TimeWaitSurge`,
      severity: 'warning',
      expr: `${twNow} > ${h.timeWaitMin}\nand\n${twNow} > ${h.timeWaitSurgeFactor} * ${sumBy(by, `avg_over_time(${tw}[1h])`, 'max')}`,
      for: '5m',
      summary: 'TCP TIME_WAIT sockets are surging: connections are being opened and closed instead of reused.',
      description: `{{ $labels.job }} {{ $labels.instance }}: {{ $value | humanize }} sockets in TIME_WAIT, over ${h.timeWaitSurgeFactor}x the last hour's average.`,
      dashboard: HOST,
      hasJob: true,
    },
    {
      name: `${ALERT_PREFIX}MemoryNearCgroupLimit`,
      severity: 'warning',
      expr: `${sumBy(by, sel(prom(host.CONTAINER_MEMORY_USAGE), jobs), 'max')}\n/\n${sumBy(by, sel(prom(host.CONTAINER_MEMORY_LIMIT), jobs), 'max')}\n> ${h.memoryRatio}`,
      for: '5m',
      summary: 'The container is close to its cgroup memory limit: the kernel OOM killer is next.',
      description: `{{ $labels.job }} {{ $labels.instance }}: container memory at {{ $value | humanizePercentage }} of its cgroup limit (threshold ${pct(h.memoryRatio)}).`,
      dashboard: HOST,
      hasJob: true,
    },
  ];
}

/** `up == 0` catches failing scrapes; `absent(up)` catches a target that vanished from discovery. */
function targetDown(name: string, jobRegex: string, severity: Severity, what: string, dashboard: DashboardRef): AlertDef {
  const up = sel(UP, re(JOB, jobRegex));
  return {
    name,
    severity,
    expr: `${up} == 0\nor\nabsent(${up})`,
    for: severity === 'critical' ? '2m' : '5m',
    summary: `Prometheus cannot scrape the ${what}: its metrics and alerts are blind.`,
    description: `Job ${jobRegex}: target "{{ $labels.instance }}" is down, or no target is discovered at all (empty instance).`,
    dashboard,
    hasJob: false,
  };
}

/** With the agent merged into the sidecar's /metrics there is no agent target: the sidecar reports whether it answered. */
function agentNotAnswering(config: GeneratorConfig): AlertDef {
  return {
    name: `${ALERT_PREFIX}AgentDown`,
    severity: 'warning',
    expr: `${sumBy([JOB, INSTANCE], sel(prom(runtime.AGENT_UP), sidecarMatcher(config)), 'max')} == 0`,
    for: '5m',
    summary: "The sidecar gets no answer from the agent's /metrics: the app's runtime and gateway metrics are blind.",
    description: "{{ $labels.job }} {{ $labels.instance }}: the agent's /metrics did not answer the sidecar's merge.",
    dashboard: RUNTIME,
    hasJob: true,
  };
}

export function alertGroups(config: GeneratorConfig): AlertGroup[] {
  const b = (defs: AlertDef[]) => defs.map((d) => build(config, d));
  return [
    {
      name: 'paysidecar.payments.alerts',
      rules: b([
        joint(config),
        ...burnAlerts(
          `${ALERT_PREFIX}AvailabilityBudgetBurn`,
          recorded.errorRatio,
          config.slo.availability,
          'availability',
          'Production payments are failing fast enough to exhaust the availability error budget.',
        ),
        ...burnAlerts(
          `${ALERT_PREFIX}LatencyBudgetBurn`,
          recorded.slowRatio,
          config.slo.latency,
          'latency',
          `Production payments are slower than ${seconds(config.slo.latencySeconds)} often enough to exhaust the latency error budget.`,
        ),
      ]),
    },
    { name: 'paysidecar.stress.alerts', rules: b([stressGuard(config), stressActive(config)]) },
    { name: 'paysidecar.runtime.alerts', rules: b(runtimeAlerts(config)) },
    { name: 'paysidecar.host.alerts', rules: b(hostAlerts(config)) },
    { name: 'paysidecar.sidecar.alerts', rules: b(sidecarHealthAlerts(config)) },
    {
      name: 'paysidecar.targets.alerts',
      rules: b([
        targetDown(`${ALERT_PREFIX}SidecarDown`, config.jobs.sidecar, 'critical', 'sidecar', GOLDEN),
        config.agentMetrics === 'merged' ? agentNotAnswering(config) : targetDown(`${ALERT_PREFIX}AgentDown`, config.jobs.agent, 'warning', 'agent', RUNTIME),
      ]),
    },
  ];
}
