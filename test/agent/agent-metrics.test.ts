/**
 * The sidecar's merge of the agent's /metrics (`--agent-metrics URL`): relabelling, one valid
 * exposition (checked with promtool), and a slow, dead or failing agent that never slows or
 * breaks the sidecar's scrape: timeout, last good copy while fresh, then nothing, with
 * paysidecar_agent_up saying which.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { addLabel, createAgentMetricsSource, mergeExpositions } from '../../src/admin/agent-metrics';
import { startRuntimeSampler } from '../../src/runtime/sampler';
import { promMeter, value } from '../runtime/prom-text';
import { startApp, type AppProcess } from './app-process';

const AGENT_TEXT = `# HELP nodejs_eventloop_delay_p99 Event loop delay p99.
# TYPE nodejs_eventloop_delay_p99 gauge
nodejs_eventloop_delay_p99{otel_scope_name="paysidecar-agent"} 0.002
# HELP fixture_orders_total orders
# TYPE fixture_orders_total counter
fixture_orders_total{type="native"} 3
`;

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A fake agent whose behaviour the test switches. */
async function fakeAgent() {
  const state = { mode: 'ok' as 'ok' | 'slow' | 'error', requests: 0, body: AGENT_TEXT };
  const server: Server = createServer((req, res) => {
    state.requests++;
    if (state.mode === 'error') {
      res.writeHead(500);
      res.end('boom');
    } else if (state.mode === 'slow') {
      setTimeout(() => res.end(state.body), 1500);
    } else {
      res.end(state.body);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { state, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` };
}

function captureLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  return {
    lines,
    warn: (_o: object, msg: string) => lines.push({ level: 'warn', msg }),
    info: (_o: object, msg: string) => lines.push({ level: 'info', msg }),
    error: (_o: object, msg: string) => lines.push({ level: 'error', msg }),
  };
}

function promtoolParses(text: string): void {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('promtool is not installed: install Debian prometheus (scripts/ensure-test-tools.sh does)');
  }
  // Exit 3 is lint advice about names; exit 1 is a parse error.
  assert.notEqual(r.status, 1, `promtool could not parse the merged exposition:\n${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stdout + r.stderr, /parsing error|second (HELP|TYPE) line/);
}

function seriesKeys(text: string): string[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
}

describe('agent metrics merge', () => {
  test('addLabel adds the source label to every sample and leaves comments alone', () => {
    const out = addLabel('# HELP a x\n# TYPE a gauge\na 1\nb{} 2\nc{x="}{ y"} 3 1700000000\nd_bucket{le="+Inf"} 4\n', 'paysidecar_source', 'agent');
    assert.equal(
      out,
      '# HELP a x\n# TYPE a gauge\na{paysidecar_source="agent"} 1\nb{paysidecar_source="agent"} 2\nc{paysidecar_source="agent",x="}{ y"} 3 1700000000\nd_bucket{paysidecar_source="agent",le="+Inf"} 4\n',
    );
  });

  test('the merged exposition is valid: one HELP/TYPE per family, no duplicate series, promtool parses it', async () => {
    const own = promMeter();
    const sampler = startRuntimeSampler(own.meter);
    cleanups.push(() => own.shutdown(), () => sampler.stop());
    own.meter.createCounter('fixture.orders').add(1, { type: 'native' });
    const merged = mergeExpositions(await own.text(), addLabel(AGENT_TEXT, 'paysidecar_source', 'agent'));
    const types = merged.split('\n').filter((l) => l.startsWith('# TYPE '));
    assert.equal(new Set(types).size, types.length, 'each family typed once');
    const keys = seriesKeys(merged);
    assert.equal(new Set(keys).size, keys.length, 'no series twice');
    assert.ok(keys.some((k) => k.startsWith('nodejs_eventloop_delay_p99{') && !k.includes('paysidecar_source')), "the sidecar's own series");
    assert.ok(keys.includes('nodejs_eventloop_delay_p99{paysidecar_source="agent",otel_scope_name="paysidecar-agent"}'), "the agent's, labelled");
    // Samples of a family stay together under its TYPE line.
    const lines = merged.split('\n');
    const typeAt = lines.indexOf('# TYPE fixture_orders_total counter');
    const agentOrders = lines.findIndex((l) => l.startsWith('fixture_orders_total{paysidecar_source="agent"'));
    assert.ok(typeAt >= 0 && agentOrders > typeAt && lines.slice(typeAt + 1, agentOrders).every((l) => l.startsWith('fixture_orders_total')));
    promtoolParses(merged);
  });

  test('a healthy agent: fresh text, paysidecar_agent_up 1', async () => {
    const agent = await fakeAgent();
    const gauges = promMeter();
    cleanups.push(() => gauges.shutdown());
    const source = createAgentMetricsSource(agent.url, { meter: gauges.meter });
    cleanups.push(() => source.close());
    const text = await source.text();
    assert.match(text, /^fixture_orders_total\{paysidecar_source="agent",type="native"\} 3$/m);
    const g = await gauges.text();
    assert.equal(value(g, 'paysidecar_agent_up'), 1);
    assert.ok(value(g, 'paysidecar_agent_scrape_duration') > 0);
  });

  test('a slow agent costs at most the timeout: last good copy, up 0, one fetch in flight, one warning', async () => {
    const agent = await fakeAgent();
    const gauges = promMeter();
    const log = captureLogger();
    cleanups.push(() => gauges.shutdown());
    const source = createAgentMetricsSource(agent.url, { meter: gauges.meter, timeoutMs: 200, logger: log });
    cleanups.push(() => source.close());
    const good = await source.text();
    agent.state.mode = 'slow';
    agent.state.body = AGENT_TEXT.replace(' 3\n', ' 4\n');
    const requestsBefore = agent.state.requests;
    const t0 = performance.now();
    const answers = await Promise.all([source.text(), source.text(), source.text(), source.text()]);
    const took = performance.now() - t0;
    assert.ok(took < 800, `waited ${took.toFixed(0)} ms for a 200 ms timeout`);
    assert.ok(answers.every((a) => a === good), 'the last good copy');
    assert.equal(agent.state.requests - requestsBefore, 1, 'one fetch, not one per scrape');
    assert.equal(value(await gauges.text(), 'paysidecar_agent_up'), 0);
    assert.equal(value(await gauges.text(), 'paysidecar_agent_scrape_duration'), 0.2);
    assert.deepEqual(log.lines.map((l) => l.level), ['warn']);
    // The slow answer still lands and refreshes the copy for a later scrape.
    await new Promise((r) => setTimeout(r, 1600));
    agent.state.mode = 'ok';
    assert.match(await source.text(), /\} 4$/m);
    assert.equal(value(await gauges.text(), 'paysidecar_agent_up'), 1);
    assert.deepEqual(log.lines.map((l) => l.level), ['warn', 'info']);
  });

  test('a failing or dead agent: last good copy while fresh, then nothing', async () => {
    const agent = await fakeAgent();
    const gauges = promMeter();
    cleanups.push(() => gauges.shutdown());
    const source = createAgentMetricsSource(agent.url, { meter: gauges.meter, timeoutMs: 500, maxStaleMs: 300 });
    cleanups.push(() => source.close());
    const good = await source.text();
    agent.state.mode = 'error';
    assert.equal(await source.text(), good, 'HTTP 500: the last good copy');
    assert.equal(value(await gauges.text(), 'paysidecar_agent_up'), 0);
    agent.server.closeAllConnections();
    await new Promise((r) => agent.server.close(r));
    assert.equal(await source.text(), good, 'connection refused: the last good copy');
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(await source.text(), '', 'older than maxStaleMs: nothing');
    const never = createAgentMetricsSource(agent.url, { timeoutMs: 200 });
    assert.equal(await never.text(), '', 'never answered: nothing');
    never.close();
  });

  test('a real agent: the app runtime and own metrics merge into the sidecar exposition', async () => {
    const app: AppProcess = await startApp({ loader: 'require' });
    cleanups.push(() => app.stop());
    await fetch(`${app.base}/orders`);
    const own = promMeter();
    const sampler = startRuntimeSampler(own.meter);
    cleanups.push(() => own.shutdown(), () => sampler.stop());
    const source = createAgentMetricsSource(`${app.agent}/metrics`, { meter: own.meter });
    cleanups.push(() => source.close());
    const agentText = await source.text();
    const merged = mergeExpositions(await own.text(), agentText);
    assert.match(merged, /^fixture_orders_total\{paysidecar_source="agent",[^}]*\} 1$/m);
    assert.match(merged, /^nodejs_eventloop_delay_p99\{paysidecar_source="agent",/m);
    assert.match(merged, /^nodejs_eventloop_delay_p99\{otel_scope_name="test"/m);
    assert.match(merged, /^target_info\{paysidecar_source="agent",service_name="unknown_service:node"/m);
    const keys = seriesKeys(merged);
    assert.equal(new Set(keys).size, keys.length, 'no series twice');
    promtoolParses(merged);
  });

  test('a real agent: /metrics?quiet=1 (the status page) reads without starting a new interval; a scrape does', async () => {
    const app: AppProcess = await startApp({ loader: 'require' });
    cleanups.push(() => app.stop());
    const utilization = async (query: string) => value(await (await fetch(`${app.agent}/metrics${query}`)).text(), 'nodejs_eventloop_utilization');
    const scraped = await utilization('');
    // Past the sampler's 1 s minimum interval: a read that started one would see other figures.
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(await utilization('?quiet=1'), scraped, 'the quiet read repeats the scrape\'s interval');
    await fetch(`${app.base}/orders`);
    assert.notEqual(await utilization(''), scraped, 'the next scrape has an interval of its own');
  });
});
