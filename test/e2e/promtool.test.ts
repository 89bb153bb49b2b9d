/**
 * The generated rules through Debian's promtool (Prometheus 2.42): they parse, their unit tests
 * pass, every alert is covered both ways, and the tests notice a broken rule.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { RULES_FILE, TESTS_DIR, alertFiles } from '../../src/generate/alerts/files';
import { resolveGeneratorConfig } from '../../src/generate/config';
import { writeGenerated } from '../../src/generate/files';
import { PROMETHEUS_EXAMPLE, PROMETHEUS_RULE_FILE } from '../../src/generate/deploy';
import { ROOT, run } from './tools';

const tmp = mkdtempSync(join(tmpdir(), 'paysidecar-promtool-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const rulesPath = join(ROOT, 'alerts', RULES_FILE);
const testFiles = readdirSync(join(ROOT, 'alerts', TESTS_DIR)).filter((f) => f.endsWith('.test.yml')).sort();

interface AlertTest {
  alertname: string;
  exp_alerts: unknown[];
}
interface TestGroup {
  name: string;
  input_series: { series: string }[];
  alert_rule_test?: AlertTest[];
}

test('promtool check rules accepts alerts/paysidecar.rules.yml and counts every rule', () => {
  const doc = parseYaml(readFileSync(rulesPath, 'utf8')) as { groups: { rules: unknown[] }[] };
  const count = doc.groups.reduce((n, g) => n + g.rules.length, 0);
  const r = run('promtool', ['check', 'rules', rulesPath]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`SUCCESS: ${count} rules found`));
});

test('promtool check rules accepts the PrometheusRule groups', () => {
  const pr = parseYaml(readFileSync(join(ROOT, 'deploy/kubernetes', PROMETHEUS_RULE_FILE), 'utf8')) as { spec: { groups: unknown } };
  const file = join(tmp, 'prometheusrule-groups.yml');
  writeFileSync(file, stringify({ groups: pr.spec.groups }));
  const r = run('promtool', ['check', 'rules', file]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('promtool check config accepts deploy/prometheus/prometheus.yml and the rule file it loads', () => {
  const r = run('promtool', ['check', 'config', join(ROOT, 'deploy/prometheus', PROMETHEUS_EXAMPLE)]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS: 1 rule files found/);
});

for (const file of testFiles) {
  test(`promtool test rules alerts/tests/${file}`, () => {
    const r = run('promtool', ['test', 'rules', join(ROOT, 'alerts', TESTS_DIR, file)], { timeoutMs: 300_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });
}

test('every alert has a case where it fires and one where it stays silent; prod alerts are tested against stress-only traffic', () => {
  const doc = parseYaml(readFileSync(rulesPath, 'utf8')) as { groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[] };
  const alerts = new Map<string, string>();
  for (const g of doc.groups) for (const r of g.rules) if (r.alert) alerts.set(r.alert, r.labels?.severity ?? '');
  const groups = testFiles.flatMap((f) => (parseYaml(readFileSync(join(ROOT, 'alerts', TESTS_DIR, f), 'utf8')) as { tests: TestGroup[] }).tests);
  for (const alert of alerts.keys()) {
    const checks = groups.flatMap((g) => (g.alert_rule_test ?? []).filter((t) => t.alertname === alert).map((t) => ({ g, t })));
    assert.ok(checks.some(({ t }) => t.exp_alerts.length > 0), `${alert}: no test where it fires`);
    assert.ok(checks.some(({ t }) => t.exp_alerts.length === 0), `${alert}: no test where it stays silent`);
  }
  for (const alert of [...alerts.keys()].filter((a) => /PaymentsDegraded|BudgetBurn|StressHurtingProd/.test(a))) {
    const stressOnly = groups.some(
      (g) =>
        /stress/i.test(g.name) &&
        g.input_series.some((s) => s.series.includes('traffic="stress"')) &&
        (g.alert_rule_test ?? []).some((t) => t.alertname === alert && t.exp_alerts.length === 0),
    );
    assert.ok(stressOnly, `${alert}: no test showing stress traffic alone leaves it silent`);
  }
});

/** Copies the rules with one edit, and the test files pointing at the copy; returns promtool's verdict. */
function mutate(edit: (rules: string) => string): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmp, 'mutant-'));
  const original = readFileSync(rulesPath, 'utf8');
  const mutant = edit(original);
  assert.notEqual(mutant, original, 'the mutation changed nothing');
  writeFileSync(join(dir, RULES_FILE), mutant);
  const files = testFiles.map((f) => {
    const text = readFileSync(join(ROOT, 'alerts', TESTS_DIR, f), 'utf8').replace(`../${RULES_FILE}`, RULES_FILE);
    writeFileSync(join(dir, f), text);
    return join(dir, f);
  });
  const r = run('promtool', ['test', 'rules', ...files], { timeoutMs: 300_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('the promtool tests catch a production alert that also counts stress traffic', () => {
  const r = mutate((rules) => rules.replaceAll('{traffic="prod"}', '{traffic=~".+"}'));
  assert.notEqual(r.status, 0);
  assert.match(r.out, /stress traffic alone/);
});

test('the promtool tests catch a joint alert whose error threshold drifted', () => {
  const r = mutate((rules) => rules.replace(/(ratio_rate5m\{traffic="prod"\}) > 0\.05\n/, '$1 > 0.5\n'));
  assert.notEqual(r.status, 0);
  assert.match(r.out, /joint alert: errors, p99 and rate all over their thresholds/);
});

test('the promtool tests catch an event alert that reads increase() alone (blind to the first failure of a lazily created counter)', () => {
  const r = mutate((rules) => rules.replace(/(alert: PaysidecarConfigReloadFailed\n\s+expr: \|-?\n[^\n]*\n)\s+or\n[^\n]*offset[^\n]*\n/, '$1'));
  assert.notEqual(r.status, 0);
  assert.match(r.out, /the first failed reload \(a new series, already at 1\) → fires/);
});

for (const [what, raw] of [
  ['the agent merged into the sidecar\'s /metrics', { agentMetrics: 'merged' }],
  ['other thresholds, job names, SLO targets and a 2m alert window', { jobs: { sidecar: 'pay-proxy', agent: 'pay-agent' }, alertWindow: '2m', joint: { errorRatio: 0.02, minRps: 20, p99Seconds: 1 }, slo: { availability: 0.995, latency: 0.95, latencySeconds: 0.8 }, stressGuard: { p99Seconds: 0.5 }, host: { timeWaitMin: 1000 } }],
] as const) {
  test(`generated with ${what}, the rules pass the promtool tests generated with them`, () => {
    const dir = mkdtempSync(join(tmp, 'config-'));
    const files = alertFiles(resolveGeneratorConfig(raw));
    writeGenerated(dir, files);
    const tests = files.filter((f) => f.path.startsWith(`${TESTS_DIR}/`)).map((f) => join(dir, f.path));
    const check = run('promtool', ['check', 'rules', join(dir, RULES_FILE)]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const r = run('promtool', ['test', 'rules', ...tests], { timeoutMs: 300_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}
