import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'undici';
import { transactionNotify } from '../../../examples/payments/platform/notify/envelope';
import { toTransaction } from '../../../examples/payments/platform/store';
import { signedBodyHeaders } from '../../../examples/payments/wxpay/signed-body';
import { unixSeconds } from '../../../examples/payments/wxpay/nonce';
import { encryptResource } from '../../../examples/payments/wxpay/aead';
import type { Transaction } from '../../../examples/payments/wxpay/types';
import { installMetrics, startPair, type Pair } from './harness';

const probe = installMetrics();
let pair: Pair;
before(async () => {
  pair = await startPair({ gateway: { accounts: { payer: 100_000 } } });
});
after(() => pair.close());

/** An unpaid gateway order that is paid at the platform without a callback: the test delivers it. */
async function paidWithoutCallback(amount = 1000): Promise<{ no: string; tx: Transaction }> {
  const r = await pair.api('POST', '/api/orders', { amount, description: 'notify test', type: 'native', account: 'payer' });
  assert.equal(r.status, 201, r.text);
  const no = r.json.out_trade_no as string;
  await pair.pay(no, { notify: false });
  const order = pair.platform.store.getOrder(pair.keys.merchant.mchid, no);
  assert.ok(order);
  return { no, tx: toTransaction(order) };
}

async function deliver(body: string, headers: Record<string, string>, path = '/notify/wxpay') {
  const res = await request(`${pair.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.body.text();
  return { status: res.statusCode, text, json: text ? JSON.parse(text) : undefined };
}

const sign = (body: string, o: { timestamp?: number; serial?: string } = {}) =>
  signedBodyHeaders({ privateKey: pair.keys.platform.platformPrivateKey, serial: o.serial ?? pair.keys.platform.platformSerial, body, timestamp: o.timestamp });

test('forged, stale, probe, unknown-serial and unsigned callbacks → 401 FAIL, nothing applied', async () => {
  const { tx } = await paidWithoutCallback();
  const versionBefore = (await pair.api('GET', '/api/accounts/payer')).json.version;
  const body = JSON.stringify(transactionNotify(pair.keys.platform, tx));
  const forger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const good = sign(body);
  const cases: [string, Record<string, string>, string][] = [
    ['forged', signedBodyHeaders({ privateKey: forger.privateKey, serial: pair.keys.platform.platformSerial, body }), 'rejected_bad_signature'],
    ['stale', sign(body, { timestamp: unixSeconds() - 400 }), 'rejected_stale_timestamp'],
    ['probe', { ...good, 'wechatpay-signature': `WECHATPAY/SIGNTEST/${good['wechatpay-signature']}` }, 'rejected_signtest_probe'],
    ['unknown serial', sign(body, { serial: '0123456789ABCDEF0123456789ABCDEF01234567' }), 'rejected_unknown_serial'],
    ['unsigned', {}, 'rejected_missing_headers'],
  ];
  for (const [name, headers, outcome] of cases) {
    const r = await deliver(body, headers);
    assert.equal(r.status, 401, `${name}: ${r.text}`);
    assert.equal(r.json.code, 'FAIL', name);
    assert.ok(r.json.message, name);
    assert.equal(await probe.sum('paysidecar.gateway.notify.received', { outcome }), 1, `${name} counted as ${outcome}`);
  }
  const tampered = await deliver(body.replace('"summary":"支付成功"', '"summary":"x"'), good);
  assert.equal(tampered.status, 401, 'a body changed after signing');
  assert.equal((await pair.api('GET', '/api/accounts/payer')).json.version, versionBefore, 'no balance change');
  assert.equal(await probe.sum('paysidecar.gateway.notify.received', { outcome: 'applied' }), 0);
});

test('ten concurrent duplicate callbacks → one state change and one balance change', async () => {
  const { no, tx } = await paidWithoutCallback(700);
  const before = (await pair.api('GET', '/api/accounts/payer')).json;
  const merchantBefore = (await pair.api('GET', '/api/accounts/merchant')).json;
  const body = JSON.stringify(transactionNotify(pair.keys.platform, tx));
  const results = await Promise.all(Array.from({ length: 10 }, () => deliver(body, sign(body))));
  assert.deepEqual(results.map((r) => r.status), Array(10).fill(204));
  const after = (await pair.api('GET', '/api/accounts/payer')).json;
  const merchantAfter = (await pair.api('GET', '/api/accounts/merchant')).json;
  assert.equal(after.balance, before.balance - 700);
  assert.equal(after.version, before.version + 1, 'one balance change');
  assert.equal(merchantAfter.balance, merchantBefore.balance + 700);
  assert.equal(merchantAfter.version, merchantBefore.version + 1);
  const order = (await pair.api('GET', `/api/orders/${no}`)).json;
  assert.equal(order.trade_state, 'SUCCESS');
  assert.equal(order.transaction_id, tx.transaction_id);
  assert.equal(await probe.sum('paysidecar.gateway.notify.received', { outcome: 'applied', kind: 'payment' }), 1);
  assert.equal(await probe.sum('paysidecar.gateway.notify.received', { outcome: 'duplicate', kind: 'payment' }), 9);
  // A redelivery later (same id) is answered from the notify-id cache.
  const late = await deliver(body, sign(body));
  assert.equal(late.status, 204);
  assert.ok((await probe.sum('paysidecar.gateway.cache.lookups', { cache: 'notify_ids', result: 'hit' })) >= 1);
  assert.equal((await pair.api('GET', '/api/accounts/payer')).json.version, after.version);
});

test('a callback that does not match our records is refused (amount, unknown order)', async () => {
  const { tx } = await paidWithoutCallback(400);
  const before = (await pair.api('GET', '/api/accounts/payer')).json;
  const wrongAmount = JSON.stringify(transactionNotify(pair.keys.platform, { ...tx, amount: { ...tx.amount, total: 1, payer_total: 1 } }));
  const r = await deliver(wrongAmount, sign(wrongAmount));
  assert.equal(r.status, 400);
  assert.equal(r.json.code, 'FAIL');
  assert.match(r.json.message, /amount 1 does not match the order's 400/);
  const unknown = JSON.stringify(transactionNotify(pair.keys.platform, { ...tx, out_trade_no: 'NOTOURS00001' }));
  const u = await deliver(unknown, sign(unknown));
  assert.equal(u.status, 404);
  assert.equal(u.json.code, 'FAIL');
  assert.equal((await pair.api('GET', '/api/accounts/payer')).json.version, before.version);
});

test('an undecryptable resource is refused with 400 FAIL', async () => {
  const { tx } = await paidWithoutCallback(100);
  const env = transactionNotify(pair.keys.platform, tx);
  const wrongKey = { ...env, resource: { ...env.resource, ...encryptResource('0'.repeat(32), JSON.stringify(tx), 'transaction') } };
  const body = JSON.stringify(wrongKey);
  const r = await deliver(body, sign(body));
  assert.equal(r.status, 400);
  assert.match(r.json.message, /could not be decrypted/);
});

test('payment callbacks do not belong on /notify/refund', async () => {
  const { tx } = await paidWithoutCallback(100);
  const body = JSON.stringify(transactionNotify(pair.keys.platform, tx));
  const r = await deliver(body, sign(body), '/notify/refund');
  assert.equal(r.status, 400);
  assert.match(r.json.message, /event_type TRANSACTION.SUCCESS/);
});
