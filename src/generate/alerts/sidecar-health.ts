/**
 * The sidecar's own health: a config file that did not load, a config change waiting for a
 * restart, spans that never reach the collector, agent hooks that failed inside the app, and
 * production requests shed at the door. Each one is silent in the request metrics until it is
 * too late (the old config keeps running, traces just get thinner), so each gets a ticket; a shed
 * request is also a 503, so when shedding eats the error budget the burn-rate alerts page.
 */
import { ATTR_TRAFFIC, REQUESTS_SHED, TRAFFIC_PROD, admin, host, prom, promLabel, runtime } from '../../telemetry/names';
import type { GeneratorConfig } from '../config';
import { HEALTH } from '../dashboards/catalog';
import { INSTANCE, JOB, eq, re, sel, sumBy } from '../promql';
import { ALERT_PREFIX, type AlertDef } from './alert-def';
import { sidecarMatcher } from './recording';

export const SIDECAR_HEALTH_ALERTS = {
  reloadFailed: `${ALERT_PREFIX}ConfigReloadFailed`,
  restartRequired: `${ALERT_PREFIX}RestartRequired`,
  spansDropped: `${ALERT_PREFIX}SpansDropped`,
  agentHookErrors: `${ALERT_PREFIX}AgentHookErrors`,
  shedding: `${ALERT_PREFIX}SheddingRequests`,
} as const;

/** How long one event (a failed reload, a hook error) keeps its alert firing. */
export const EVENT_WINDOW = '10m';
/** Rate window of the sustained conditions (spans dropped, shedding). */
const RATE_WINDOW = '5m';
/** A config change may wait this long for a rolling restart before it is somebody's ticket. */
const RESTART_GRACE = '30m';

/**
 * "It happened in the last `window`" for a counter the SDK creates lazily: the first failure
 * brings the series into existence already at 1, which `increase()` cannot see (it needs two
 * samples), so a series that did not exist `window` ago counts too. After a Prometheus restart
 * an old series looks new for one window: a spurious ticket at worst, never a missed one.
 */
export function happened(selector: string, by: readonly string[], window: string): string {
  return `${sumBy(by, `increase(${selector}[${window}])`)} > 0\nor\n${sumBy(by, `${selector} unless ${selector} offset ${window}`)}`;
}

export function sidecarHealthAlerts(config: GeneratorConfig): AlertDef[] {
  const sidecar = sidecarMatcher(config);
  const byTarget = [JOB, INSTANCE];
  const reason = promLabel(host.ATTR_DROP_REASON);
  const hook = promLabel(runtime.ATTR_HOOK);
  const failure = eq(promLabel(admin.ATTR_RESULT), admin.RELOAD_RESULTS.failure);
  return [
    {
      name: SIDECAR_HEALTH_ALERTS.reloadFailed,
      severity: 'warning',
      expr: happened(sel(prom(admin.CONFIG_RELOADS), sidecar, failure), byTarget, EVENT_WINDOW),
      for: '1m',
      summary: 'A config reload failed: the sidecar keeps running the old config, not what the file says.',
      description: `{{ $labels.job }} {{ $labels.instance }}: a config reload failed in the last ${EVENT_WINDOW}; the running config is unchanged. The sidecar's "config reload failed" log line names each bad key.`,
      dashboard: HEALTH,
      hasJob: true,
    },
    {
      name: SIDECAR_HEALTH_ALERTS.restartRequired,
      severity: 'warning',
      expr: `${sumBy(byTarget, sel(prom(admin.CONFIG_RESTART_REQUIRED), sidecar), 'max')} > 0`,
      for: RESTART_GRACE,
      summary: 'The config file changes a setting only a restart applies, and the sidecar has not been restarted.',
      description: `{{ $labels.job }} {{ $labels.instance }}: the config file has held a restart-only change for over ${RESTART_GRACE}; the running values are kept until the sidecar restarts.`,
      dashboard: HEALTH,
      hasJob: true,
    },
    {
      name: SIDECAR_HEALTH_ALERTS.spansDropped,
      severity: 'warning',
      expr: `${sumBy([...byTarget, reason], `rate(${sel(prom(host.SPANS_DROPPED), sidecar)}[${RATE_WINDOW}])`)} > 0`,
      for: '10m',
      summary: 'Sampled spans are being dropped instead of reaching the OTLP collector: traces are incomplete.',
      description: `{{ $labels.job }} {{ $labels.instance }}: {{ $value | humanize }} spans/s dropped ({{ $labels.${reason} }}) for 10 minutes.`,
      dashboard: HEALTH,
      hasJob: true,
    },
    {
      name: SIDECAR_HEALTH_ALERTS.agentHookErrors,
      severity: 'warning',
      // Scraped from the agent's own listener, or merged into the sidecar's /metrics.
      expr: happened(sel(prom(runtime.AGENT_HOOK_ERRORS), re(JOB, `${config.jobs.sidecar}|${config.jobs.agent}`)), [...byTarget, hook], EVENT_WINDOW),
      for: '1m',
      summary: 'An agent hook failed inside the app: the agent swallowed the error, and what the hook does (propagation, sampling, GC timing) is degraded.',
      description: `{{ $labels.job }} {{ $labels.instance }}: the agent's {{ $labels.${hook} }} hook failed in the last ${EVENT_WINDOW}; the app ran on. The agent logged the first failure of that hook.`,
      dashboard: HEALTH,
      hasJob: true,
    },
    {
      name: SIDECAR_HEALTH_ALERTS.shedding,
      severity: 'warning',
      expr: `${sumBy(byTarget, `rate(${sel(prom(REQUESTS_SHED), sidecar, eq(promLabel(ATTR_TRAFFIC), TRAFFIC_PROD))}[${RATE_WINDOW}])`)} > 0`,
      for: '5m',
      summary: 'The sidecar is shedding production requests (503 PAYSIDECAR_OVERLOADED): --max-inflight is reached.',
      description: `{{ $labels.job }} {{ $labels.instance }}: {{ $value | humanize }} production req/s answered 503 without reaching the app, for 5 minutes.`,
      dashboard: HEALTH,
      hasJob: true,
    },
  ];
}
