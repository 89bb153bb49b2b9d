import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type RunningPlatform } from '../../../examples/payments/platform/server';
import { verifySignedBody } from '../../../examples/payments/wxpay/signed-body';
import { unixSeconds } from '../../../examples/payments/wxpay/nonce';
import { signRequest } from '../../../examples/payments/wxpay/authorization';
import { orderBody, signedCall, silent, tempKeys, type Reply, type TempKeys } from './harness';

let keys: TempKeys;
let platform: RunningPlatform;
before(async () => {
  keys = await tempKeys();
  platform = await startPlatform({ keysDir: keys.dir, port: 0, logger: silent });
});
after(async () => {
  await platform.close();
  keys.cleanup();
});

function assertSigned(r: Reply): void {
  const check = verifySignedBody({ headers: r.headers, body: r.text, keyFor: (s) => (s === keys.merchant.platformSerial ? keys.merchant.platformPublicKey : undefined) });
  assert.deepEqual(check, { ok: true, serial: keys.merchant.platformSerial }, `response to be signed: ${r.text}`);
}

test('a correctly signed POST is accepted and the response is signed by the platform', async () => {
  const r = await signedCall(platform.url, keys.merchant, 'POST', '/v3/pay/transactions/native', orderBody(keys.merchant, 'AUTH000001', 'https://merchant.example/notify'));
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.code_url, /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
  assertSigned(r);
});

test('a signed GET (empty body) is accepted', async () => {
  const r = await signedCall(platform.url, keys.merchant, 'GET', `/v3/pay/transactions/out-trade-no/AUTH000001?mchid=${keys.merchant.mchid}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.trade_state, 'NOTPAY');
  assertSigned(r);
});

test('Authorization fields in another order are accepted', async () => {
  const reorder = (h: string) => {
    const [scheme, rest] = [h.slice(0, h.indexOf(' ')), h.slice(h.indexOf(' ') + 1)];
    return `${scheme} ${rest.split(',').reverse().join(',')}`;
  };
  const r = await signedCall(platform.url, keys.merchant, 'GET', `/v3/pay/transactions/out-trade-no/AUTH000001?mchid=${keys.merchant.mchid}`, undefined, { authorization: reorder });
  assert.equal(r.status, 200, r.text);
});

test('signature problems are 401 SIGN_ERROR, and the error is signed too', async () => {
  const path = '/v3/pay/transactions/native';
  const body = orderBody(keys.merchant, 'AUTH000002', 'https://merchant.example/notify');
  const cases: [string, Parameters<typeof signedCall>[5]][] = [
    ['missing Authorization', { authorization: () => undefined }],
    ['bad signature', { authorization: (h) => h.replace(/signature="[^"]{8}/, 'signature="AAAAAAAA') }],
    ['unknown serial', { authorization: (h) => h.replace(/serial_no="[^"]+"/, 'serial_no="0000000000000000000000000000000000000000"') }],
    ['other mchid', { authorization: (h) => h.replace(/mchid="[^"]+"/, 'mchid="1234567890"') }],
    ['timestamp 301 s old', { timestamp: unixSeconds() - 301 }],
    ['timestamp 301 s ahead', { timestamp: unixSeconds() + 301 }],
    ['body changed after signing', { sendBody: JSON.stringify({ ...body, amount: { total: 1 } }) }],
  ];
  for (const [name, opts] of cases) {
    const r = await signedCall(platform.url, keys.merchant, 'POST', path, body, opts);
    assert.equal(r.status, 401, `${name}: ${r.text}`);
    assert.equal(r.json.code, 'SIGN_ERROR', name);
    assertSigned(r);
  }
  const ok = await signedCall(platform.url, keys.merchant, 'POST', path, body, { timestamp: unixSeconds() - 290 });
  assert.equal(ok.status, 200, `290 s skew is inside the window: ${ok.text}`);
});

test('the query string is part of the signed URL', async () => {
  const path = `/v3/pay/transactions/out-trade-no/AUTH000001?mchid=${keys.merchant.mchid}`;
  // Signed without the query, sent with it.
  const auth = signRequest({ mchid: keys.merchant.mchid, serialNo: keys.merchant.merchantSerial, privateKey: keys.merchant.merchantPrivateKey, method: 'GET', canonicalUrl: '/v3/pay/transactions/out-trade-no/AUTH000001', body: '' });
  const bad = await signedCall(platform.url, keys.merchant, 'GET', path, undefined, { authorization: () => auth });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.code, 'SIGN_ERROR');
});

test('a request without User-Agent is refused', async () => {
  const r = await signedCall(platform.url, keys.merchant, 'GET', `/v3/pay/transactions/out-trade-no/AUTH000001?mchid=${keys.merchant.mchid}`, undefined, { userAgent: null });
  assert.equal(r.status, 400);
  assert.equal(r.json.code, 'PARAM_ERROR');
  assert.equal(r.json.detail.field, 'User-Agent');
});
