/**
 * The status page's data: the ring computes rates and last-minute quantiles from cumulative
 * readings with bounded memory, the recent-requests set keeps the slowest and the failed, and on a
 * real sidecar /status/data.json agrees with /metrics while a page read leaves the runtime
 * sampler's scrape interval alone.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar, type TestSidecar } from '../helpers/sidecar';
import { bucketQuantile } from '../../src/admin/status/quantile';
import { RecentRequests } from '../../src/proxy/recent-requests';
import { StatusRing } from '../../src/admin/status/ring';
import type { Reading } from '../../src/admin/status/snapshot';
import { signStressToken } from '../../src/context/stress-token';
import { REQUEST_DURATION_BUCKETS } from '../../src/telemetry/names';
import type { StatusData } from '../../src/admin/status/status';

const LOOP = { utilization: 0.5, delayP50Ms: 1, delayP99Ms: 2, delayMaxMs: 3 };

function reading(at: number, count: number, slowShare = 0, errors = 0): Reading {
  // `count` requests so far, `slowShare` of them in the 0.25-0.3 s bucket, the rest in 0.001-0.0025 s.
  const buckets = new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0);
  const slow = Math.round(count * slowShare);
  buckets[2] = count - slow;
  buckets[9] = slow;
  return {
    at, boundaries: REQUEST_DURATION_BUCKETS, routes: new Map([['prod /api/orders', { route: '/api/orders', traffic: 'prod', count, errors, buckets }]]),
    inflight: { prod: 1 }, upstreamErrors: { timeout: errors }, rejections: {}, shed: {}, gc: { minor: { count: at / 100, seconds: at / 1e5 } },
    cpuSeconds: at / 2000, heapUsed: 1, heapTotal: 2, heapLimit: 3, rss: 4, tcp: { ESTABLISHED: 2 },
  };
}

describe('bucketQuantile', () => {
  it('interpolates inside the bucket as histogram_quantile does', () => {
    assert.equal(bucketQuantile(0.5, [1, 2, 4], [0, 10, 0, 0]), 1.5);
    assert.equal(bucketQuantile(0.99, [1, 2, 4], [50, 0, 50, 0]), 2 + 2 * 0.98);
    assert.equal(bucketQuantile(0.5, [1, 2], [0, 0, 5]), 2, 'the open top bucket answers its lower edge');
    assert.equal(bucketQuantile(0.5, [1, 2], [0, 0, 0]), null);
  });
});

describe('StatusRing', () => {
  it('turns cumulative readings into per-second rates and last-minute quantiles', () => {
    const ring = new StatusRing(10, 60_000);
    assert.equal(ring.push(reading(1000, 0), LOOP), undefined, 'the first reading is the base');
    const f = ring.push(reading(3000, 400, 0.5, 8), LOOP)!;
    const r = ring.routes[0];
    assert.equal(r.rps, 200);
    assert.equal(r.errorsPerSecond, 4);
    assert.equal(r.count, 400);
    assert.equal(r.minuteErrorRatio, 0.02);
    assert.ok(r.p50Ms! > 1 && r.p50Ms! <= 2.5, `p50 ${r.p50Ms}`);
    assert.ok(r.p99Ms! > 250 && r.p99Ms! <= 300, `p99 ${r.p99Ms}`);
    assert.deepEqual(f.traffic.prod.count, 400);
    assert.equal(f.upstreamErrorsPerSecond.timeout, 4);
    assert.equal(f.runtime.cpuCores, 0.5);
    assert.ok(Math.abs(f.runtime.gcMsPerSecond.minor - 10) < 1e-9);
    assert.equal(f.runtime.eventLoopUtilization, 0.5);
  });

  it('forgets slow requests older than the window in its quantiles', () => {
    const ring = new StatusRing(1000, 60_000);
    ring.push(reading(0, 0), LOOP);
    ring.push(reading(1000, 100, 1), LOOP); // 100 slow requests in the first second
    for (let s = 2; s <= 70; s++) ring.push({ ...reading(s * 1000, 100 + (s - 1) * 100), routes: new Map([['prod /api/orders', { ...reading(0, 0).routes.get('prod /api/orders')!, count: 100 + (s - 1) * 100, buckets: bucketsWith(s) }]]) }, LOOP);
    assert.ok(ring.routes[0].p99Ms! < 2.5, `after a minute the slow second has left the window: p99 ${ring.routes[0].p99Ms}`);
    function bucketsWith(s: number) {
      const b = new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0);
      b[9] = 100;
      b[2] = (s - 1) * 100;
      return b;
    }
  });

  it('keeps at most `capacity` frames and serves those after a sequence number', () => {
    const ring = new StatusRing(5);
    for (let s = 0; s <= 20; s++) ring.push(reading(s * 1000, s * 10), LOOP);
    assert.equal(ring.size, 5);
    const all = ring.since(0);
    assert.deepEqual(all.map((f) => f.seq), [16, 17, 18, 19, 20]);
    assert.deepEqual(ring.since(18).map((f) => f.seq), [19, 20]);
    assert.deepEqual(ring.since(20), []);
  });
});

describe('RecentRequests', () => {
  it('keeps the slowest in a fixed set and the last failures, newest first', () => {
    const recent = new RecentRequests(3, 60_000);
    for (let i = 1; i <= 10; i++) recent.offer('GET', '/r', 200, i, 'prod', `trace-${i}`, undefined);
    recent.offer('POST', '/r', 502, 0.5, 'stress', 'trace-failed-1', 'connection_refused');
    recent.offer('POST', '/r', 499, 0.4, 'prod', 'trace-failed-2', 'client_aborted');
    const { slowest, failed } = recent.read();
    assert.deepEqual(slowest.map((r) => r.durationMs), [10, 9, 8]);
    assert.deepEqual(slowest.map((r) => r.traceId), ['trace-10', 'trace-9', 'trace-8']);
    assert.deepEqual(failed.map((r) => r.traceId).sort(), ['trace-failed-1', 'trace-failed-2']);
    assert.equal(failed.find((r) => r.traceId === 'trace-failed-1')!.errorType, 'connection_refused');
  });

  it('lets a slow request age out after its window', () => {
    const recent = new RecentRequests(2, 50);
    recent.offer('GET', '/r', 200, 900, 'prod', 'old', undefined);
    const later = Date.now() + 100;
    assert.deepEqual(recent.read(later).slowest, []);
    recent.offer('GET', '/r', 200, 5, 'prod', 'new', undefined);
    assert.deepEqual(recent.read().slowest.map((r) => r.traceId), ['new']);
  });
});

describe('status data on a running sidecar', { timeout: 60_000 }, () => {
  const SECRET = 'status-test-secret-value';
  let up: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream((req, res) => {
      const fail = req.url?.includes('fail');
      setTimeout(() => {
        res.writeHead(fail ? 503 : 200, { 'content-type': 'text/plain' });
        res.end('ok');
      }, req.url?.includes('slow') ? 120 : 0);
    });
    sc = await startTestSidecar({ upstream: up.url.href, stressSecret: SECRET, debugToken: 'status-test-debug-token' });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });

  const data = async (since = 0): Promise<StatusData> => {
    const r = await request(`${sc.admin}/status/data.json?since=${since}`);
    assert.equal(r.status, 200);
    return JSON.parse(r.body) as StatusData;
  };
  const waitForFrame = async (after: number): Promise<StatusData> => {
    for (let i = 0; i < 50; i++) {
      const d = await data(after);
      if (d.frames.length) return d;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no new frame within 5 s');
  };

  it('counts what /metrics counts, per route and traffic, and lists the slow and failed requests by trace id', async () => {
    for (let i = 0; i < 30; i++) await request(`${sc.base}/api/orders`);
    await request(`${sc.base}/api/orders/slow-1`);
    for (let i = 0; i < 3; i++) await request(`${sc.base}/api/orders/fail-${i}`);
    const token = signStressToken(SECRET, 'stress-v2');
    for (let i = 0; i < 7; i++) await request(`${sc.base}/api/orders`, { headers: { 'x-test-env': 'stress-v2', 'x-stress-token': token } });
    const seqBefore = (await data()).frames.at(-1)?.seq ?? 0;
    const d = await waitForFrame(seqBefore);
    const frame = d.frames.at(-1)!;
    const text = await sc.metricsText();
    const metricCount = (labels: Record<string, string>) => metricValue(text, 'http_server_request_duration_count', labels);
    const row = (traffic: string, route: string) => d.routes.find((r) => r.traffic === traffic && r.route === route);
    assert.equal(row('prod', '/api/orders')!.count, metricCount({ traffic: 'prod', http_route: '/api/orders' }));
    assert.equal(row('prod', '/api/orders')!.count, 30);
    assert.equal(row('stress', '/api/orders')!.count, 7);
    assert.equal(row('prod', '/api/orders/{out_trade_no}')!.errors, 3);
    assert.equal(frame.traffic.prod.count, metricCount({ traffic: 'prod' }));
    assert.equal(frame.traffic.stress.count, metricCount({ traffic: 'stress' }));
    assert.ok(row('prod', '/api/orders/{out_trade_no}')!.p99Ms! >= 100, 'the slow request shows in the route p99');

    assert.equal(d.recent.slowest[0].route, '/api/orders/{out_trade_no}');
    assert.ok(d.recent.slowest[0].durationMs >= 100);
    assert.match(d.recent.slowest[0].traceId, /^[0-9a-f]{32}$/);
    assert.deepEqual(d.recent.failed.map((r) => r.status), [503, 503, 503]);
    const body = JSON.stringify(d);
    assert.doesNotMatch(body, new RegExp(`${SECRET}|status-test-debug-token|${token}`), 'no secret or token in the page data');
  });

  it('reading the page leaves the runtime sampler\'s scrape interval to the scraper', async () => {
    await sc.metricsText();
    // A 300 ms block right after a scrape; three page readings (over two seconds) follow before the
    // next scrape, so had they started intervals, the scrape's would hold none of the block.
    const end = Date.now() + 300;
    while (Date.now() < end);
    const seq = (await data()).frames.at(-1)?.seq ?? 0;
    for (let i = 0; i < 3; i++) await waitForFrame(seq + i);
    const blockMax = metricValue(await sc.metricsText(), 'paysidecar_runtime_eventloop_block_max');
    assert.ok(blockMax >= 0.25, `the scrape still sees the block the page readings saw first: ${blockMax}`);
  });

  it('rejects a bad since with a JSON error and serves the page with a strict CSP', async () => {
    const bad = await request(`${sc.admin}/status/data.json?since=-1`);
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).code, 'PAYSIDECAR_BAD_PARAMETER');
    const page = await request(`${sc.admin}/`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.match(page.body, /<script src="\/status\/uplot.js"><\/script>/);
    for (const asset of ['/status/uplot.js', '/status/uplot.css', '/status/status.js', '/status/status.css']) {
      const r = await request(`${sc.admin}${asset}`);
      assert.equal(r.status, 200, asset);
      assert.ok(r.body.length > 500, `${asset} has content`);
    }
    assert.equal((await request(`${sc.admin}/status/nope`)).status, 404);
    assert.equal((await request(`${sc.admin}/`, { method: 'POST' })).status, 405);
  });
});

describe('the page ships with the package', () => {
  it('npm pack includes the page\'s files, and uPlot is a runtime dependency', async () => {
    const { execFileSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const { readFileSync } = await import('node:fs');
    const repo = join(__dirname, '..', '..', '..');
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ files: Array<{ path: string }> }>;
    const paths = new Set(packed[0].files.map((f) => f.path));
    for (const f of ['status.html', 'status.js', 'status.css']) assert.ok(paths.has(`src/admin/status/static/${f}`), `${f} is packed`);
    assert.ok(paths.has('dist/src/admin/status/routes.js'));
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.ok(pkg.dependencies.uplot, 'uplot is installed with the package, not only for development');
  });
});
