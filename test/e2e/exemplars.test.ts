/**
 * The chain an on-call engineer follows, against a real Prometheus with exemplar storage: slow
 * payment requests through `paysidecar run` → exemplars on the request-duration buckets in
 * Prometheus (/api/v1/query_exemplars) → the same trace id in the sidecar's access log (same route
 * and status) and in the spans the sidecar exported over OTLP.
 *
 * Head sampling is 0.01, as in production: the slow successes carry a client traceparent that is
 * sampled (the client chose to trace them), the slow failures carry none and are kept by the
 * sidecar's tail rule, and the fast unsampled successes must not become exemplars at all, since
 * their traces were never exported.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startPlatform, type RunningPlatform } from '../../examples/payments/platform/server';
import { startGateway, type RunningGateway } from '../../examples/payments/gateway/server';
import { parseGatewayFaults, type GatewayFaults } from '../../examples/payments/gateway/inbound/faults';
import { GATEWAY_ROUTE_TEMPLATES } from '../../examples/payments/gateway/route-templates';
import { REQUEST_DURATION_BUCKETS } from '../../src/telemetry/names';
import { request } from '../helpers/sidecar';
import { silent, tempKeys, type TempKeys } from '../example/platform/harness';
import { runCli, type CliProcess } from '../example/gateway/cli-process';
import { startReceiver, type Receiver } from '../otlp/receiver';
import { freePort, queryExemplars, startPrometheus, waitFor, type ExemplarSeries, type Process } from './servers';

const SLOW_MS = 350;
const SLOW_BUCKET = '0.5';

let keys: TempKeys;
let platform: RunningPlatform;
let gateway: RunningGateway;
let receiver: Receiver;
let sidecar: CliProcess;
let prom: Process;
let proxy: string;
let admin: string;

before(async () => {
  keys = await tempKeys('paysidecar-e2e-exemplars-');
  platform = await startPlatform({ keysDir: keys.dir, port: 0, logger: silent, notifyTimeScale: 0.001 });
  gateway = await startGateway({ keysDir: keys.dir, port: 0, platformUrl: platform.url, logger: silent, accounts: { erin: 10_000_000 } });
  receiver = await startReceiver();
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  proxy = `http://127.0.0.1:${proxyPort}`;
  admin = `127.0.0.1:${adminPort}`;
  sidecar = runCli(
    [
      'run', '--listen', `127.0.0.1:${proxyPort}`, '--admin', admin, '--upstream', gateway.url,
      '--access-log', 'stdout', '--host-interval', '0', '--log-level', 'warn',
      '--route', GATEWAY_ROUTE_TEMPLATES.join(','),
      '--otlp-endpoint', receiver.url, '--trace-sample-ratio', '0.01',
    ],
    { OTEL_BSP_SCHEDULE_DELAY: '200' },
  );
  await waitFor('paysidecar run listening', 15_000, async () => ((await fetch(`http://${admin}/ready`)).ok ? true : undefined));
  prom = await startPrometheus(
    ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: paysidecar', '    static_configs:', `      - targets: ['${admin}']`, ''].join('\n'),
    {},
    ['--enable-feature=exemplar-storage'],
  );
});

after(async () => {
  await prom?.stop();
  await sidecar?.kill('SIGTERM');
  await receiver?.close();
  await gateway?.close();
  await platform?.close();
  keys?.cleanup();
});

function setFaults(raw: Record<string, unknown>): void {
  const faults = parseGatewayFaults(raw);
  assert.notEqual(typeof faults, 'string', String(faults));
  gateway.faults.set(faults as GatewayFaults);
}

const order = (headers: Record<string, string> = {}) =>
  request(`${proxy}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ amount: 1, description: 'exemplar e2e', type: 'native', account: 'erin' }),
  });

function accessLog(): Record<string, any>[] {
  return sidecar.lines.flatMap((l) => {
    try {
      const r = JSON.parse(l) as Record<string, any>;
      return r.trace_id !== undefined && r.route !== undefined ? [r] : [];
    } catch {
      return [];
    }
  });
}

/** Sum of the samples of `name` in Prometheus' own /metrics. */
async function promSelfMetric(name: string): Promise<number> {
  const text = await (await fetch(`${prom.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

test('slow request → exemplar in Prometheus → the same trace id in the access log and in the exported spans', { timeout: 120_000 }, async (t) => {
  const started = Date.now() / 1000 - 5;

  setFaults({ latencyMs: SLOW_MS });
  const slowSampled: string[] = [];
  for (let i = 0; i < 4; i++) {
    const traceId = randomBytes(16).toString('hex');
    const r = await order({ traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
    assert.equal(r.status, 201, r.body);
    slowSampled.push(traceId);
  }
  setFaults({ latencyMs: SLOW_MS, errorRate: 1 });
  for (let i = 0; i < 4; i++) assert.equal((await order()).status, 500);
  setFaults({});
  const fast: string[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await request(`${proxy}/api/accounts/erin`);
    assert.equal(r.status, 200, r.body);
    fast.push(String(r.headers['x-trace-id']).slice(3));
  }

  // The slow buckets: every one above the injected latency (0.5 s, or higher on a loaded machine).
  const slowIds = (series: ExemplarSeries[], status: string) =>
    series
      .filter((s) => s.seriesLabels.http_route === '/api/orders' && s.seriesLabels.http_response_status_code === status && (s.seriesLabels.le === '+Inf' || Number(s.seriesLabels.le) >= Number(SLOW_BUCKET)))
      .flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
  const series = await waitFor('exemplars for the slow 201 and 500 buckets', 30_000, async () => {
    const got = await queryExemplars(prom.url, 'http_server_request_duration_bucket', started, Date.now() / 1000 + 5);
    return slowIds(got, '201').length && slowIds(got, '500').length ? got : undefined;
  });
  for (const id of slowIds(series, '201')) assert.ok(slowSampled.includes(id), `the slow success exemplar ${id} is one of the client-sampled orders`);

  // Every exemplar Prometheus holds leads to its request: same route and status in the access log, spans exported.
  await waitFor('spans and access-log lines of every exemplar', 10_000, async () => {
    const ids = series.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id));
    const logged = new Set(accessLog().map((r) => r.trace_id));
    const exported = new Set(receiver.spans.map((s) => s.traceId));
    return ids.every((id) => logged.has(id) && exported.has(id)) ? true : undefined;
  });
  const log = accessLog();
  let checked = 0;
  for (const s of series) {
    const le = s.seriesLabels.le;
    const i = le === '+Inf' ? REQUEST_DURATION_BUCKETS.length : REQUEST_DURATION_BUCKETS.indexOf(Number(le) as never);
    for (const e of s.exemplars) {
      const id = e.labels.trace_id;
      assert.match(id, /^[0-9a-f]{32}$/);
      assert.match(e.labels.span_id, /^[0-9a-f]{16}$/);
      const line = log.find((r) => r.trace_id === id);
      assert.ok(line, `trace ${id} in the access log`);
      assert.equal(line.route, s.seriesLabels.http_route);
      assert.equal(String(line.status), s.seriesLabels.http_response_status_code);
      assert.equal(line.span_id, e.labels.span_id);
      const span = receiver.spans.find((x) => x.traceId === id && x.spanId === e.labels.span_id);
      assert.ok(span, `the sidecar span of trace ${id} was exported`);
      assert.equal(span.attributes['http.route'], s.seriesLabels.http_route);
      assert.equal(String(span.attributes['http.response.status_code']), s.seriesLabels.http_response_status_code);
      // The exemplar sits on the bucket its value falls in.
      const value = Number(e.value);
      assert.ok(value <= (i < REQUEST_DURATION_BUCKETS.length ? REQUEST_DURATION_BUCKETS[i] : Infinity) && (i === 0 || value > REQUEST_DURATION_BUCKETS[i - 1]), `${value} in le=${le}`);
      checked++;
    }
  }
  const fastExemplars = series.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id)).filter((id) => fast.includes(id));
  const fastExported = fast.filter((id) => receiver.spans.some((s) => s.traceId === id));
  assert.ok(fastExemplars.every((id) => fastExported.includes(id)), 'an unsampled fast request never became an exemplar');
  t.diagnostic(`${checked} exemplars checked across ${series.length} series; ${fastExported.length} of ${fast.length} fast requests head-sampled`);

  // Prometheus took the OpenMetrics exposition cleanly.
  const targets = (await (await fetch(`${prom.url}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
  assert.deepEqual(targets.data.activeTargets.map((x) => [x.health, x.lastError]), [['up', '']]);
  assert.ok((await promSelfMetric('prometheus_tsdb_exemplar_exemplars_appended_total')) >= 2);
  assert.equal(await promSelfMetric('prometheus_target_scrapes_exemplar_out_of_order_total'), 0);
  assert.equal(await promSelfMetric('prometheus_tsdb_exemplar_out_of_order_exemplars_total'), 0);
  assert.equal(await promSelfMetric('prometheus_target_scrapes_sample_out_of_order_total'), 0);
  assert.equal(await promSelfMetric('prometheus_target_scrapes_sample_duplicate_timestamp_total'), 0);
});
