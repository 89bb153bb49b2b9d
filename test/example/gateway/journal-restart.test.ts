import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '../../../examples/payments/platform/server';
import { request } from 'undici';
import { transactionNotify } from '../../../examples/payments/platform/notify/envelope';
import { toTransaction } from '../../../examples/payments/platform/store';
import { signedBodyHeaders } from '../../../examples/payments/wxpay/signed-body';
import { plainCall, silent, tempKeys, waitFor, type TempKeys } from '../platform/harness';
import { runCli, type CliProcess } from './cli-process';

let keys: TempKeys;
let platform: RunningPlatform;
let dir: string;
const children: CliProcess[] = [];
before(async () => {
  keys = await tempKeys('paysidecar-restart-');
  dir = mkdtempSync(join(tmpdir(), 'paysidecar-restart-j-'));
  platform = await startPlatform({ keysDir: keys.dir, port: 0, logger: silent, notifyTimeScale: 0.001 });
});
after(async () => {
  for (const c of children) await c.kill('SIGKILL');
  await platform.close();
  keys.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function gateway(journal: string): CliProcess {
  const c = runCli(['gateway', '--listen', '127.0.0.1:0', '--platform', platform.url, '--keys-dir', keys.dir, '--journal', journal, '--opening-balance', '10000']);
  children.push(c);
  return c;
}

test('journal replay after a kill (with a torn last write) loses no order and no balance', async () => {
  const journal = join(dir, 'gateway.jsonl');
  const first = gateway(journal);
  const url = await first.url;
  const api = (m: string, p: string, b?: unknown) => plainCall(url, m, p, b);

  const paid = (await api('POST', '/api/orders', { amount: 1200, description: 'paid before the crash', type: 'native', account: 'alice' })).json.out_trade_no;
  const unpaid = (await api('POST', '/api/orders', { amount: 300, description: 'unpaid', type: 'jsapi', openid: 'oX', account: 'alice' })).json.out_trade_no;
  assert.equal((await api('POST', '/api/accounts/carol/deduct', { amount: 2500 })).status, 200);
  await plainCall(platform.url, 'POST', '/mock/pay', { out_trade_no: paid });
  await waitFor('payment applied', async () => (await api('GET', `/api/orders/${paid}`)).json.trade_state === 'SUCCESS');
  const before = {
    paid: (await api('GET', `/api/orders/${paid}`)).json,
    alice: (await api('GET', '/api/accounts/alice')).json,
    carol: (await api('GET', '/api/accounts/carol')).json,
    merchant: (await api('GET', '/api/accounts/merchant')).json,
  };
  assert.equal(before.alice.balance, 10000 - 1200);

  await first.kill('SIGKILL');
  // The crash interrupted a write: half a record, no newline.
  appendFileSync(journal, '{"k":"account","v":{"id":"alice","bala');

  const second = gateway(journal);
  const url2 = await second.url;
  const api2 = (m: string, p: string, b?: unknown) => plainCall(url2, m, p, b);
  const warn = second.lines.map((l) => JSON.parse(l)).find((r) => r.msg?.includes('truncated record'));
  assert.ok(warn, 'the truncated record is reported');
  assert.ok(warn.dropped_bytes > 0);

  const paidAfter = (await api2('GET', `/api/orders/${paid}`)).json;
  assert.equal(paidAfter.trade_state, 'SUCCESS');
  assert.equal(paidAfter.transaction_id, before.paid.transaction_id);
  assert.equal(paidAfter.settlement, 'settled');
  const unpaidAfter = (await api2('GET', `/api/orders/${unpaid}`)).json;
  assert.equal(unpaidAfter.trade_state, 'NOTPAY');
  assert.match(unpaidAfter.prepay_id, /^wx/);
  assert.equal(unpaidAfter.source, 'local');
  assert.deepEqual((await api2('GET', '/api/accounts/alice')).json, before.alice);
  assert.deepEqual((await api2('GET', '/api/accounts/carol')).json, before.carol);
  assert.deepEqual((await api2('GET', '/api/accounts/merchant')).json, before.merchant);

  // A redelivered callback after the restart is recognised from the replayed state: no second debit.
  const order = platform.store.getOrder(keys.merchant.mchid, paid);
  assert.ok(order);
  const body = JSON.stringify(transactionNotify(keys.platform, toTransaction(order)));
  const headers = signedBodyHeaders({ privateKey: keys.platform.platformPrivateKey, serial: keys.platform.platformSerial, body });
  const res = await request(`${url2}/notify/wxpay`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  await res.body.dump();
  assert.equal(res.statusCode, 204);
  assert.deepEqual((await api2('GET', '/api/accounts/alice')).json, before.alice);
  assert.equal((await api2('POST', '/api/accounts/carol/deduct', { amount: 1 })).json.version, before.carol.version + 1, 'the journal keeps working after the repair');
  await second.kill('SIGTERM');
  assert.equal(await second.exited, 0, 'SIGTERM shuts down cleanly');
});
