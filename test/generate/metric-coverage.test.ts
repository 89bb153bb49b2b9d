/**
 * Every metric the product emits is drawn on a dashboard panel or read by an alerting or recording
 * rule, or listed with its reason in src/generate/unpanelled.ts — so a new metric cannot ship
 * unseen (a failed reload that pages nobody). The list is checked the other way too: an entry a
 * panel or rule reads after all is stale. The example's gateway metrics must all be on the
 * example's dashboard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { paymentGatewayDashboard } from '../../examples/payments/dashboards/gateway';
import * as gatewayNames from '../../examples/payments/gateway/names';
import { recordingGroups } from '../../src/generate/alerts/recording';
import { alertGroups } from '../../src/generate/alerts/rules';
import { resolveGeneratorConfig, type GeneratorConfig } from '../../src/generate/config';
import { DASHBOARDS, HEALTH } from '../../src/generate/dashboards/catalog';
import { buildDashboard } from '../../src/generate/dashboards/files';
import { UNPANELLED } from '../../src/generate/unpanelled';
import * as names from '../../src/telemetry/names';
import { prom, type MetricName } from '../../src/telemetry/names';
import { ROOT, metricNames, seriesIn, seriesOf } from './lint';

/** Both ways the agent's metrics reach Prometheus: some rules exist only in one of them. */
const CONFIGS: readonly GeneratorConfig[] = [resolveGeneratorConfig({}), resolveGeneratorConfig({ agentMetrics: 'merged' })];

function panelExprs(d: dashboard.Dashboard): string[] {
  const panels = (d.panels ?? []).flatMap((p) => (p.type === 'row' ? ((p as dashboard.RowPanel).panels ?? []) : [p]));
  return panels.flatMap((p) => ((p as dashboard.Panel).targets ?? []).map((t) => String((t as { expr?: unknown }).expr ?? '')));
}

function ruleExprs(config: GeneratorConfig): string[] {
  return [...recordingGroups(config), ...alertGroups(config)].flatMap((g) => g.rules.map((r) => r.expr));
}

/** Series read by the product's dashboards and rules. */
function productReads(dashboards: readonly dashboard.Dashboard[]): Set<string> {
  return new Set([...dashboards.flatMap(panelExprs), ...CONFIGS.flatMap(ruleExprs)].flatMap(seriesIn));
}

function uncovered(metrics: readonly MetricName[], read: ReadonlySet<string>, unpanelled: Readonly<Record<string, string>>): string[] {
  return metrics.filter((m) => !seriesOf(m).some((s) => read.has(s)) && !(prom(m) in unpanelled)).map(prom);
}

const productDashboards = () => CONFIGS.flatMap((c) => DASHBOARDS.map((ref) => buildDashboard(c, ref)));
const PRODUCT = metricNames(names);

test('the enumeration sees every metric declared in src/telemetry/names/ (exported, namespaced or in a record)', () => {
  const dir = join(ROOT, 'src/telemetry/names');
  const declared = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/\bmetric\(\s*(['`])([^'`]+)\1/g)].map((m) => m[2]));
  assert.ok(declared.length >= 40, `only ${declared.length} metric(...) declarations found: the scan is broken`);
  const otel = PRODUCT.map((m) => m.otel);
  for (const d of declared) {
    // `nodejs.eventloop.delay.${s}` declares one metric per stat.
    const pattern = new RegExp(`^${d.replace(/[.*+?^()|[\]\\]/g, '\\$&').replace(/\$\{[^}]+\}/g, '[a-z0-9_]+')}$`);
    assert.ok(otel.some((o) => pattern.test(o)), `${d} is declared in src/telemetry/names/ but not reachable from its index`);
  }
  assert.ok(PRODUCT.length >= declared.length, `${PRODUCT.length} metrics enumerated, ${declared.length} declarations`);
});

test('every product metric is on a dashboard panel, in a rule, or in src/generate/unpanelled.ts with a reason', () => {
  const missing = uncovered(PRODUCT, productReads(productDashboards()), UNPANELLED);
  assert.deepEqual(
    missing,
    [],
    `on no dashboard panel and in no alert: ${missing.join(', ')}. Draw them (src/generate/dashboards/), alert on them (src/generate/alerts/), or say why not in src/generate/unpanelled.ts`,
  );
});

test('src/generate/unpanelled.ts names only product metrics that really are left out, each with a reason', () => {
  const read = productReads(productDashboards());
  const known = new Set(PRODUCT.map(prom));
  for (const [name, reason] of Object.entries(UNPANELLED)) {
    assert.ok(known.has(name), `unpanelled.ts lists ${name}, which src/telemetry/names/ does not define`);
    assert.ok(reason.trim().length > 20, `unpanelled.ts: ${name} needs a reason`);
    const m = PRODUCT.find((x) => prom(x) === name)!;
    assert.ok(!seriesOf(m).some((s) => read.has(s)), `unpanelled.ts lists ${name}, but a panel or rule reads it: remove the entry`);
  }
});

test("every gateway metric is on the example's dashboard", () => {
  const read = new Set(panelExprs(paymentGatewayDashboard(CONFIGS[0])).flatMap(seriesIn));
  const metrics = metricNames(gatewayNames);
  assert.ok(metrics.length >= 14, `${metrics.length} gateway metrics enumerated`);
  assert.deepEqual(uncovered(metrics, read, {}), [], 'gateway metrics missing from examples/payments/dashboards/gateway.ts');
});

test('the guard has teeth: a panel taken away, or an entry that hides a drawn metric, is reported', () => {
  const invalid = prom(names.TRACE_INVALID_PARENT);
  const without = productDashboards().map((d) =>
    d.uid !== HEALTH.uid
      ? d
      : {
          ...d,
          panels: (d.panels ?? []).filter((p) => !((p as dashboard.Panel).targets ?? []).some((t) => String((t as { expr?: unknown }).expr).includes(invalid))),
        },
  );
  assert.notDeepEqual(without, productDashboards(), 'the edit removed nothing');
  assert.deepEqual(uncovered(PRODUCT, productReads(without), UNPANELLED), [invalid]);
  // The same metric listed as unpanelled is accepted again (that is what the list is for)…
  assert.deepEqual(uncovered(PRODUCT, productReads(without), { ...UNPANELLED, [invalid]: 'reason' }), []);
  // …and a metric nothing reads and nothing lists is the failure the second test reports.
  const gcRatio = prom(names.runtime.GC_TIME_RATIO);
  const shorter = Object.fromEntries(Object.entries(UNPANELLED).filter(([name]) => name !== gcRatio));
  assert.deepEqual(uncovered(PRODUCT, productReads(productDashboards()), shorter), [gcRatio]);
});
