import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseGatewayFaults } from '../../../examples/payments/gateway/inbound/faults';
import { installMetrics, startPair, type Pair } from './harness';

const probe = installMetrics();
let pair: Pair;
before(async () => {
  pair = await startPair({ gateway: { rateLimit: { ratePerSecond: 0, burst: 1 } } });
});
after(() => pair.close());

const setFaults = (f: unknown) => pair.api('POST', '/admin/faults', f);

test('{"errorRate": 1} fails every /api request with 500; /notify and /healthz are untouched; {} clears', async () => {
  assert.equal((await setFaults({ errorRate: 1 })).status, 200);
  const r = await pair.api('GET', '/api/accounts/a');
  assert.equal(r.status, 500);
  assert.equal(r.json.code, 'PAYSIDECAR_GATEWAY_FAULT_INJECTED');
  assert.equal((await pair.api('GET', '/healthz')).status, 200);
  assert.equal((await pair.api('POST', '/notify/wxpay', {})).status, 401);
  assert.deepEqual((await pair.api('GET', '/admin/faults')).json, { faults: { errorRate: 1 } });
  assert.deepEqual((await setFaults({})).json, { faults: {} });
  assert.equal((await pair.api('GET', '/api/accounts/a')).status, 200);
});

test('latency and error rate apply to every /api request: each delayed, about errorRate of them failed', async () => {
  await setFaults({ latencyMs: 300, errorRate: 0.2 });
  const took: number[] = [];
  let errors = 0;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      const t0 = performance.now();
      const r = await pair.api('GET', '/api/accounts/a');
      took.push(performance.now() - t0);
      if (r.status === 500) errors++;
    }),
  );
  await setFaults({});
  assert.ok(took.every((t) => t >= 295), `every request delayed (min ${Math.min(...took).toFixed(0)} ms)`);
  assert.ok(errors >= 8 && errors <= 35, `${errors}/100 errors`);
});

test('latency ranges apply only to the chosen paths', async () => {
  await setFaults({ latencyMs: [200, 250], paths: ['/api/orders'] });
  const delayed = () => probe.sum('paysidecar.gateway.faults.injected', { kind: 'latency' });
  const before = await delayed();
  await pair.api('GET', '/api/accounts/a');
  assert.equal(await delayed(), before, 'accounts not delayed');
  const t1 = performance.now();
  await pair.api('GET', '/api/orders/NOSUCH00001');
  const affected = performance.now() - t1;
  await setFaults({});
  assert.equal(await delayed(), before + 1);
  assert.ok(affected >= 195, `orders delayed ${affected.toFixed(0)} ms`);
});

test('bad settings are refused naming the field; non-loopback callers get 403', async () => {
  for (const [body, re] of [
    [{ errorRate: 1.5 }, /errorRate must be a number from 0 to 1, got 1.5/],
    [{ latencyMs: 'slow' }, /latencyMs must be a number of milliseconds/],
    [{ paths: ['api'] }, /paths must be an array of path prefixes/],
    [{ errorrate: 0.1 }, /errorrate is not a fault setting/],
  ] as const) {
    const r = await setFaults(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.json.message, re);
  }
  const remote = await pair.gateway.app.inject({ method: 'POST', url: '/admin/faults', payload: { errorRate: 1 }, remoteAddress: '203.0.113.7' });
  assert.equal(remote.statusCode, 403);
  assert.equal(JSON.parse(remote.body).code, 'PAYSIDECAR_GATEWAY_FORBIDDEN');
  assert.deepEqual(pair.gateway.faults.current, {}, 'nothing was set');
  assert.deepEqual(parseGatewayFaults({ latencyMs: 2500, errorRate: 0.2 }), { latency: { distribution: 'fixed', ms: 2500 }, errorRate: 0.2 });
});
