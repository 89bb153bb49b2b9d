import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type RunningPlatform } from '../../../examples/payments/platform/server';
import { REDELIVERY_SCHEDULE_MS, redeliveryDelayMs } from '../../../examples/payments/platform/notify/schedule';
import { decryptResource } from '../../../examples/payments/wxpay/aead';
import { verifySignedBody } from '../../../examples/payments/wxpay/signed-body';
import type { NotifyEnvelope, Transaction } from '../../../examples/payments/wxpay/types';
import { orderBody, plainCall, receiver, signedCall, silent, tempKeys, waitFor, type Received, type TempKeys } from './harness';

const SCALE = 0.01; // 15 s → 150 ms
let keys: TempKeys;
let platform: RunningPlatform;
let seq = 0;
before(async () => {
  keys = await tempKeys();
  platform = await startPlatform({ keysDir: keys.dir, port: 0, logger: silent, notifyTimeScale: SCALE, notifyTimeoutMs: 300, refundDelayMs: 20 });
});
after(async () => {
  await platform.close();
  keys.cleanup();
});

async function payOrder(notifyUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const no = `NOTIFY${String(++seq).padStart(6, '0')}`;
  const r = await signedCall(platform.url, keys.merchant, 'POST', '/v3/pay/transactions/native', orderBody(keys.merchant, no, notifyUrl), { headers });
  assert.equal(r.status, 200, r.text);
  assert.equal((await plainCall(platform.url, 'POST', '/mock/pay', { out_trade_no: no })).status, 200);
  return no;
}

function verify(r: Received) {
  return verifySignedBody({ headers: r.headers, body: r.body, keyFor: (s) => (s === keys.merchant.platformSerial ? keys.merchant.platformPublicKey : undefined) });
}

test('the redelivery schedule is the real one: 15 entries, 24h4m in all', () => {
  assert.equal(REDELIVERY_SCHEDULE_MS.length, 15);
  assert.equal(REDELIVERY_SCHEDULE_MS.reduce((a, b) => a + b, 0), (24 * 60 + 4) * 60_000);
  assert.equal(redeliveryDelayMs(1, 0.001), 15);
  assert.equal(redeliveryDelayMs(16, 1), undefined);
});

test('TRANSACTION.SUCCESS is signed, AES-256-GCM encrypted and decrypts to the transaction', async () => {
  const rx = await receiver((_r, _i, res) => res.writeHead(204).end());
  try {
    const no = await payOrder(`${rx.url}/notify/wxpay`);
    await waitFor('callback', () => rx.received.length >= 1);
    const r = rx.received[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/notify/wxpay');
    assert.deepEqual(verify(r), { ok: true, serial: keys.merchant.platformSerial });
    assert.equal(r.headers['wechatpay-signature-type'], 'WECHATPAY2-SHA256-RSA2048');
    const env = JSON.parse(r.body) as NotifyEnvelope;
    assert.match(env.id, /^EV-\d{19}$/);
    assert.equal(env.event_type, 'TRANSACTION.SUCCESS');
    assert.equal(env.resource_type, 'encrypt-resource');
    assert.equal(env.resource.algorithm, 'AEAD_AES_256_GCM');
    assert.equal(env.resource.associated_data, 'transaction');
    assert.equal(env.resource.original_type, 'transaction');
    assert.match(env.resource.nonce, /^[0-9A-Za-z]{12}$/);
    const tx = JSON.parse(decryptResource(keys.merchant.apiV3Key.reveal(), env.resource)) as Transaction;
    assert.equal(tx.out_trade_no, no);
    assert.equal(tx.trade_state, 'SUCCESS');
    assert.equal(tx.mchid, keys.merchant.mchid);
    assert.equal(tx.amount.total, 100);
    await waitFor('delivery record', () => platform.notifier.records(no).find((d) => d.outcome === 'delivered'));
  } finally {
    await rx.close();
  }
});

test('a bad reply is redelivered on the scaled schedule with the same id and body, freshly signed', async () => {
  const rx = await receiver((_r, i, res) => {
    if (i < 3) res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"FAIL","message":"busy"}');
    else res.writeHead(200).end();
  });
  try {
    const no = await payOrder(`${rx.url}/notify/wxpay`);
    await waitFor('4 attempts', () => rx.received.length >= 4, 8000);
    await waitFor('delivered', () => platform.notifier.records(no).find((d) => d.outcome === 'delivered'));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(rx.received.length, 4, 'no attempt after a 200');
    const ids = rx.received.map((r) => (JSON.parse(r.body) as NotifyEnvelope).id);
    assert.equal(new Set(ids).size, 1);
    assert.equal(new Set(rx.received.map((r) => r.body)).size, 1);
    assert.equal(new Set(rx.received.map((r) => r.headers['wechatpay-nonce'])).size, 4);
    for (const r of rx.received) assert.equal(verify(r).ok, true);
    const gaps = rx.received.slice(1).map((r, i) => r.at - rx.received[i].at);
    const expected = REDELIVERY_SCHEDULE_MS.slice(0, 3).map((ms) => ms * SCALE);
    gaps.forEach((g, i) => assert.ok(g >= expected[i] - 5, `gap ${i + 1} was ${g.toFixed(0)} ms, expected >= ${expected[i]} ms`));
    const recs = platform.notifier.records(no);
    assert.deepEqual(recs.map((d) => d.outcome), ['rejected', 'rejected', 'rejected', 'delivered']);
    assert.deepEqual(recs.slice(0, 3).map((d) => d.next_attempt_in_ms), expected);
  } finally {
    await rx.close();
  }
});

test('a reply later than the deadline counts as failed and is redelivered', async () => {
  const rx = await receiver((_r, i, res) => {
    if (i === 0) setTimeout(() => res.writeHead(204).end(), 600);
    else res.writeHead(204).end();
  });
  try {
    const no = await payOrder(`${rx.url}/notify/wxpay`);
    await waitFor('delivered', () => platform.notifier.records(no).find((d) => d.outcome === 'delivered'), 5000);
    const recs = platform.notifier.records(no);
    assert.equal(recs[0].outcome, 'late');
    assert.equal(recs[1].outcome, 'delivered');
  } finally {
    await rx.close();
  }
});

test('the callback carries the trace id of the request that created the order', async () => {
  const rx = await receiver((_r, _i, res) => res.writeHead(204).end());
  try {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await payOrder(`${rx.url}/notify/wxpay`, { traceparent, 'x-trace-id': 'tr-4bf92f3577b34da6a3ce929d0e0e4736' });
    await waitFor('callback', () => rx.received.length >= 1);
    const tp = String(rx.received[0].headers.traceparent);
    assert.match(tp, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    assert.notEqual(tp, traceparent, 'a fresh parent span id');
    assert.equal(rx.received[0].headers['x-trace-id'], 'tr-4bf92f3577b34da6a3ce929d0e0e4736');
  } finally {
    await rx.close();
  }
});

test('refunds send REFUND.SUCCESS with the refund resource', async () => {
  const rx = await receiver((_r, _i, res) => res.writeHead(204).end());
  try {
    const no = await payOrder('https://unused.example/notify');
    const r = await signedCall(platform.url, keys.merchant, 'POST', '/v3/refund/domestic/refunds', {
      out_trade_no: no,
      out_refund_no: `RF-${no}`,
      notify_url: `${rx.url}/notify/refund`,
      amount: { refund: 30, total: 100, currency: 'CNY' },
    });
    assert.equal(r.status, 200, r.text);
    await waitFor('refund callback', () => rx.received.find((x) => x.url === '/notify/refund'));
    const got = rx.received.find((x) => x.url === '/notify/refund') as Received;
    assert.equal(verify(got).ok, true);
    const env = JSON.parse(got.body) as NotifyEnvelope;
    assert.equal(env.event_type, 'REFUND.SUCCESS');
    assert.equal(env.resource.associated_data, 'refund');
    const plain = JSON.parse(decryptResource(keys.merchant.apiV3Key.reveal(), env.resource));
    assert.equal(plain.out_refund_no, `RF-${no}`);
    assert.equal(plain.refund_status, 'SUCCESS');
    assert.equal(plain.amount.refund, 30);
  } finally {
    await rx.close();
  }
});

test('SIGNTEST probes precede the first callback; refusing them is recorded as correct', async () => {
  const probing = await startPlatform({ keysDir: keys.dir, port: 0, logger: silent, signtestProbes: true });
  const rx = await receiver((r, _i, res) => {
    const ok = verify(r).ok;
    res.writeHead(ok ? 204 : 401, { 'content-type': 'application/json' }).end(ok ? undefined : '{"code":"FAIL","message":"bad signature"}');
  });
  try {
    const no = 'PROBE00001';
    await signedCall(probing.url, keys.merchant, 'POST', '/v3/pay/transactions/native', orderBody(keys.merchant, no, `${rx.url}/notify/wxpay`));
    await plainCall(probing.url, 'POST', '/mock/pay', { out_trade_no: no });
    await waitFor('probe + callback', () => rx.received.length >= 2);
    assert.match(String(rx.received[0].headers['wechatpay-signature']), /^WECHATPAY\/SIGNTEST\//);
    assert.doesNotMatch(String(rx.received[1].headers['wechatpay-signature']), /^WECHATPAY\/SIGNTEST\//);
    const probes = (await plainCall(probing.url, 'GET', '/mock/signtest')).json.probes;
    assert.equal(probes.length, 1);
    assert.equal(probes[0].outcome, 'refused');
    assert.equal(probes[0].status, 401);
  } finally {
    await rx.close();
    await probing.close();
  }
});
