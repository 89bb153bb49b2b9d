import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { signedBodyHeaders, verifySignedBody } from '../../../examples/payments/wxpay/signed-body';
import { unixSeconds } from '../../../examples/payments/wxpay/nonce';

const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const forger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const keyFor = (s: string): KeyObject | undefined => (s === SERIAL ? platform.publicKey : undefined);
const body = '{"id":"EV-2018022511223320873","event_type":"TRANSACTION.SUCCESS"}';

test('signed headers verify over the exact body', () => {
  const h = signedBodyHeaders({ privateKey: platform.privateKey, serial: SERIAL, body });
  assert.equal(h['wechatpay-signature-type'], 'WECHATPAY2-SHA256-RSA2048');
  assert.ok(h['request-id']);
  assert.deepEqual(verifySignedBody({ headers: h, body, keyFor }), { ok: true, serial: SERIAL });
});

test('each rejection reason: missing headers, probe, stale, unknown serial, forged, tampered', () => {
  const h = signedBodyHeaders({ privateKey: platform.privateKey, serial: SERIAL, body });
  const reason = (headers: Record<string, string>, b = body) => {
    const r = verifySignedBody({ headers, body: b, keyFor });
    return r.ok ? 'ok' : r.reason;
  };
  const { 'wechatpay-nonce': _n, ...noNonce } = h;
  assert.equal(reason(noNonce), 'missing_headers');
  assert.equal(reason({ ...h, 'wechatpay-signature': `WECHATPAY/SIGNTEST/${h['wechatpay-signature']}` }), 'signtest_probe');
  const stale = signedBodyHeaders({ privateKey: platform.privateKey, serial: SERIAL, body, timestamp: unixSeconds() - 300 });
  assert.equal(reason(stale), 'stale_timestamp');
  const fresh = signedBodyHeaders({ privateKey: platform.privateKey, serial: SERIAL, body, timestamp: unixSeconds() - 290 });
  assert.equal(reason(fresh), 'ok');
  const future = signedBodyHeaders({ privateKey: platform.privateKey, serial: SERIAL, body, timestamp: unixSeconds() + 400 });
  assert.equal(reason(future), 'stale_timestamp');
  assert.equal(reason({ ...h, 'wechatpay-serial': 'UNKNOWN' }), 'unknown_serial');
  const forged = signedBodyHeaders({ privateKey: forger.privateKey, serial: SERIAL, body });
  assert.equal(reason(forged), 'bad_signature');
  assert.equal(reason(h, body.replace('2018', '2019')), 'bad_signature');
  assert.equal(reason(h, `${body} `), 'bad_signature');
});
