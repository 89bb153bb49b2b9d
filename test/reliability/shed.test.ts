/**
 * Load shedding (`--max-inflight`): beyond the limit requests get 503 PAYSIDECAR_OVERLOADED with
 * Retry-After at once, never reach the app, and are counted in paysidecar_requests_shed_total
 * and as 503s in the request histogram; the app never sees more than the limit at a time; the
 * limit is off by default.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar } from '../helpers/sidecar';

/** An upstream that holds every request until released, and tracks how many it held at once. */
async function heldUpstream() {
  const held: Array<() => void> = [];
  let now = 0;
  let peak = 0;
  const up = await startUpstream((_req, res) => {
    now++;
    peak = Math.max(peak, now);
    held.push(() => {
      now--;
      res.end('done');
    });
  });
  return { up, held, peak: () => peak, releaseAll: () => held.splice(0).forEach((f) => f()) };
}

function get(url: string, agent: http.Agent | false, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    http.get(url, { agent, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('load shedding', { timeout: 30_000 }, () => {
  it('answers 503 with Retry-After beyond --max-inflight, keeps the app at the limit, and counts each', async () => {
    const h = await heldUpstream();
    const sc = await startTestSidecar({ upstream: h.up.url.href, maxInflight: '5' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
    try {
      const admitted = Array.from({ length: 5 }, (_, i) => get(`${sc.base}/api/orders/${i}`, agent));
      await until(() => h.up.seen.length === 5);
      const shedStarted = Date.now();
      const shed = await Promise.all(Array.from({ length: 3 }, (_, i) => get(`${sc.base}/api/orders/x${i}`, agent)));
      assert.ok(Date.now() - shedStarted < 1000, 'shed at once, not queued');
      for (const r of shed) {
        assert.equal(r.status, 503);
        assert.equal(r.headers['retry-after'], '1');
        const body = JSON.parse(r.body) as { code: string; message: string; trace_id: string };
        assert.equal(body.code, 'PAYSIDECAR_OVERLOADED');
        assert.match(body.message, /5 requests already in flight/);
        assert.equal(r.headers['x-trace-id'], `tr-${body.trace_id}`);
      }
      assert.equal(h.up.seen.length, 5, 'no shed request reached the app');
      h.releaseAll();
      assert.deepEqual((await Promise.all(admitted)).map((r) => r.status), [200, 200, 200, 200, 200]);
      const after = get(`${sc.base}/api/orders/after`, agent);
      await until(() => h.up.seen.length === 6);
      h.releaseAll();
      assert.equal((await after).status, 200, 'capacity is back once requests finish');
      const m = await sc.metricsText();
      assert.equal(metricValue(m, 'paysidecar_requests_shed_total', { traffic: 'prod' }), 3);
      assert.equal(metricValue(m, 'http_server_request_duration_count', { http_response_status_code: '503', http_route: '/api/orders/{out_trade_no}' }), 3);
      assert.equal(h.peak(), 5);
      assert.equal(sc.inflight.size, 0);
    } finally {
      agent.destroy();
      h.releaseAll();
      await sc.shutdown();
      await h.up.close();
    }
  });

  it('keeps a burst of 300 to the limit of 20 at the app: every client gets 200 or 503, none an error', async () => {
    let atApp = 0;
    let peak = 0;
    const up = await startUpstream((_req, res) => {
      peak = Math.max(peak, ++atApp);
      setTimeout(() => {
        atApp--;
        res.end('ok');
      }, 100);
    });
    const sc = await startTestSidecar({ upstream: up.url.href, maxInflight: '20' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 300 });
    try {
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => get(`${sc.base}/burst/${i}`, agent)));
      const ok = results.filter((r) => r.status === 200).length;
      const shed = results.filter((r) => r.status === 503).length;
      assert.equal(ok + shed, 300, 'nothing but 200 and 503');
      assert.ok(ok >= 20, `${ok} served`);
      assert.ok(shed > 0, 'the burst was shed');
      assert.ok(peak <= 20, `the app held ${peak} at once`);
      assert.equal(up.seen.length, ok, 'exactly the served requests reached the app');
      const m = await sc.metricsText();
      assert.equal(metricValue(m, 'paysidecar_requests_shed_total'), shed);
      assert.equal(metricValue(m, 'http_server_request_duration_count', { http_response_status_code: '503' }), shed);
      assert.equal(sc.inflight.size, 0);
    } finally {
      agent.destroy();
      await sc.shutdown();
      await up.close();
    }
  });

  it('labels shed stress traffic as stress, and closes the connection rather than read an unwanted upload', async () => {
    const h = await heldUpstream();
    const sc = await startTestSidecar({ upstream: h.up.url.href, maxInflight: '1', trustCidr: ['127.0.0.0/8'] });
    try {
      const first = get(`${sc.base}/hold`, false);
      await until(() => h.up.seen.length === 1);
      const stress = await get(`${sc.base}/api/orders`, false, { 'x-test-env': 'stress-v2' });
      assert.equal(stress.status, 503);
      assert.match(String(stress.headers['x-trace-id']), /^t-/);
      const upload = await request(`${sc.base}/api/orders`, { method: 'POST', body: 'x'.repeat(100_000) });
      assert.equal(upload.status, 503);
      assert.equal(upload.headers.connection, 'close');
      h.releaseAll();
      assert.equal((await first).status, 200);
      const m = await sc.metricsText();
      assert.equal(metricValue(m, 'paysidecar_requests_shed_total', { traffic: 'stress' }), 1);
      assert.equal(metricValue(m, 'paysidecar_requests_shed_total', { traffic: 'prod' }), 1);
      assert.equal(h.up.seen.length, 1);
    } finally {
      h.releaseAll();
      await sc.shutdown();
      await h.up.close();
    }
  });

  it('is off by default: 100 requests held at once are all admitted', async () => {
    const h = await heldUpstream();
    const sc = await startTestSidecar({ upstream: h.up.url.href });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    try {
      assert.equal(sc.config.maxInflight, 0);
      const all = Array.from({ length: 100 }, (_, i) => get(`${sc.base}/x/${i}`, agent));
      await until(() => h.up.seen.length === 100);
      h.releaseAll();
      assert.ok((await Promise.all(all)).every((r) => r.status === 200));
      assert.equal(metricValue(await sc.metricsText(), 'paysidecar_requests_shed_total'), 0);
    } finally {
      agent.destroy();
      h.releaseAll();
      await sc.shutdown();
      await h.up.close();
    }
  });
});
