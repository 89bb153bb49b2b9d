import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalUrl, requestMessage, responseMessage } from '../../../examples/payments/wxpay/message';
import { signSha256WithRsa, verifySha256WithRsa } from '../../../examples/payments/wxpay/rsa';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });

function openssl(): string {
  const r = spawnSync('openssl', ['version']);
  if (r.status !== 0) throw new Error('openssl is required for the independent SHA256withRSA check: apt-get install -y openssl');
  return 'openssl';
}

test('request message: five lines, each ending in \\n, byte-exact', () => {
  const body = '{"mchid":"1900000109","amount":{"total":1}}';
  const msg = requestMessage('post', '/v3/pay/transactions/native', 1554208460, '593BEC0C930BF1AFEB40B4A08C8FB242', body);
  assert.equal(msg, `POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n${body}\n`);
  assert.equal(msg.split('\n').length, 6);
});

test('request message for a GET has an empty body line: ends NONCE\\n\\n', () => {
  const msg = requestMessage('GET', '/v3/pay/transactions/out-trade-no/T1?mchid=1900000109', '1554208460', 'N0NCE', '');
  assert.equal(msg, 'GET\n/v3/pay/transactions/out-trade-no/T1?mchid=1900000109\n1554208460\nN0NCE\n\n');
  assert.ok(msg.endsWith('N0NCE\n\n'));
});

test('response message: TIMESTAMP\\nNONCE\\nBODY\\n', () => {
  assert.equal(responseMessage(1554209980, 'c5ac7061fccab6bf3e254dcf98995b8c', '{"code_url":"x"}'), '1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{"code_url":"x"}\n');
  assert.equal(responseMessage('1', 'n', ''), '1\nn\n\n');
});

test('canonical URL is the path plus query, no host', () => {
  assert.equal(canonicalUrl('https://api.mch.weixin.qq.com/v3/certificates?x=1&y=2'), '/v3/certificates?x=1&y=2');
  assert.equal(canonicalUrl('/v3/refund/domestic/refunds'), '/v3/refund/domestic/refunds');
});

test('SHA256withRSA: our signatures verify with openssl, and openssl signatures verify with ours', () => {
  const bin = openssl();
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-openssl-'));
  try {
    const msg = requestMessage('GET', '/v3/certificates', 1554208460, '593BEC0C930BF1AFEB40B4A08C8FB242', '');
    writeFileSync(join(dir, 'msg'), msg);
    writeFileSync(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'sig'), Buffer.from(signSha256WithRsa(privateKey, msg), 'base64'));
    const out = execFileSync(bin, ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'), join(dir, 'msg')]).toString();
    assert.match(out, /Verified OK/);
    const theirs = execFileSync(bin, ['dgst', '-sha256', '-sign', join(dir, 'key.pem'), join(dir, 'msg')]);
    assert.equal(verifySha256WithRsa(publicKey, msg, theirs.toString('base64')), true);
    // PKCS#1 v1.5 is deterministic: both must produce the same bytes.
    assert.equal(theirs.toString('base64'), signSha256WithRsa(privateKey, msg));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verification fails for a changed message, another key, or a non-base64 signature', () => {
  const msg = responseMessage(1, 'nonce', '{"a":1}');
  const sig = signSha256WithRsa(privateKey, msg);
  assert.equal(verifySha256WithRsa(publicKey, msg, sig), true);
  assert.equal(verifySha256WithRsa(publicKey, responseMessage(1, 'nonce', '{"a":2}'), sig), false);
  assert.equal(verifySha256WithRsa(other.publicKey, msg, sig), false);
  assert.equal(verifySha256WithRsa(publicKey, msg, 'WECHATPAY/SIGNTEST/abc'), false);
  assert.equal(verifySha256WithRsa(publicKey, msg, ''), false);
});
