/**
 * The generated rules follow the monitoring-mixins conventions and link to real places: every
 * alert has severity/summary/description/runbook_url/dashboard_url, each runbook exists in the
 * README with a dashboard and a /debug/pprof capture, production alerts read prod traffic only,
 * and Alertmanager routes by severity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ALERTMANAGER_FILE, RULES_FILE } from '../../src/generate/alerts/files';
import { checkLatencyEdge, recordingGroups } from '../../src/generate/alerts/recording';
import { ALERT_PREFIX, SEVERITIES, alertGroups, runbookAnchor } from '../../src/generate/alerts/rules';
import { humanize, humanizeDuration, humanizePercentage, renderTemplate } from '../../src/generate/alerts/template';
import { resolveGeneratorConfig } from '../../src/generate/config';
import { DASHBOARDS, dashboardPath } from '../../src/generate/dashboards/catalog';
import { PROMETHEUS_RULE_FILE } from '../../src/generate/deploy';
import { ConfigError } from '../../src/errors';
import { ROOT, knownSeries, seriesIn, unaggregatedRates } from './lint';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const config = resolveGeneratorConfig({});
const rulesDoc = parseYaml(readFileSync(join(ROOT, 'alerts', RULES_FILE), 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
const rules = rulesDoc.groups.flatMap((g) => g.rules);
const alerts = rules.filter((r) => r.alert);
const records = rules.filter((r) => r.record);
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const runbooks = readme.slice(readme.indexOf('<!-- section:runbooks:start -->'), readme.indexOf('<!-- section:runbooks:end -->'));

function runbookSection(alert: string): string | undefined {
  const start = runbooks.indexOf(`\n#### ${alert}\n`);
  if (start < 0) return undefined;
  const next = runbooks.indexOf('\n#### ', start + 1);
  return runbooks.slice(start, next < 0 ? undefined : next);
}

test('the committed rules are the generator output and hold the expected alerts', () => {
  const names = [...new Set(alerts.map((a) => a.alert))];
  assert.deepEqual(names, [...new Set(alertGroups(config).flatMap((g) => g.rules.map((r) => r.alert)))]);
  for (const n of ['PaymentsDegraded', 'AvailabilityBudgetBurn', 'LatencyBudgetBurn', 'StressHurtingProd', 'EventLoopLag', 'GcTimeHigh', 'HeapNearLimit', 'HostCpuSaturated', 'TimeWaitSurge', 'MemoryNearCgroupLimit', 'SidecarDown', 'AgentDown', 'ConfigReloadFailed', 'RestartRequired', 'SpansDropped', 'AgentHookErrors', 'SheddingRequests']) {
    assert.ok(names.includes(`${ALERT_PREFIX}${n}`), n);
  }
});

test('every alert: CamelCase with the shared prefix, severity, service, for:, summary, templated description, runbook_url, dashboard_url', () => {
  const uids = new Map(DASHBOARDS.map((d) => [dashboardPath(d), d]));
  for (const a of alerts) {
    assert.match(a.alert!, new RegExp(`^${ALERT_PREFIX}[A-Z][A-Za-z]+$`));
    assert.ok(SEVERITIES.includes(a.labels?.severity as never), `${a.alert} severity ${a.labels?.severity}`);
    assert.equal(a.labels?.service, config.service);
    assert.match(a.for ?? '', /^\d+[smh]$/, `${a.alert} for`);
    const an = a.annotations ?? {};
    assert.ok(an.summary && !an.summary.includes('{{'), `${a.alert}: static summary`);
    assert.match(an.description ?? '', /\{\{ \$(labels|value)/, `${a.alert}: templated description`);
    assert.equal(an.runbook_url, `${config.runbookBaseUrl}#${runbookAnchor(a.alert!)}`);
    const url = new URL(an.dashboard_url ?? '');
    assert.equal(`${url.protocol}//${url.host}`, config.dashboardBaseUrl);
    assert.ok(uids.has(url.pathname), `${a.alert}: dashboard_url ${an.dashboard_url} names no generated dashboard`);
  }
});

test('every alert has a README runbook naming a dashboard and a /debug/pprof capture', () => {
  for (const name of new Set(alerts.map((a) => a.alert!))) {
    const section = runbookSection(name);
    assert.ok(section, `README runbooks: no "#### ${name}" heading (runbook_url anchor #${runbookAnchor(name)})`);
    assert.ok(DASHBOARDS.some((d) => section.includes(`**${d.title}**`)), `${name}: runbook names no dashboard`);
    assert.match(section, /\/debug\/pprof/, `${name}: runbook names no /debug/pprof capture`);
    const dashboardUrl = alerts.find((a) => a.alert === name)!.annotations!.dashboard_url;
    const linked = DASHBOARDS.find((d) => dashboardUrl.includes(dashboardPath(d)))!;
    assert.ok(section.includes(`**${linked.title}**`), `${name}: runbook should name ${linked.title}, its dashboard_url`);
  }
});

test('production alerts read traffic="prod" only; the stress guard reads stress and prod', () => {
  const prodOnly = alerts.filter((a) => /PaymentsDegraded|BudgetBurn/.test(a.alert!));
  assert.ok(prodOnly.length >= 9);
  for (const a of prodOnly) {
    const selectors = [...a.expr.matchAll(/([a-z_:]+)\{([^}]*)\}/g)];
    assert.ok(selectors.length >= 2, a.expr);
    for (const [, , matchers] of selectors) assert.match(matchers, /^traffic="prod"$/, `${a.alert}: ${a.expr}`);
  }
  const guard = alerts.find((a) => a.alert === `${ALERT_PREFIX}StressHurtingProd`)!;
  assert.match(guard.expr, /traffic="stress"/);
  assert.match(guard.expr, /traffic="prod"/);
  assert.equal(guard.labels?.severity, 'critical');
  assert.match(guard.annotations!.summary, /stop the stress test/i);
});

test('the joint alert: error ratio > 5% AND p99 > 2s AND rate > 100 rps, for 3m, critical', () => {
  const joint = alerts.find((a) => a.alert === `${ALERT_PREFIX}PaymentsDegraded`)!;
  assert.equal(joint.for, '3m');
  assert.equal(joint.labels?.severity, 'critical');
  assert.match(joint.expr, /errors:ratio_rate5m\{traffic="prod"\} > 0\.05\nand on \(job, traffic\)\n.*p99_rate5m\{traffic="prod"\} > 2\nand on \(job, traffic\)\n.*count:rate5m\{traffic="prod"\} > 100$/);
});

test('burn-rate alerts: page and ticket pairs with the SRE-workbook windows and factors', () => {
  for (const sli of ['AvailabilityBudgetBurn', 'LatencyBudgetBurn']) {
    const pairs = alerts.filter((a) => a.alert === `${ALERT_PREFIX}${sli}`).map((a) => `${a.labels!.severity} ${a.labels!.long}/${a.labels!.short}`);
    assert.deepEqual(pairs, ['critical 1h/5m', 'critical 6h/30m', 'warning 1d/2h', 'warning 3d/6h']);
  }
  const page = alerts.find((a) => a.alert === `${ALERT_PREFIX}AvailabilityBudgetBurn` && a.labels!.long === '1h')!;
  assert.match(page.expr, /ratio_rate1h\{traffic="prod"\} > \(14\.4 \* \(1 - 0\.999\)\)/);
  assert.match(page.expr, /ratio_rate5m\{traffic="prod"\} > \(14\.4 \* \(1 - 0\.999\)\)/);
});

test('recording rules are named level:metric:operations, sum after rate, and alerts read only recorded or defined series', () => {
  const recorded = new Set(records.map((r) => r.record!));
  const known = new Set([...knownSeries(), ...recorded, 'up']);
  for (const r of records) {
    assert.match(r.record!, /^[a-z_]+:[a-z_]+:[a-z0-9_]+$/, r.record);
    assert.equal(unaggregatedRates(r.expr), 0, `${r.record}: ${r.expr}`);
  }
  for (const r of rules) for (const s of seriesIn(r.expr)) assert.ok(known.has(s), `${r.alert ?? r.record} reads ${s}`);
  for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d']) {
    assert.ok(recorded.has(`job_traffic:http_server_request_errors:ratio_rate${w}`), w);
    assert.ok(recorded.has(`job_traffic:http_server_request_slow:ratio_rate${w}`), w);
  }
});

test('alertmanager.yml: critical pages, warning tickets, info unrouted; critical inhibits warning by alertname and service', () => {
  const am = parseYaml(readFileSync(join(ROOT, 'alerts', ALERTMANAGER_FILE), 'utf8')) as {
    route: { receiver: string; group_by: string[]; routes: { receiver: string; matchers: string[] }[] };
    inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    receivers: { name: string; webhook_configs?: { url: string; send_resolved: boolean }[] }[];
  };
  assert.deepEqual(am.route.group_by, ['alertname', 'service']);
  assert.deepEqual(am.route.routes.map((r) => [r.matchers, r.receiver]), [[['severity="critical"'], 'pager'], [['severity="warning"'], 'ticket']]);
  const fallback = am.receivers.find((r) => r.name === am.route.receiver)!;
  assert.equal(fallback.webhook_configs, undefined, 'info alerts land on a receiver with no integrations');
  assert.deepEqual(am.inhibit_rules, [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', 'service'] }]);
  for (const name of ['pager', 'ticket']) assert.equal(am.receivers.find((r) => r.name === name)!.webhook_configs![0].send_resolved, true);
});

test('the PrometheusRule carries exactly the rule groups of alerts/paysidecar.rules.yml', () => {
  const pr = parseYaml(readFileSync(join(ROOT, 'deploy/kubernetes', PROMETHEUS_RULE_FILE), 'utf8')) as { apiVersion: string; kind: string; spec: { groups: unknown } };
  assert.equal(pr.apiVersion, 'monitoring.coreos.com/v1');
  assert.equal(pr.kind, 'PrometheusRule');
  assert.deepEqual(pr.spec.groups, rulesDoc.groups);
});

test('the annotation renderer matches Prometheus humanize functions and refuses what it cannot render', () => {
  // What Prometheus 2.42's template.go gives for these inputs.
  assert.equal(humanize(1234567), '1.235M');
  assert.equal(humanize(0.0012), '1.2m');
  assert.equal(humanize(8000), '8k');
  assert.equal(humanizeDuration(0.25), '250ms');
  assert.equal(humanizeDuration(90), '1m 30s');
  assert.equal(humanizeDuration(3600 * 26 + 5), '1d 2h 0m 5s');
  assert.equal(humanizeDuration(1.5), '1.5s');
  assert.equal(humanizePercentage(0.0512), '5.12%');
  assert.equal(humanizePercentage(0.123456), '12.35%');
  assert.equal(renderTemplate('{{ $labels.job }}: {{ $value | humanizePercentage }}', { job: 'a' }, 0.1), 'a: 10%');
  assert.throws(() => renderTemplate('{{ $value | printf "%.2f" }}', {}, 1), /not supported/);
  assert.throws(() => renderTemplate('{{ $value | humanizePercentage }}', {}, 0.12345), /rounding tie/);
});

test('config: the latency SLO threshold must be a bucket edge; bad values name key, value and expectation', () => {
  assert.throws(() => checkLatencyEdge(resolveGeneratorConfig({ slo: { latencySeconds: 0.4 } })), /slo\.latencySeconds = 0\.4: expected one of the request histogram's bucket edges/);
  assert.doesNotThrow(() => recordingGroups(resolveGeneratorConfig({ slo: { latencySeconds: 0.8 } })));
  assert.throws(
    () => resolveGeneratorConfig({ jobs: { sidecar: '(' }, alertmanager: { pagerUrl: 'ftp://x' } }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.problems.some((p) => /jobs\.sidecar = "\(": expected a valid regular expression/.test(p)) &&
      err.problems.some((p) => /alertmanager\.pagerUrl = "ftp:\/\/x": expected an http:\/\/ or https:\/\/ URL/.test(p)),
  );
});
