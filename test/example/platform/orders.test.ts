import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type RunningPlatform } from '../../../examples/payments/platform/server';
import { orderBody, plainCall, signedCall, silent, tempKeys, waitFor, type TempKeys } from './harness';

let keys: TempKeys;
let platform: RunningPlatform;
const NOTIFY = 'https://merchant.example/notify/wxpay';
before(async () => {
  keys = await tempKeys();
  // Notifies go nowhere reachable; none of these tests wait for one.
  platform = await startPlatform({ keysDir: keys.dir, port: 0, logger: silent, refundDelayMs: 50, notifyTimeoutMs: 200 });
});
after(async () => {
  await platform.close();
  keys.cleanup();
});

const post = (path: string, body: unknown) => signedCall(platform.url, keys.merchant, 'POST', path, body);
const get = (path: string) => signedCall(platform.url, keys.merchant, 'GET', path);

test('PARAM_ERROR names the field, the value and the issue', async () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['/v3/pay/transactions/jsapi', orderBody(keys.merchant, 'PARAM00001', NOTIFY), '/payer'],
    ['/v3/pay/transactions/native', orderBody(keys.merchant, 'PARAM00002', NOTIFY, { amount: { total: 0 } }), '/amount/total'],
    ['/v3/pay/transactions/native', orderBody(keys.merchant, 'PARAM00003', NOTIFY, { amount: { total: 1, currency: 'USD' } }), '/amount/currency'],
    ['/v3/pay/transactions/native', orderBody(keys.merchant, 'bad no!', NOTIFY), '/out_trade_no'],
    ['/v3/pay/transactions/native', orderBody(keys.merchant, 'PARAM00004', 'https://merchant.example/n?x=1'), '/notify_url'],
    ['/v3/pay/transactions/native', orderBody(keys.merchant, 'PARAM00005', NOTIFY, { description: 'x'.repeat(128) }), '/description'],
  ];
  for (const [path, body, field] of cases) {
    const r = await post(path, body);
    assert.equal(r.status, 400, `${field}: ${r.text}`);
    assert.equal(r.json.code, 'PARAM_ERROR');
    assert.equal(r.json.detail.field, field);
    assert.equal(r.json.detail.location, 'body');
    assert.ok(r.json.detail.issue);
  }
  const wrongApp = await post('/v3/pay/transactions/native', orderBody(keys.merchant, 'PARAM00006', NOTIFY, { appid: 'wx0000000000000000' }));
  assert.equal(wrongApp.status, 400);
  assert.equal(wrongApp.json.code, 'APPID_MCHID_NOT_MATCH');
});

test('re-ordering: same parameters return the same prepay_id; changed ones are OUT_TRADE_NO_USED', async () => {
  const body = orderBody(keys.merchant, 'REORDER001', NOTIFY, { payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } });
  const a = await post('/v3/pay/transactions/jsapi', body);
  const b = await post('/v3/pay/transactions/jsapi', body);
  assert.equal(a.status, 200);
  assert.match(a.json.prepay_id, /^wx\d{14}/);
  assert.equal(b.json.prepay_id, a.json.prepay_id);
  const c = await post('/v3/pay/transactions/jsapi', { ...body, amount: { total: 101, currency: 'CNY' } });
  assert.equal(c.status, 403);
  assert.equal(c.json.code, 'OUT_TRADE_NO_USED');
});

test('query by out_trade_no and by transaction_id; unknown orders are ORDER_NOT_EXIST', async () => {
  await post('/v3/pay/transactions/native', orderBody(keys.merchant, 'QUERY00001', NOTIFY));
  const before = await get(`/v3/pay/transactions/out-trade-no/QUERY00001?mchid=${keys.merchant.mchid}`);
  assert.equal(before.json.trade_state, 'NOTPAY');
  assert.equal(before.json.transaction_id, undefined);
  const paid = await plainCall(platform.url, 'POST', '/mock/pay', { out_trade_no: 'QUERY00001', notify: false });
  assert.equal(paid.status, 200);
  const after = await get(`/v3/pay/transactions/out-trade-no/QUERY00001?mchid=${keys.merchant.mchid}`);
  assert.equal(after.json.trade_state, 'SUCCESS');
  assert.match(after.json.transaction_id, /^4200\d{24}$/);
  assert.equal(after.json.amount.payer_total, 100);
  assert.match(after.json.success_time, /\+08:00$/);
  const byId = await get(`/v3/pay/transactions/id/${after.json.transaction_id}?mchid=${keys.merchant.mchid}`);
  assert.equal(byId.json.out_trade_no, 'QUERY00001');
  const missing = await get(`/v3/pay/transactions/out-trade-no/NOSUCH0001?mchid=${keys.merchant.mchid}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.code, 'ORDER_NOT_EXIST');
  const noMchid = await get('/v3/pay/transactions/out-trade-no/QUERY00001');
  assert.equal(noMchid.status, 400);
  assert.equal(noMchid.json.detail.location, 'query');
});

test('close: 204, then CLOSED; paying a closed order is ORDER_CLOSED; closing a paid one is ORDERPAID', async () => {
  await post('/v3/pay/transactions/native', orderBody(keys.merchant, 'CLOSE00001', NOTIFY));
  const closed = await post('/v3/pay/transactions/out-trade-no/CLOSE00001/close', { mchid: keys.merchant.mchid });
  assert.equal(closed.status, 204);
  assert.equal(closed.text, '');
  assert.equal((await get(`/v3/pay/transactions/out-trade-no/CLOSE00001?mchid=${keys.merchant.mchid}`)).json.trade_state, 'CLOSED');
  const pay = await plainCall(platform.url, 'POST', '/mock/pay', { out_trade_no: 'CLOSE00001' });
  assert.equal(pay.status, 400);
  assert.equal(pay.json.code, 'ORDER_CLOSED');
  const reorder = await post('/v3/pay/transactions/native', orderBody(keys.merchant, 'CLOSE00001', NOTIFY));
  assert.equal(reorder.json.code, 'ORDER_CLOSED');
  await post('/v3/pay/transactions/native', orderBody(keys.merchant, 'CLOSE00002', NOTIFY));
  await plainCall(platform.url, 'POST', '/mock/pay', { out_trade_no: 'CLOSE00002', notify: false });
  const paidClose = await post('/v3/pay/transactions/out-trade-no/CLOSE00002/close', { mchid: keys.merchant.mchid });
  assert.equal(paidClose.status, 403);
  assert.equal(paidClose.json.code, 'ORDERPAID');
});

test('refunds: unpaid is INVALID_REQUEST, too much is NOT_ENOUGH, a good one goes PROCESSING → SUCCESS', async () => {
  await post('/v3/pay/transactions/native', orderBody(keys.merchant, 'REFUND0001', NOTIFY));
  const refund = (no: string, refundNo: string, amount: number, total = 100) =>
    post('/v3/refund/domestic/refunds', { out_trade_no: no, out_refund_no: refundNo, reason: 'test', amount: { refund: amount, total, currency: 'CNY' } });
  const unpaid = await refund('REFUND0001', 'R-1', 10);
  assert.equal(unpaid.status, 400);
  assert.equal(unpaid.json.code, 'INVALID_REQUEST');
  await plainCall(platform.url, 'POST', '/mock/pay', { out_trade_no: 'REFUND0001', notify: false });
  const wrongTotal = await refund('REFUND0001', 'R-2', 10, 99);
  assert.equal(wrongTotal.json.detail.field, '/amount/total');
  const ok = await refund('REFUND0001', 'R-3', 60);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.status, 'PROCESSING');
  assert.equal(ok.json.amount.refund, 60);
  const same = await refund('REFUND0001', 'R-3', 60);
  assert.equal(same.json.refund_id, ok.json.refund_id, 'same out_refund_no, same parameters: the same refund');
  const tooMuch = await refund('REFUND0001', 'R-4', 41);
  assert.equal(tooMuch.status, 403);
  assert.equal(tooMuch.json.code, 'NOT_ENOUGH');
  await waitFor('refund SUCCESS', async () => (await get('/v3/refund/domestic/refunds/R-3')).json.status === 'SUCCESS');
  assert.equal((await get(`/v3/pay/transactions/out-trade-no/REFUND0001?mchid=${keys.merchant.mchid}`)).json.trade_state, 'REFUND');
  const none = await get('/v3/refund/domestic/refunds/NOPE');
  assert.equal(none.status, 404);
  assert.equal(none.json.code, 'RESOURCE_NOT_EXISTS');
});
