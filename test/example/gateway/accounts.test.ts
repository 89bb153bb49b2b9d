import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Accounts, InsufficientBalanceError, VersionConflictError } from '../../../examples/payments/gateway/state/accounts';
import type { JournalSink } from '../../../examples/payments/gateway/state/journal';
import type { JournalRecord } from '../../../examples/payments/gateway/state/records';
import { startPair, type Pair } from './harness';

let pair: Pair;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paysidecar-accounts-'));
  pair = await startPair({ gateway: { accounts: { bob: 5000 }, journal: join(dir, 'journal.jsonl'), rateLimit: { ratePerSecond: 0, burst: 1 } } });
});
after(async () => {
  await pair.close();
  rmSync(dir, { recursive: true, force: true });
});

test('100 concurrent deductions on one account: never overdrawn, no update lost', async () => {
  const results = await Promise.all(Array.from({ length: 100 }, () => pair.api('POST', '/api/accounts/bob/deduct', { amount: 70 })));
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 409);
  // 5000 / 70 = 71 deductions fit, leaving 30.
  assert.equal(ok.length, 71);
  assert.equal(refused.length, 29);
  for (const r of refused) {
    assert.equal(r.json.code, 'PAYSIDECAR_GATEWAY_INSUFFICIENT_BALANCE');
    assert.equal(r.json.balance, 30);
  }
  const versions = ok.map((r) => r.json.version).sort((a, b) => a - b);
  assert.deepEqual(versions, Array.from({ length: 71 }, (_, i) => i + 1), 'every successful deduction saw its own version');
  assert.ok(ok.every((r) => r.json.balance >= 0));
  const bob = (await pair.api('GET', '/api/accounts/bob')).json;
  assert.deepEqual(bob, { id: 'bob', balance: 30, version: 71 });
  const journaled = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JournalRecord).filter((r) => r.k === 'account' && r.v.id === 'bob');
  assert.equal(journaled.length, 71, 'each deduction journaled once');
  assert.deepEqual(journaled[journaled.length - 1], { k: 'account', v: { id: 'bob', balance: 30, version: 71 } });
});

test('a bad amount or account id is refused naming it', async () => {
  const r = await pair.api('POST', '/api/accounts/bob/deduct', { amount: -5 });
  assert.equal(r.status, 400);
  assert.match(r.json.message, /amount: expected a positive integer number of fen, got -5/);
  const bad = await pair.api('GET', '/api/accounts/has%20space');
  assert.equal(bad.status, 400);
  assert.match(bad.json.message, /account id/);
});

/** A journal whose appends wait until released, to hold a writer mid-commit. */
class GatedJournal implements JournalSink<JournalRecord> {
  release: () => void = () => {};
  async append(): Promise<void> {
    await new Promise<void>((r) => (this.release = r));
  }
  async close(): Promise<void> {}
}

test('the version check catches a writer that bypassed the lock instead of losing its update', async () => {
  const journal = new GatedJournal();
  const accounts = new Accounts(journal, () => 1000);
  const pending = accounts.deduct('carol', 100);
  await new Promise((r) => setImmediate(r));
  // Someone changes the account without the lock while the deduction waits for its fsync.
  accounts.restore({ id: 'carol', balance: 5, version: 7 });
  journal.release();
  await assert.rejects(pending, VersionConflictError);
  assert.deepEqual(accounts.view('carol'), { id: 'carol', balance: 5, version: 7 }, 'the rogue write was not overwritten');
});

test('a transfer moves money between two accounts atomically, or not at all', async () => {
  const applied: JournalRecord[][] = [];
  const accounts = new Accounts({ append: async (r) => void applied.push([...r]), close: async () => {} }, (id) => (id === 'payer' ? 100 : 0));
  await accounts.transfer('payer', 'merchant', 60, [], () => {});
  assert.equal(accounts.view('payer').balance, 40);
  assert.equal(accounts.view('merchant').balance, 60);
  assert.equal(applied[0].length, 2, 'both accounts in one journal append');
  await assert.rejects(accounts.transfer('payer', 'merchant', 41, [], () => {}), InsufficientBalanceError);
  assert.equal(accounts.view('payer').balance, 40);
  assert.equal(accounts.view('merchant').balance, 60);
  // Opposite-direction transfers at once must not deadlock.
  await Promise.all([accounts.transfer('payer', 'merchant', 10, [], () => {}), accounts.transfer('merchant', 'payer', 20, [], () => {})]);
  assert.equal(accounts.view('payer').balance + accounts.view('merchant').balance, 100);
});
