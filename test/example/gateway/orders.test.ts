import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from './harness';
import { waitFor } from '../platform/harness';

let pair: Pair;
before(async () => {
  pair = await startPair({ gateway: { accounts: { alice: 10_000, poor: 50 } } });
});
after(() => pair.close());

test('POST /api/orders creates a native order at the platform → 201 with code_url', async () => {
  const r = await pair.api('POST', '/api/orders', { amount: 100, description: 'coffee', type: 'native' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.out_trade_no, /^PS\d{14}[0-9A-Za-z]{12}$/);
  assert.match(r.json.code_url, /^weixin:\/\//);
  assert.equal(r.json.trade_state, 'NOTPAY');
  assert.equal(pair.platform.store.getOrder(pair.keys.merchant.mchid, r.json.out_trade_no)?.total, 100);
});

test('jsapi orders need an openid and return a prepay_id', async () => {
  const bad = await pair.api('POST', '/api/orders', { amount: 100, description: 'x', type: 'jsapi' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.code, 'PAYSIDECAR_GATEWAY_BAD_REQUEST');
  assert.match(bad.json.message, /openid: required for type "jsapi"/);
  const ok = await pair.api('POST', '/api/orders', { amount: 100, description: 'x', type: 'jsapi', openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' });
  assert.equal(ok.status, 201, ok.text);
  assert.match(ok.json.prepay_id, /^wx/);
});

test('validation errors name the field, the value and what was expected', async () => {
  const cases: [unknown, RegExp][] = [
    [{ amount: 0, description: 'x', type: 'native' }, /amount: expected a positive integer number of fen, got 0/],
    [{ amount: 1.5, description: 'x', type: 'native' }, /amount: expected a positive integer number of fen, got 1.5/],
    [{ amount: 1, description: '', type: 'native' }, /description: expected a string of 1-127 characters, got ""/],
    [{ amount: 1, description: 'x', type: 'card' }, /type: expected "native" or "jsapi", got "card"/],
    [{ amount: 1, description: 'x', type: 'native', tip: 5 }, /unknown field\(s\) tip/],
    [{ description: 'x', type: 'native' }, /amount: .* \(missing\)/],
  ];
  for (const [body, re] of cases) {
    const r = await pair.api('POST', '/api/orders', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.json.message, re);
  }
  const badKey = await pair.api('POST', '/api/orders', { amount: 1, description: 'x', type: 'native' }, { 'idempotency-key': 'has space' });
  assert.match(badKey.json.message, /Idempotency-Key: expected 1-128 printable ASCII characters, got "has space"/);
});

test('Idempotency-Key returns the same order on repeat, and refuses a different body', async () => {
  const body = { amount: 250, description: 'book', type: 'native' };
  const a = await pair.api('POST', '/api/orders', body, { 'idempotency-key': 'order-key-1' });
  const [b, c] = await Promise.all([pair.api('POST', '/api/orders', body, { 'idempotency-key': 'order-key-1' }), pair.api('POST', '/api/orders', body, { 'idempotency-key': 'order-key-1' })]);
  assert.equal(a.status, 201);
  assert.equal(b.json.out_trade_no, a.json.out_trade_no);
  assert.equal(c.json.out_trade_no, a.json.out_trade_no);
  assert.equal(b.headers['idempotent-replayed'], 'true');
  assert.equal(b.json.code_url, a.json.code_url);
  const other = await pair.api('POST', '/api/orders', { ...body, amount: 251 }, { 'idempotency-key': 'order-key-1' });
  assert.equal(other.status, 422);
  assert.equal(other.json.code, 'PAYSIDECAR_GATEWAY_IDEMPOTENCY_MISMATCH');
  assert.equal(other.json.out_trade_no, a.json.out_trade_no);
});

test('an order the account cannot cover is a clear business error', async () => {
  const r = await pair.api('POST', '/api/orders', { amount: 100, description: 'x', type: 'native', account: 'poor' });
  assert.equal(r.status, 409);
  assert.equal(r.json.code, 'PAYSIDECAR_GATEWAY_INSUFFICIENT_BALANCE');
  assert.match(r.json.message, /account poor has 50 fen, the order needs 100/);
});

test('pay → callback → SUCCESS, the payer debited and the merchant credited once', async () => {
  const created = await pair.api('POST', '/api/orders', { amount: 300, description: 'x', type: 'native', account: 'alice' });
  const no = created.json.out_trade_no;
  assert.equal((await pair.pay(no)).status, 200);
  // Wait on the platform's delivery record, not on GET: GET would apply the payment from its query.
  await waitFor('callback delivered', () => pair.platform.notifier.records(no).find((d) => d.outcome === 'delivered'));
  const order = (await pair.api('GET', `/api/orders/${no}`)).json;
  assert.match(order.transaction_id, /^4200/);
  assert.equal(order.settlement, 'settled');
  assert.equal((await pair.api('GET', '/api/accounts/alice')).json.balance, 10_000 - 300);
  assert.equal((await pair.api('GET', '/api/accounts/merchant')).json.balance, 300);
});

test('a lost callback is made up by the platform query on GET (applied once)', async () => {
  const created = await pair.api('POST', '/api/orders', { amount: 200, description: 'x', type: 'native', account: 'alice' });
  const no = created.json.out_trade_no;
  const before = (await pair.api('GET', '/api/accounts/alice')).json.balance;
  await pair.pay(no, { notify: false });
  const [a, b] = await Promise.all([pair.api('GET', `/api/orders/${no}`), pair.api('GET', `/api/orders/${no}`)]);
  assert.equal(a.json.trade_state, 'SUCCESS');
  assert.equal(b.json.trade_state, 'SUCCESS');
  assert.equal((await pair.api('GET', '/api/accounts/alice')).json.balance, before - 200);
});

test('GET of an order unknown here asks the platform; unknown there too is 404', async () => {
  const r = await pair.api('GET', '/api/orders/NOSUCHORDER1');
  assert.equal(r.status, 404);
  assert.equal(r.json.code, 'PAYSIDECAR_GATEWAY_ORDER_NOT_FOUND');
});

test('close an unpaid order; closing a paid one is refused', async () => {
  const a = (await pair.api('POST', '/api/orders', { amount: 100, description: 'x', type: 'native' })).json.out_trade_no;
  const closed = await pair.api('POST', `/api/orders/${a}/close`);
  assert.equal(closed.status, 200, closed.text);
  assert.equal(closed.json.trade_state, 'CLOSED');
  assert.equal(pair.platform.store.getOrder(pair.keys.merchant.mchid, a)?.state, 'CLOSED');
  const b = (await pair.api('POST', '/api/orders', { amount: 100, description: 'x', type: 'native' })).json.out_trade_no;
  await pair.pay(b);
  await waitFor('paid', async () => (await pair.api('GET', `/api/orders/${b}`)).json.trade_state === 'SUCCESS');
  const refused = await pair.api('POST', `/api/orders/${b}/close`);
  assert.equal(refused.status, 409);
  assert.equal(refused.json.code, 'PAYSIDECAR_GATEWAY_ORDER_STATE');
});

test('refund → REFUND.SUCCESS → REFUND state, money back to the payer; over-refund refused', async () => {
  const no = (await pair.api('POST', '/api/orders', { amount: 500, description: 'x', type: 'native', account: 'alice' })).json.out_trade_no;
  const unpaid = await pair.api('POST', `/api/orders/${no}/refund`, { amount: 100 });
  assert.equal(unpaid.status, 409);
  await pair.pay(no);
  await waitFor('paid', async () => (await pair.api('GET', `/api/orders/${no}`)).json.trade_state === 'SUCCESS');
  const afterPay = (await pair.api('GET', '/api/accounts/alice')).json.balance;
  const r = await pair.api('POST', `/api/orders/${no}/refund`, { amount: 200, reason: 'changed mind' }, { 'idempotency-key': 'refund-key-1' });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.refund.status, 'PROCESSING');
  const again = await pair.api('POST', `/api/orders/${no}/refund`, { amount: 200, reason: 'changed mind' }, { 'idempotency-key': 'refund-key-1' });
  assert.equal(again.json.refund.out_refund_no, r.json.refund.out_refund_no);
  const over = await pair.api('POST', `/api/orders/${no}/refund`, { amount: 301 });
  assert.equal(over.status, 409);
  assert.match(over.json.message, /exceeds the refundable 300/);
  await waitFor('refund applied', async () => (await pair.api('GET', `/api/orders/${no}`)).json.refunded === 200);
  const order = (await pair.api('GET', `/api/orders/${no}`)).json;
  assert.equal(order.trade_state, 'REFUND');
  assert.equal(order.refunds[0].status, 'SUCCESS');
  assert.equal((await pair.api('GET', '/api/accounts/alice')).json.balance, afterPay + 200);
});
