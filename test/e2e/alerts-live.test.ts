/**
 * End to end with real processes on loopback: platform + gateway (with the agent) + sidecar +
 * Prometheus (1 s scrape and evaluation, alert `for:` shortened by the generator's test option)
 * + Alertmanager → a webhook receiver here. Turning on the gateway's faults must deliver the
 * joint alert as `firing` within a bounded time and `resolved` after the faults clear; after the
 * mixed load every dashboard query, variables substituted, returns data from that Prometheus.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertmanagerConfig } from '../../src/generate/alerts/alertmanager';
import { RULES_FILE, ruleGroups } from '../../src/generate/alerts/files';
import { ALERT_PREFIX } from '../../src/generate/alerts/rules';
import { resolveGeneratorConfig } from '../../src/generate/config';
import { DASHBOARDS } from '../../src/generate/dashboards/catalog';
import { EXAMPLE_DASHBOARDS_DIR } from '../../examples/payments/dashboards/files';
import { GATEWAY_DASHBOARD } from '../../examples/payments/dashboards/gateway';
import { prometheusConfig } from '../../src/generate/deploy';
import { toYaml } from '../../src/generate/files';
import { startLoad, type Load } from './load';
import { startStack, type Stack } from './stack';
import {
  instantQuery,
  queryExemplars,
  rangeQuery,
  startAlertmanager,
  startPrometheus,
  startWebhookReceiver,
  waitFor,
  type Process,
  type WebhookAlert,
  type WebhookReceiver,
} from './servers';
import { ROOT, requireTool } from './tools';

const JOINT = `${ALERT_PREFIX}PaymentsDegraded`;
const GUARD = `${ALERT_PREFIX}StressHurtingProd`;
/** Bounds for the alert path: fault on → webhook `firing`, fault off → webhook `resolved`. */
const FIRE_WITHIN_MS = 90_000;
const RESOLVE_WITHIN_MS = 120_000;

let stack: Stack | undefined;
let hook: WebhookReceiver | undefined;
let am: Process | undefined;
let prom: Process | undefined;
let load: Load | undefined;
let startedAt = 0;

function diagnostics(): string {
  return [stack?.logs() ?? '', `--- prometheus\n${prom?.output() ?? ''}`, `--- alertmanager\n${am?.output() ?? ''}`, `--- load ${JSON.stringify(load?.stats)}`].join('\n');
}

before(async () => {
  // Fail here, clearly, rather than half-way through the stack.
  for (const bin of ['prometheus', 'prometheus-alertmanager']) requireTool(bin);
  hook = await startWebhookReceiver();
  // Short windows and `for:` so the alert path takes seconds, thresholds as shipped except the
  // minimum rate: a loopback test on a shared machine runs a few requests per second, not 100.
  const config = resolveGeneratorConfig({
    alertWindow: '20s',
    joint: { minRps: 2 },
    testForOverride: '5s',
    alertmanager: { pagerUrl: `${hook.url}/pager`, ticketUrl: `${hook.url}/ticket`, groupWait: '1s', groupInterval: '2s', repeatInterval: '1h', resolveTimeout: '1m' },
  });
  stack = await startStack();
  am = await startAlertmanager(toYaml(alertmanagerConfig(config), 'e2e'));
  prom = await startPrometheus(
    toYaml(
      prometheusConfig(config, {
        sidecarTargets: [stack.sidecarAdmin],
        agentTargets: [stack.agentAdmin],
        alertmanagers: [am.url.replace('http://', '')],
        ruleFiles: [RULES_FILE],
        scrapeInterval: '1s',
        evaluationInterval: '1s',
      }),
      'e2e',
    ),
    { [RULES_FILE]: toYaml({ groups: ruleGroups(config) }, 'e2e') },
    // The latency panels ask for exemplars: their queries are proven below like every other.
    ['--enable-feature=exemplar-storage'],
  );
  // A few platform 503s so the gateway's retries and non-success outcomes have something to show.
  const platformFaults = await fetch(`${stack.platform}/mock/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ endpoints: { native: { errorRate: 0.05, errorStatus: 503 } } }),
  });
  assert.equal(platformFaults.status, 200, await platformFaults.text());
  startedAt = Date.now();
  load = startLoad({ proxy: stack.proxy, platform: stack.platform, stressSecret: stack.stressSecret, rps: 8, maxInFlight: 64 });
  await waitFor('Prometheus scraping the sidecar and the agent', 30_000, async () => {
    const r = await instantQuery(prom!.url, 'sum(up)');
    return r[0]?.value[1] === '2' ? true : undefined;
  });
});

after(async () => {
  await load?.stop();
  await prom?.stop();
  await am?.stop();
  await stack?.stop();
  await hook?.close();
});

function delivered(alertname: string, status: 'firing' | 'resolved'): { alert: WebhookAlert; at: number; path: string } | undefined {
  for (const m of hook!.messages) {
    const alert = m.body.alerts.find((a) => a.labels.alertname === alertname && a.status === status);
    if (alert) return { alert, at: m.receivedAt, path: m.path };
  }
  return undefined;
}

async function setFaults(faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${stack!.gateway}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  assert.equal(res.status, 200, await res.text());
}

test('gateway faults → the joint alert reaches the pager as firing, then resolved after the faults clear', { timeout: 300_000 }, async (t) => {
  try {
    // A clean baseline first: real traffic above the rate threshold, and nothing paging.
    await waitFor('prod traffic above the joint alert rate threshold', 40_000, async () => {
      const r = await instantQuery(prom!.url, 'job_traffic:http_server_request_duration_count:rate20s{traffic="prod"}');
      return Number(r[0]?.value[1]) > 2 ? true : undefined;
    });
    assert.equal(delivered(JOINT, 'firing'), undefined, 'the joint alert fired before any fault');

    const faultsOn = Date.now();
    await setFaults({ latencyMs: 2500, errorRate: 0.3 });
    const fired = await waitFor(`${JOINT} firing at the pager`, FIRE_WITHIN_MS, async () => delivered(JOINT, 'firing'));
    const fireSeconds = (fired.at - faultsOn) / 1000;
    assert.equal(fired.path, '/pager');
    assert.equal(fired.alert.labels.severity, 'critical');
    assert.equal(fired.alert.labels.traffic, 'prod');
    assert.equal(fired.alert.labels.job, 'paysidecar');
    assert.equal(fired.alert.labels.service, 'payments');
    assert.match(fired.alert.annotations.description, /^paysidecar: \d+(\.\d+)?% of production requests fail/);
    assert.match(fired.alert.annotations.runbook_url, /#paysidecarpaymentsdegraded$/);
    // The link opens the dashboard on the alert's job and traffic, from an hour before the evaluation that fired to 10 minutes after.
    const link = /\/d\/paysidecar-golden\/.*\?var-job=paysidecar&var-traffic=prod&from=(\d+)&to=(\d+)$/.exec(fired.alert.annotations.dashboard_url);
    assert.ok(link, fired.alert.annotations.dashboard_url);
    const [from, to] = [Number(link[1]), Number(link[2])];
    assert.equal(to - from, 70 * 60_000);
    assert.ok(Math.abs(to - 10 * 60_000 - fired.at) < 60_000, `evaluated at ${new Date(to - 10 * 60_000).toISOString()}, delivered at ${new Date(fired.at).toISOString()}`);
    // Stress traffic was running while prod degraded: the guard must say "stop the stress test".
    const guard = await waitFor(`${GUARD} firing at the pager`, 30_000, async () => delivered(GUARD, 'firing'));
    assert.equal(guard.path, '/pager');

    const faultsOff = Date.now();
    await setFaults({});
    const resolved = await waitFor(`${JOINT} resolved at the pager`, RESOLVE_WITHIN_MS, async () => {
      const r = delivered(JOINT, 'resolved');
      return r && r.at > faultsOff ? r : undefined;
    });
    assert.equal(resolved.path, '/pager');
    const resolveSeconds = (resolved.at - faultsOff) / 1000;
    t.diagnostic(`joint alert: firing ${fireSeconds.toFixed(1)} s after faults on, resolved ${resolveSeconds.toFixed(1)} s after faults off`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${diagnostics()}`);
  }
});

interface DashTarget {
  expr: string;
  refId: string;
  instant?: boolean;
  exemplar?: boolean;
}
interface DashVariable {
  name: string;
  type: string;
  query?: unknown;
}

/** What Grafana sends for "All" on every variable, and a rate window that fits a 1 s scrape. */
function substitute(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '10s')
    .replace(/\$(job|instance|route|traffic)\b/g, '.+');
}

/** `or on() vector(0)` answered alone: the panel draws 0 because the counter never moved. */
function onlyZeroFallback(result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[]): boolean {
  return result.length === 1 && Object.keys(result[0].metric).length === 0 && (result[0].values ?? [result[0].value!]).every(([, v]) => v === '0');
}

test('after mixed load, every dashboard query (variables substituted) returns data from Prometheus', { timeout: 120_000 }, async (t) => {
  const end = Date.now() / 1000;
  const start = startedAt / 1000;
  const empty: string[] = [];
  const zeroOnly: string[] = [];
  let queries = 0;
  let exemplarQueries = 0;
  try {
    // The product's dashboards, and the example's: this stack runs the example gateway.
    const files = [...DASHBOARDS.map((ref) => ({ ref, path: join('dashboards', ref.file) })), { ref: GATEWAY_DASHBOARD, path: join(EXAMPLE_DASHBOARDS_DIR, GATEWAY_DASHBOARD.file) }];
    for (const { ref, path } of files) {
      const d = JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as {
        panels: { type: string; title: string; targets?: DashTarget[] }[];
        templating: { list: DashVariable[] };
        annotations: { list: { name: string; expr?: string }[] };
      };
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const m = /^label_values\((.*), ([a-z_]+)\)$/.exec(String(v.query));
        assert.ok(m, `${ref.uid} variable ${v.name}: ${String(v.query)}`);
        const res = await fetch(`${prom!.url}/api/v1/label/${m[2]}/values?${new URLSearchParams({ 'match[]': substitute(m[1]), start: String(start), end: String(end) })}`);
        const values = ((await res.json()) as { data: string[] }).data;
        queries++;
        if (!values.length) empty.push(`${ref.uid} variable ${v.name}: ${String(v.query)}`);
      }
      for (const p of d.panels.filter((x) => x.type !== 'row')) {
        for (const q of p.targets ?? []) {
          const expr = substitute(q.expr);
          const result = q.instant ? await instantQuery(prom!.url, expr) : await rangeQuery(prom!.url, expr, start, end, 2);
          queries++;
          if (result.length === 0) empty.push(`${ref.uid} "${p.title}" ${q.refId}: ${expr}`);
          else if (onlyZeroFallback(result)) zeroOnly.push(`${ref.uid} "${p.title}" ${q.refId}`);
          if (q.exemplar) {
            // What Grafana asks for the panel's dots: the query's selectors, over the range.
            const series = await queryExemplars(prom!.url, expr, start, end);
            queries++;
            exemplarQueries++;
            if (!series.some((x) => x.exemplars.some((e) => /^[0-9a-f]{32}$/.test(e.labels.trace_id ?? '')))) empty.push(`${ref.uid} "${p.title}" ${q.refId} exemplars: ${expr}`);
          }
        }
      }
      for (const a of d.annotations.list.filter((x) => x.expr)) {
        const result = await rangeQuery(prom!.url, substitute(a.expr!), start, end, 2);
        queries++;
        if (result.length === 0) empty.push(`${ref.uid} annotation "${a.name}": ${a.expr}`);
      }
    }
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${diagnostics()}`);
  }
  assert.ok(exemplarQueries >= 3, `${exemplarQueries} exemplar queries`);
  t.diagnostic(`dashboards: ${queries} queries (${exemplarQueries} for exemplars), ${empty.length} empty, ${zeroOnly.length} drawing only 0 (${zeroOnly.join('; ')}); load ${JSON.stringify(load!.stats)}`);
  assert.deepEqual(empty, [], `queries that returned no data:\n${empty.join('\n')}`);
});
