import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { request, startTestSidecar, type TestSidecar } from '../helpers/sidecar';

describe('admin server', { timeout: 30_000 }, () => {
  let up: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream();
    sc = await startTestSidecar({ upstream: up.url.href, stressSecret: 'admin-test-secret-value', debugToken: 'admin-test-debug-token' });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });

  it('/live answers 200', async () => {
    const r = await request(`${sc.admin}/live`);
    assert.equal(r.status, 200);
  });

  it('/ready answers 200 while the upstream accepts connections', async () => {
    const r = await request(`${sc.admin}/ready`);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).status, 'ready');
  });

  it('/config shows the effective config with secrets redacted', async () => {
    const r = await request(`${sc.admin}/config`);
    assert.equal(r.status, 200);
    const c = JSON.parse(r.body);
    assert.equal(c.upstream, up.url.href);
    assert.equal(c.stressSecret, '[redacted]');
    assert.equal(c.debugToken, '[redacted]');
    assert.equal(c.drainTimeout, '20s');
    assert.doesNotMatch(r.body, /admin-test-secret-value|admin-test-debug-token/);
  });

  it('/metrics serves the Prometheus exposition, including the runtime sampler', async () => {
    await request(`${sc.base}/api/orders`);
    const r = await request(`${sc.admin}/metrics`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.match(r.body, /^# TYPE http_server_request_duration histogram$/m);
    assert.match(r.body, /nodejs_eventloop_utilization/);
    assert.match(r.body, /v8js_memory_heap_used/);
    assert.doesNotMatch(r.body, /admin-test-secret-value/);
  });

  it('unknown routes get a 404 JSON error naming the routes', async () => {
    const r = await request(`${sc.admin}/nope`);
    assert.equal(r.status, 404);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-store');
    const body = JSON.parse(r.body);
    assert.equal(body.code, 'PAYSIDECAR_NOT_FOUND');
    assert.match(body.message, /\/metrics/);
  });

  it('another method than GET or HEAD gets 405 PAYSIDECAR_METHOD_NOT_ALLOWED with Allow, on every route', async () => {
    for (const [method, path] of [['POST', '/metrics'], ['PUT', '/config'], ['DELETE', '/ready'], ['POST', '/debug/pprof/']]) {
      const r = await request(`${sc.admin}${path}`, { method });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.allow, 'GET, HEAD');
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      const body = JSON.parse(r.body);
      assert.equal(body.code, 'PAYSIDECAR_METHOD_NOT_ALLOWED', `${method} ${path}`);
      assert.match(body.message, new RegExp(`${method} ${path.replace(/\//g, '\\/')}: use GET`));
    }
    assert.equal((await request(`${sc.admin}/live`, { method: 'HEAD' })).status, 200);
  });

  it('a bad query value gets 400 PAYSIDECAR_BAD_PARAMETER naming the parameter and what was expected', async () => {
    const r = await request(`${sc.admin}/debug/pprof/profile?seconds=forever`);
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    const body = JSON.parse(r.body);
    assert.equal(body.code, 'PAYSIDECAR_BAD_PARAMETER');
    assert.match(body.message, /seconds: "forever" is invalid, expected an integer from 1 to 300/);
  });

  it('/debug/pprof/ serves its index to loopback callers', async () => {
    const r = await request(`${sc.admin}/debug/pprof/`);
    assert.equal(r.status, 200);
    assert.match(r.body, /profile/);
  });
});

describe('readiness follows the upstream', { timeout: 30_000 }, () => {
  it('/ready answers 503 with a reason once the upstream port refuses connections', async () => {
    const up = await startUpstream();
    const sc = await startTestSidecar({ upstream: up.url.href });
    try {
      assert.equal((await request(`${sc.admin}/ready`)).status, 200);
      await up.close();
      await new Promise((r) => setTimeout(r, 600));
      const r = await request(`${sc.admin}/ready`);
      assert.equal(r.status, 503);
      assert.match(JSON.parse(r.body).reason, /ECONNREFUSED/);
    } finally {
      await sc.shutdown();
    }
  });
});
