/**
 * The agent's own listener, in this process on loopback port 0: its index and /metrics, and the
 * product's JSON errors for unknown routes (404), other methods (405 with Allow) and bad query
 * values (400, from the /debug/pprof routes it mounts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startAgentListener, type AgentListener } from '../../agent/listener';
import { createAgentLogger } from '../../agent/log';
import { createDebugHandler } from '../../src/runtime/pprof/routes';

describe("the agent's listener", () => {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const hookErrors: string[] = [];
  let listener: AgentListener;
  let base: string;
  before(async () => {
    provider.getMeter('listener-test').createCounter('listener_test_requests').add(1);
    listener = startAgentListener({
      address: { host: '127.0.0.1', port: 0 },
      metrics: (req, res) => exporter.getMetricsRequestHandler(req, res),
      debug: createDebugHandler({}),
      logger: createAgentLogger('silent', () => undefined),
      onError: (hook, err) => hookErrors.push(`${hook}: ${String(err)}`),
    });
    const address = (await listener.ready) as AddressInfo;
    base = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    await listener.close();
    await provider.shutdown();
  });

  async function get(path: string, method = 'GET') {
    const res = await fetch(base + path, { method });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  it('serves its index and /metrics to GET and HEAD', async () => {
    const index = await get('/');
    assert.equal(index.status, 200);
    assert.match(index.text, /\/debug\/pprof\//);
    assert.equal((await get('/', 'HEAD')).status, 200);
    const m = await get('/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /listener_test_requests/);
  });

  it('unknown routes: 404 PAYSIDECAR_NOT_FOUND naming what it serves, whatever the method', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await get('/nope', method);
      assert.equal(r.status, 404, method);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.deepEqual(JSON.parse(r.text), { code: 'PAYSIDECAR_NOT_FOUND', message: 'not found: /nope: the agent serves /metrics and /debug/pprof/' });
    }
  });

  it('another method on a route: 405 PAYSIDECAR_METHOD_NOT_ALLOWED with Allow', async () => {
    for (const [method, path] of [['POST', '/metrics'], ['DELETE', '/'], ['PUT', '/debug/pprof/heap']]) {
      const r = await get(path, method);
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get('allow'), 'GET, HEAD');
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
      const body = JSON.parse(r.text) as { code: string; message: string };
      assert.equal(body.code, 'PAYSIDECAR_METHOD_NOT_ALLOWED');
      assert.ok(body.message.endsWith(`${method} ${path}: use GET`), body.message);
    }
  });

  it('a bad query value: 400 PAYSIDECAR_BAD_PARAMETER naming the parameter and what was expected', async () => {
    const r = await get('/debug/pprof/heap?interval=1');
    assert.equal(r.status, 400);
    assert.deepEqual(JSON.parse(r.text), {
      code: 'PAYSIDECAR_BAD_PARAMETER',
      message: 'bad parameter: interval: "1" is invalid, expected an integer from 1024 to 67108864',
    });
    assert.deepEqual(hookErrors, []);
  });
});
