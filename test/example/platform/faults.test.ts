import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type RunningPlatform } from '../../../examples/payments/platform/server';
import { parsePlatformFaults } from '../../../examples/payments/platform/faults';
import { parseLatencyFlag, sampleLatencyMs } from '../../../examples/payments/wxpay/server/latency';
import { verifySignedBody } from '../../../examples/payments/wxpay/signed-body';
import { orderBody, plainCall, signedCall, silent, tempKeys, type TempKeys } from './harness';

let keys: TempKeys;
let platform: RunningPlatform;
let seq = 0;
before(async () => {
  keys = await tempKeys();
  platform = await startPlatform({ keysDir: keys.dir, port: 0, logger: silent });
});
after(async () => {
  await platform.close();
  keys.cleanup();
});

const native = () => signedCall(platform.url, keys.merchant, 'POST', '/v3/pay/transactions/native', orderBody(keys.merchant, `FAULT${String(++seq).padStart(6, '0')}`, 'https://m.example/n'));
const jsapi = () => signedCall(platform.url, keys.merchant, 'POST', '/v3/pay/transactions/jsapi', orderBody(keys.merchant, `FAULT${String(++seq).padStart(6, '0')}`, 'https://m.example/n', { payer: { openid: 'o1' } }));
const setFaults = (f: unknown) => plainCall(platform.url, 'POST', '/mock/faults', f);

test('per-endpoint error rate: jsapi answers 429 FREQUENCY_LIMITED (signed), native is untouched', async () => {
  const set = await setFaults({ endpoints: { jsapi: { errorRate: 1, errorStatus: 429 } } });
  assert.equal(set.status, 200, set.text);
  const limited = await jsapi();
  assert.equal(limited.status, 429);
  assert.equal(limited.json.code, 'FREQUENCY_LIMITED');
  assert.equal(verifySignedBody({ headers: limited.headers, body: limited.text, keyFor: () => keys.merchant.platformPublicKey }).ok, true);
  assert.equal((await native()).status, 200);
  await setFaults({});
  assert.equal((await jsapi()).status, 200);
});

test('global error rate answers 500 SYSTEM_ERROR; {} clears', async () => {
  await setFaults({ errorRate: 1 });
  const r = await native();
  assert.equal(r.status, 500);
  assert.equal(r.json.code, 'SYSTEM_ERROR');
  const state = await plainCall(platform.url, 'GET', '/mock/faults');
  assert.equal(state.json.faults.errorRate, 1);
  assert.ok(state.json.injected.errors >= 1);
  await setFaults({});
  assert.equal((await native()).status, 200);
});

test('an error rate of 0.3 fails roughly 30% of 200 requests', async () => {
  await setFaults({ errorRate: 0.3, errorStatus: 503 });
  let failed = 0;
  for (let i = 0; i < 200; i++) {
    const r = await signedCall(platform.url, keys.merchant, 'GET', `/v3/pay/transactions/out-trade-no/NOSUCH0001?mchid=${keys.merchant.mchid}`);
    if (r.status === 503) failed++;
    else assert.equal(r.status, 404);
  }
  await setFaults({});
  assert.ok(failed > 30 && failed < 90, `${failed}/200 failed`);
});

test('connection resets: the client sees the socket torn down', async () => {
  await setFaults({ resetRate: 1 });
  await assert.rejects(native(), (err: Error & { code?: string }) => ['ECONNRESET', 'UND_ERR_SOCKET'].includes(err.code ?? '') || /other side closed|reset/i.test(err.message));
  await setFaults({});
  assert.equal((await native()).status, 200);
});

test('fixed latency delays the answer by at least that much', async () => {
  await setFaults({ latencyMs: 300 });
  const t0 = performance.now();
  assert.equal((await native()).status, 200);
  const took = performance.now() - t0;
  await setFaults({});
  assert.ok(took >= 295, `took ${took.toFixed(0)} ms`);
});

test('bad fault settings are refused naming the field', async () => {
  for (const [body, re] of [
    [{ errorRate: 2 }, /errorRate must be a number from 0 to 1/],
    [{ errorStatus: 404 }, /errorStatus must be one of 500\|429\|503/],
    [{ endpoints: { pay: { errorRate: 1 } } }, /endpoints.pay is not an endpoint/],
    [{ latency: { distribution: 'weird' } }, /latency.distribution/],
    [{ colour: 'red' }, /colour is not a fault setting/],
  ] as const) {
    const r = await setFaults(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.json.message, re);
  }
});

test('/mock/faults answers loopback callers only', async () => {
  const r = await platform.app.inject({ method: 'POST', url: '/mock/faults', payload: { errorRate: 1 }, remoteAddress: '10.1.2.3' });
  assert.equal(r.statusCode, 403);
  assert.equal(JSON.parse(r.body).code, 'NO_AUTH');
  const g = await platform.app.inject({ method: 'GET', url: '/mock/faults', remoteAddress: '192.168.0.9' });
  assert.equal(g.statusCode, 403);
  const local = await platform.app.inject({ method: 'GET', url: '/mock/faults', remoteAddress: '::ffff:127.0.0.1' });
  assert.equal(local.statusCode, 200);
  assert.deepEqual(parsePlatformFaults({}), {});
});

test('latency specs: fixed, range, normal, lognormal', () => {
  assert.deepEqual(parseLatencyFlag('2500ms'), { distribution: 'fixed', ms: 2500 });
  assert.deepEqual(parseLatencyFlag('100ms..400ms'), { distribution: 'uniform', minMs: 100, maxMs: 400 });
  assert.deepEqual(parseLatencyFlag('normal:200ms,50ms'), { distribution: 'normal', meanMs: 200, stddevMs: 50 });
  assert.deepEqual(parseLatencyFlag('lognormal:50ms,800ms'), { distribution: 'lognormal', medianMs: 50, p99Ms: 800 });
  assert.equal(parseLatencyFlag('fast'), undefined);
  assert.equal(parseLatencyFlag('400ms..100ms'), undefined);
  const samples = Array.from({ length: 20000 }, () => sampleLatencyMs({ distribution: 'lognormal', medianMs: 50, p99Ms: 800 })).sort((a, b) => a - b);
  const median = samples[10000];
  const p99 = samples[19800];
  assert.ok(median > 42 && median < 58, `median ${median}`);
  assert.ok(p99 > 600 && p99 < 1050, `p99 ${p99}`);
  const u = Array.from({ length: 1000 }, () => sampleLatencyMs({ distribution: 'uniform', minMs: 100, maxMs: 400 }));
  assert.ok(u.every((x) => x >= 100 && x <= 400));
});
