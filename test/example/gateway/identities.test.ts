/**
 * The gateway against the platform's identities: certificate rotation (refreshed from
 * /v3/certificates on the unknown serial), public-key mode, a migration that signs with both,
 * all over TLS; and the platform side of it: the /v3/certificates shape, echo, serial case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { decryptResource } from '../../../examples/payments/wxpay/aead';
import { plainCall, signedCall, waitFor } from '../platform/harness';
import { startPair } from './harness';

test('certificate mode: /v3/certificates in the official shape, each certificate encrypted under the APIv3 key and issued by the CA', async () => {
  const pair = await startPair();
  try {
    const r = await signedCall(pair.platform.url, pair.keys.merchant, 'GET', '/v3/certificates');
    assert.equal(r.status, 200);
    assert.equal(r.json.data.length, 1);
    const e = r.json.data[0];
    assert.equal(e.serial_no, pair.keys.merchant.platformSerial);
    assert.match(e.effective_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    assert.deepEqual([e.encrypt_certificate.algorithm, e.encrypt_certificate.associated_data], ['AEAD_AES_256_GCM', 'certificate']);
    const x = new X509Certificate(decryptResource(pair.keys.merchant.apiV3Key.reveal(), e.encrypt_certificate));
    assert.equal(x.serialNumber.toUpperCase(), e.serial_no);
    assert.ok(x.checkIssued(new X509Certificate(pair.keys.merchant.caCertificatePem)));
    assert.equal(r.headers['wechatpay-serial'], e.serial_no);
    assert.equal(r.headers['wechatpay-signature-type'], 'WECHATPAY2-SHA256-RSA2048');
  } finally {
    await pair.close();
  }
});

test('rotation: the gateway meets the new serial, downloads /v3/certificates once, and keeps working; the old certificate retires', async () => {
  const pair = await startPair({ platform: { tls: true }, gateway: { certificateRefreshMs: 0 } });
  try {
    assert.match(pair.platform.url, /^https:/);
    const before = await pair.api('POST', '/api/orders', { amount: 100, description: 'before', type: 'native' });
    assert.equal(before.status, 201);
    const rot = await plainCall(pair.platform.url, 'POST', '/mock/certificates/rotate', { retire_after_ms: 300 }, {}, pair.keys.merchant.caCertificatePem);
    assert.equal(rot.status, 200);
    assert.notEqual(rot.json.serial_no, pair.keys.merchant.platformSerial);
    const after = await pair.api('POST', '/api/orders', { amount: 100, description: 'after', type: 'native' });
    assert.equal(after.status, 201, `signed by the new certificate, verified after a download: ${after.text}`);
    await waitFor('the old certificate to retire', async () => (await plainCall(pair.platform.url, 'GET', '/mock/identity', undefined, {}, pair.keys.merchant.caCertificatePem)).json.certificates.length === 1, 3000);
  } finally {
    await pair.close();
  }
});

for (const mode of ['public-key', 'migration'] as const) {
  test(`${mode} mode: orders and callbacks verify at the gateway (public key and certificate at once)`, async () => {
    const pair = await startPair({ platform: { verifyMode: mode } });
    try {
      const serials = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const r = await signedCall(pair.platform.url, pair.keys.merchant, 'GET', `/v3/pay/transactions/out-trade-no/NOPE${i}000?mchid=${pair.keys.merchant.mchid}`);
        serials.add(String(r.headers['wechatpay-serial']));
      }
      const expected = mode === 'public-key' ? [pair.keys.merchant.publicKeyId] : [pair.keys.merchant.platformSerial, pair.keys.merchant.publicKeyId];
      assert.deepEqual([...serials].sort(), expected.sort(), 'the serials the platform signed under');
      const created = await pair.api('POST', '/api/orders', { amount: 100, description: 'pk', type: 'native' });
      assert.equal(created.status, 201, created.text);
      await pair.pay(created.json.out_trade_no);
      await waitFor('the callback applied', async () => (await pair.api('GET', `/api/orders/${created.json.out_trade_no}`)).json.trade_state === 'SUCCESS');
      const certs = await signedCall(pair.platform.url, pair.keys.merchant, 'GET', '/v3/certificates');
      assert.equal(certs.status, mode === 'public-key' ? 404 : 200);
    } finally {
      await pair.close();
    }
  });
}

test('POST /v3/security/echo answers under the Wechatpay-Serial identity; lower-case serial_no is accepted; a bad signature names what was signed', async () => {
  const pair = await startPair({ platform: { verifyMode: 'migration' } });
  try {
    const m = pair.keys.merchant;
    const missing = await signedCall(pair.platform.url, m, 'POST', '/v3/security/echo', {});
    assert.deepEqual([missing.status, missing.json.code, missing.json.detail.location], [400, 'PARAM_ERROR', 'header']);
    for (const serial of [m.publicKeyId, m.platformSerial.toLowerCase()]) {
      const r = await signedCall(pair.platform.url, m, 'POST', '/v3/security/echo', {}, { headers: { 'wechatpay-serial': serial } });
      assert.equal(r.status, 200);
      assert.equal(String(r.headers['wechatpay-serial']).toUpperCase(), serial.toUpperCase());
    }
    const lower = { ...m, merchantSerial: m.merchantSerial.toLowerCase() };
    assert.equal((await signedCall(pair.platform.url, lower, 'GET', '/v3/certificates')).status, 200);
    const tampered = await signedCall(pair.platform.url, m, 'POST', '/v3/security/echo', { a: 1 }, { sendBody: '{"a":2}', headers: { 'wechatpay-serial': m.publicKeyId } });
    assert.equal(tampered.status, 401);
    assert.equal(tampered.json.detail.issue, 'sign not match');
    assert.equal(tampered.json.detail.sign_information.url, '/v3/security/echo');
  } finally {
    await pair.close();
  }
});
