import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { KEY_FILES, ensureKeysDir, loadMerchantKeys, loadPlatformKeys } from '../../../examples/payments/wxpay/keys';
import { signSha256WithRsa, verifySha256WithRsa } from '../../../examples/payments/wxpay/rsa';

const root = mkdtempSync(join(tmpdir(), 'wxpay-keys-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('creates a complete keys dir when missing, private files 0600', async () => {
  const dir = join(root, 'a', 'keys');
  const r = await ensureKeysDir(dir);
  assert.equal(r.created, true);
  for (const f of [KEY_FILES.merchantPrivate, KEY_FILES.platformPrivate, KEY_FILES.apiV3Key]) {
    assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  }
  const ids = JSON.parse(readFileSync(join(dir, KEY_FILES.ids), 'utf8'));
  assert.match(ids.merchant_serial, /^[0-9A-F]{40}$/);
  assert.match(ids.platform_serial, /^[0-9A-F]{40}$/);
  assert.match(ids.mchid, /^\d{10}$/);
  assert.match(ids.appid, /^wx[0-9a-f]{16}$/);
  assert.equal(Buffer.byteLength(readFileSync(join(dir, KEY_FILES.apiV3Key), 'utf8')), 32);
});

test('reuses an existing keys dir, and both sides get matching halves', async () => {
  const dir = join(root, 'b');
  await ensureKeysDir(dir);
  const again = await ensureKeysDir(dir);
  assert.equal(again.created, false);
  const m = await loadMerchantKeys(dir);
  const p = await loadPlatformKeys(dir);
  assert.equal(m.merchantSerial, p.merchantSerial);
  assert.equal(m.platformSerial, p.platformSerial);
  assert.equal(m.apiV3Key.reveal(), p.apiV3Key.reveal());
  assert.ok(verifySha256WithRsa(p.merchantPublicKey, 'msg', signSha256WithRsa(m.merchantPrivateKey, 'msg')));
  assert.ok(verifySha256WithRsa(m.platformPublicKey, 'msg', signSha256WithRsa(p.platformPrivateKey, 'msg')));
  assert.equal('platformPrivateKey' in m, false, 'the merchant side never holds the platform private key');
});

test('two processes racing to create the same dir agree on one set of keys', async () => {
  const dir = join(root, 'race');
  const [a, b] = await Promise.all([ensureKeysDir(dir), ensureKeysDir(dir)]);
  assert.equal([a.created, b.created].filter(Boolean).length, 1);
  const [ka, kb] = await Promise.all([loadMerchantKeys(dir), loadMerchantKeys(dir)]);
  assert.equal(ka.merchantSerial, kb.merchantSerial);
});

test('an empty existing directory is filled; a foreign non-empty one is refused', async () => {
  const empty = join(root, 'empty');
  mkdirSync(empty);
  assert.equal((await ensureKeysDir(empty)).created, true);
  const foreign = join(root, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'notes.txt'), 'x');
  await assert.rejects(ensureKeysDir(foreign), /not a paysidecar keys dir/);
});

test('the APIv3 key never shows in JSON or inspect output', async () => {
  const dir = join(root, 'b');
  const m = await loadMerchantKeys(dir);
  const secret = m.apiV3Key.reveal();
  assert.equal(JSON.stringify(m).includes(secret), false);
  assert.equal(inspect(m, { depth: 5 }).includes(secret), false);
  assert.equal(`${m.apiV3Key}`, '[redacted]');
});
