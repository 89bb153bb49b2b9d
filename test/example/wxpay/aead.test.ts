import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { DecryptError, decryptResource, encryptResource } from '../../../examples/payments/wxpay/aead';

const KEY = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345'; // 32 ASCII bytes, as an APIv3 key is
const NONCE = 'fdasflkja484'; // 12 raw bytes, not base64

/** Built independently of aead.ts: ciphertext with the 16-byte tag appended, base64. */
function independentCiphertext(plaintext: string, aad: string): string {
  const c = createCipheriv('aes-256-gcm', Buffer.from(KEY, 'utf8'), Buffer.from(NONCE, 'utf8'));
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return Buffer.concat([ct, c.getAuthTag()]).toString('base64');
}

const tx = JSON.stringify({ out_trade_no: '1217752501201407033233368018', trade_state: 'SUCCESS', amount: { total: 100, currency: 'CNY' } });

test('decrypts AEAD_AES_256_GCM with AAD, nonce as raw bytes and the tag as the last 16 bytes', () => {
  const resource = { algorithm: 'AEAD_AES_256_GCM', ciphertext: independentCiphertext(tx, 'transaction'), associated_data: 'transaction', nonce: NONCE };
  assert.equal(decryptResource(KEY, resource), tx);
  assert.equal(Buffer.from(resource.ciphertext, 'base64').length, Buffer.byteLength(tx) + 16);
});

test('the tag must be at the end: moving it to the front fails', () => {
  const raw = Buffer.from(independentCiphertext(tx, 'transaction'), 'base64');
  const tagFirst = Buffer.concat([raw.subarray(raw.length - 16), raw.subarray(0, raw.length - 16)]).toString('base64');
  assert.throws(() => decryptResource(KEY, { algorithm: 'AEAD_AES_256_GCM', ciphertext: tagFirst, associated_data: 'transaction', nonce: NONCE }), DecryptError);
});

test('wrong AAD, flipped tag byte, wrong nonce, wrong key and wrong algorithm all fail', () => {
  const good = { algorithm: 'AEAD_AES_256_GCM', ciphertext: independentCiphertext(tx, 'transaction'), associated_data: 'transaction', nonce: NONCE };
  assert.throws(() => decryptResource(KEY, { ...good, associated_data: 'refund' }), DecryptError);
  const raw = Buffer.from(good.ciphertext, 'base64');
  raw[raw.length - 1] ^= 1;
  assert.throws(() => decryptResource(KEY, { ...good, ciphertext: raw.toString('base64') }), DecryptError);
  assert.throws(() => decryptResource(KEY, { ...good, nonce: 'fdasflkja485' }), DecryptError);
  assert.throws(() => decryptResource(KEY.replace('A', 'B'), good), DecryptError);
  assert.throws(() => decryptResource(KEY, { ...good, algorithm: 'AES_256_CBC' }), /unsupported algorithm/);
  assert.throws(() => decryptResource(KEY, { ...good, ciphertext: 'AAAA' }), /shorter than the 16-byte tag/);
});

test('empty associated_data round-trips', () => {
  const plaintext = '{"refund_status":"SUCCESS"}';
  assert.equal(decryptResource(KEY, { algorithm: 'AEAD_AES_256_GCM', ciphertext: independentCiphertext(plaintext, ''), associated_data: '', nonce: NONCE }), plaintext);
});

test('encryptResource output decrypts and matches the independent construction', () => {
  const r = encryptResource(KEY, tx, 'transaction', NONCE);
  assert.equal(r.ciphertext, independentCiphertext(tx, 'transaction'));
  assert.equal(decryptResource(KEY, r), tx);
  const fresh = encryptResource(KEY, tx, 'transaction');
  assert.match(fresh.nonce, /^[0-9A-Za-z]{12}$/);
  assert.equal(decryptResource(KEY, fresh), tx);
});

test('a key of the wrong size is refused without echoing the key', () => {
  assert.throws(
    () => decryptResource('short-secret-key', { algorithm: 'AEAD_AES_256_GCM', ciphertext: independentCiphertext(tx, ''), associated_data: '', nonce: NONCE }),
    (err: Error) => /32 bytes, got 16/.test(err.message) && !err.message.includes('short-secret-key'),
  );
});
