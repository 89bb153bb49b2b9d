import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { installMetrics, startPair, type Pair } from './harness';

const HALF_OPEN_MS = 400;
const probe = installMetrics();
let pair: Pair;
before(async () => {
  pair = await startPair({ gateway: { resilience: { maxRetries: 0, breakerThreshold: 3, breakerHalfOpenAfterMs: HALF_OPEN_MS } } });
});
after(() => pair.close());

const order = () => pair.api('POST', '/api/orders', { amount: 100, description: 'breaker', type: 'native' });
const platformHits = () => pair.platform.store.orderCount + pair.platform.faults.counters.errors;

test('consecutive failures open the breaker; it fails fast with a clear error and recovers via a half-open probe', async () => {
  assert.equal((await order()).status, 201);
  assert.equal(await probe.gauge('paysidecar.gateway.breaker.state'), 0, 'closed');

  const set = await fetch(`${pair.platform.url}/mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1, errorStatus: 500 }) });
  assert.equal(set.status, 200);
  for (let i = 0; i < 3; i++) {
    const r = await order();
    assert.equal(r.status, 502, r.text);
    assert.equal(r.json.code, 'PAYSIDECAR_GATEWAY_PLATFORM_ERROR');
    assert.equal(r.json.platform_code, 'SYSTEM_ERROR');
  }
  assert.equal(await probe.gauge('paysidecar.gateway.breaker.state'), 2, 'open');
  const status = await pair.api('GET', '/admin/status');
  assert.equal(status.json.breaker, 'open');

  const hitsBefore = platformHits();
  const t0 = performance.now();
  const fast = await order();
  const took = performance.now() - t0;
  assert.equal(fast.status, 503);
  assert.equal(fast.json.code, 'PAYSIDECAR_GATEWAY_PLATFORM_UNAVAILABLE');
  assert.match(fast.json.message, /circuit breaker is open: failing fast/);
  assert.equal(fast.headers['retry-after'], '1');
  assert.equal(platformHits(), hitsBefore, 'the platform was not called while open');
  assert.ok(took < 200, `failed fast (${took.toFixed(0)} ms)`);
  assert.equal(await probe.sum('paysidecar.gateway.platform.calls', { outcome: 'circuit_open' }), 1);

  await fetch(`${pair.platform.url}/mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await new Promise((r) => setTimeout(r, HALF_OPEN_MS + 50));
  const recovered = await order();
  assert.equal(recovered.status, 201, recovered.text);
  assert.equal(await probe.gauge('paysidecar.gateway.breaker.state'), 0, 'closed again');
  assert.equal(await probe.sum('paysidecar.gateway.breaker.transitions', { state: 'open' }), 1);
  assert.equal(await probe.sum('paysidecar.gateway.breaker.transitions', { state: 'half_open' }), 1);
  assert.equal(await probe.sum('paysidecar.gateway.breaker.transitions', { state: 'closed' }), 1);
});

test('a failed half-open probe opens the breaker again', async () => {
  await fetch(`${pair.platform.url}/mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1 }) });
  for (let i = 0; i < 3; i++) await order();
  assert.equal((await order()).status, 503);
  await new Promise((r) => setTimeout(r, HALF_OPEN_MS + 50));
  const probeCall = await order();
  assert.equal(probeCall.status, 502, 'the half-open probe reached the platform and failed');
  assert.equal((await order()).status, 503, 'open again');
  await fetch(`${pair.platform.url}/mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
});

test('4xx answers do not count towards opening the breaker', async () => {
  await new Promise((r) => setTimeout(r, HALF_OPEN_MS + 50));
  assert.equal((await order()).status, 201, 'closed after recovery');
  // Unknown order: the platform answers 404 ORDER_NOT_EXIST, many times in a row.
  for (let i = 0; i < 6; i++) assert.equal((await pair.api('GET', `/api/orders/UNKNOWN${i}00000`)).status, 404);
  assert.equal((await pair.api('GET', '/admin/status')).json.breaker, 'closed');
});
