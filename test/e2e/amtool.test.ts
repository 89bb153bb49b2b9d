/**
 * alerts/alertmanager.yml through Debian's amtool and a real Alertmanager 0.25: the config parses,
 * every alert routes by its severity, and a critical alert inhibits the warning of the same alert
 * and service while other warnings still reach the ticket receiver.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ALERTMANAGER_FILE, RULES_FILE } from '../../src/generate/alerts/files';
import { RECEIVER_NONE, RECEIVER_PAGER, RECEIVER_TICKET, alertmanagerConfig } from '../../src/generate/alerts/alertmanager';
import { resolveGeneratorConfig } from '../../src/generate/config';
import { toYaml } from '../../src/generate/files';
import { startAlertmanager, startWebhookReceiver, sleep, waitFor, type Process, type WebhookReceiver } from './servers';
import { ROOT, run } from './tools';

const amFile = join(ROOT, 'alerts', ALERTMANAGER_FILE);
const EXPECTED_RECEIVER: Record<string, string> = { critical: RECEIVER_PAGER, warning: RECEIVER_TICKET, info: RECEIVER_NONE };

test('amtool check-config accepts alerts/alertmanager.yml', () => {
  const r = run('amtool', ['check-config', amFile]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS/);
  assert.match(r.stdout, /1 inhibit rules/);
});

test('amtool config routes test: every generated alert reaches the receiver its severity names', () => {
  const doc = parseYaml(readFileSync(join(ROOT, 'alerts', RULES_FILE), 'utf8')) as { groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[] };
  const alerts = doc.groups.flatMap((g) => g.rules).filter((r) => r.alert);
  assert.ok(alerts.length > 10);
  for (const a of alerts) {
    const labels = Object.entries({ alertname: a.alert!, ...a.labels }).map(([k, v]) => `${k}=${v}`);
    const expected = EXPECTED_RECEIVER[a.labels!.severity];
    const r = run('amtool', ['config', 'routes', 'test', `--config.file=${amFile}`, `--verify.receivers=${expected}`, ...labels]);
    assert.equal(r.status, 0, `${a.alert} ${a.labels!.severity}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout.trim(), expected);
  }
});

test('amtool config routes test fails when the routing does not match (the check has teeth)', () => {
  const r = run('amtool', ['config', 'routes', 'test', `--config.file=${amFile}`, `--verify.receivers=${RECEIVER_TICKET}`, 'severity=critical', 'alertname=X', 'service=payments']);
  assert.notEqual(r.status, 0);
  assert.match(r.stdout + r.stderr, /did not match/);
});

let am: Process | undefined;
let hook: WebhookReceiver | undefined;
after(async () => {
  await am?.stop();
  await hook?.close();
});

test('a live Alertmanager: critical pages, warning tickets, info stays unrouted, critical inhibits the same alert\'s warning', async () => {
  hook = await startWebhookReceiver();
  const config = resolveGeneratorConfig({
    alertmanager: { pagerUrl: `${hook.url}/pager`, ticketUrl: `${hook.url}/ticket`, groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' },
  });
  am = await startAlertmanager(toYaml(alertmanagerConfig(config), 'test'));
  const base = { service: config.service };
  const alerts = [
    { labels: { ...base, alertname: 'PaysidecarAvailabilityBudgetBurn', severity: 'critical', long: '1h', short: '5m', job: 'paysidecar' } },
    { labels: { ...base, alertname: 'PaysidecarAvailabilityBudgetBurn', severity: 'warning', long: '1d', short: '2h', job: 'paysidecar' } },
    { labels: { ...base, alertname: 'PaysidecarGcTimeHigh', severity: 'warning', job: 'paysidecar' } },
    { labels: { ...base, alertname: 'PaysidecarStressTrafficActive', severity: 'info', job: 'paysidecar' } },
  ].map((a) => ({ ...a, annotations: { summary: 'test' }, generatorURL: 'http://prometheus.invalid/graph' }));
  const res = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  assert.equal(res.status, 200, await res.text());

  await waitFor('a page and a ticket', 20_000, async () =>
    hook!.messages.some((m) => m.path === '/pager') && hook!.messages.some((m) => m.path === '/ticket') ? true : undefined,
  );
  // Give a wrongly routed or uninhibited notification the chance to arrive (group_interval is 1s).
  await sleep(3000);
  const delivered = hook.messages.flatMap((m) => m.body.alerts.map((a) => `${m.path} ${a.labels.alertname} ${a.labels.severity}`)).sort();
  assert.deepEqual([...new Set(delivered)], ['/pager PaysidecarAvailabilityBudgetBurn critical', '/ticket PaysidecarGcTimeHigh warning']);
  for (const m of hook.messages) {
    assert.equal(m.body.version, '4');
    assert.deepEqual(Object.keys(m.body.groupLabels).sort(), ['alertname', 'service']);
  }

  const state = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } }[];
  const inhibited = state.find((a) => a.labels.alertname === 'PaysidecarAvailabilityBudgetBurn' && a.labels.severity === 'warning');
  assert.equal(inhibited?.status.state, 'suppressed');
  assert.equal(inhibited?.status.inhibitedBy.length, 1);
});
