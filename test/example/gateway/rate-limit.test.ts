import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from '../../../examples/payments/gateway/inbound/token-bucket';
import { installMetrics, startPair, type Pair } from './harness';

const probe = installMetrics();
let pair: Pair;
before(async () => {
  pair = await startPair({ gateway: { rateLimit: { ratePerSecond: 1, burst: 3 } } });
});
after(() => pair.close());

test('token bucket: a burst, then one token per 1/rate seconds', () => {
  let now = 0;
  const b = new TokenBucket(10, 3, () => now);
  assert.deepEqual([b.take().ok, b.take().ok, b.take().ok], [true, true, true]);
  const empty = b.take();
  assert.equal(empty.ok, false);
  if (!empty.ok) assert.ok(Math.abs(empty.retryAfterMs - 100) < 1e-6);
  now += 100;
  assert.equal(b.take().ok, true);
  now += 10_000;
  assert.deepEqual([b.take().ok, b.take().ok, b.take().ok, b.take().ok], [true, true, true, false], 'refill stops at the burst size');
});

test('the inbound API answers 429 with Retry-After once the bucket is empty; callbacks and health are not limited', async () => {
  const results = [];
  for (let i = 0; i < 8; i++) results.push(await pair.api('GET', '/api/accounts/x'));
  const limited = results.filter((r) => r.status === 429);
  assert.ok(limited.length >= 3, `${limited.length} of 8 limited`);
  assert.equal(results[0].status, 200);
  for (const r of limited) {
    assert.equal(r.json.code, 'PAYSIDECAR_GATEWAY_RATE_LIMITED');
    assert.match(r.json.message, /limit is 1\/s \(burst 3\)/);
    assert.ok(Number(r.headers['retry-after']) >= 1);
  }
  assert.equal((await pair.api('GET', '/healthz')).status, 200);
  const notify = await pair.api('POST', '/notify/wxpay', {});
  assert.equal(notify.status, 401, 'a callback is checked, not rate limited');
  assert.equal(await probe.sum('paysidecar.gateway.rate_limited', { 'http.route': '/api/accounts/:id' }), limited.length);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await pair.api('GET', '/api/accounts/x')).status, 200, 'tokens refill');
});
