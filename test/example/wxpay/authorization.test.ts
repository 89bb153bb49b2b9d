import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { formatAuthorization, parseAuthorization, signRequest } from '../../../examples/payments/wxpay/authorization';
import { requestMessage } from '../../../examples/payments/wxpay/message';
import { verifySha256WithRsa } from '../../../examples/payments/wxpay/rsa';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const fields = { mchid: '1900009191', nonce_str: '593BEC0C930BF1AFEB40B4A08C8FB242', signature: 'abc+/==', timestamp: '1554208460', serial_no: '1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C' };

test('Authorization formats with the WECHATPAY2-SHA256-RSA2048 scheme and parses back', () => {
  const h = formatAuthorization(fields);
  assert.equal(h, 'WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="abc+/==",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"');
  assert.deepEqual(parseAuthorization(h), { ok: true, fields });
});

test('the five fields may come in any order', () => {
  const h = `WECHATPAY2-SHA256-RSA2048 serial_no="${fields.serial_no}",timestamp="${fields.timestamp}", signature="${fields.signature}",nonce_str="${fields.nonce_str}",mchid="${fields.mchid}"`;
  assert.deepEqual(parseAuthorization(h), { ok: true, fields });
});

test('malformed headers are refused with a reason', () => {
  const cases: [string | undefined, RegExp][] = [
    [undefined, /missing/],
    ['Bearer x', /scheme/],
    ['WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",signature="s",timestamp="1"', /serial_no is missing/],
    ['WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="2",nonce_str="n",signature="s",timestamp="1",serial_no="x"', /twice/],
    ['WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str="n"', /malformed/],
  ];
  for (const [h, re] of cases) {
    const r = parseAuthorization(h);
    assert.equal(r.ok, false, String(h));
    if (!r.ok) assert.match(r.problem, re);
  }
});

test('signRequest signs METHOD\\nURL\\nTS\\nNONCE\\nBODY\\n with fresh nonce and timestamp', () => {
  const body = '{"out_trade_no":"T123456"}';
  const a = signRequest({ mchid: '1900009191', serialNo: 'S1', privateKey, method: 'POST', canonicalUrl: '/v3/pay/transactions/native', body });
  const b = signRequest({ mchid: '1900009191', serialNo: 'S1', privateKey, method: 'POST', canonicalUrl: '/v3/pay/transactions/native', body });
  const pa = parseAuthorization(a);
  const pb = parseAuthorization(b);
  assert.ok(pa.ok && pb.ok);
  if (!pa.ok || !pb.ok) return;
  assert.notEqual(pa.fields.nonce_str, pb.fields.nonce_str);
  assert.match(pa.fields.nonce_str, /^[0-9A-Za-z]{32}$/);
  assert.ok(Math.abs(Number(pa.fields.timestamp) - Date.now() / 1000) < 5);
  const msg = requestMessage('POST', '/v3/pay/transactions/native', pa.fields.timestamp, pa.fields.nonce_str, body);
  assert.equal(verifySha256WithRsa(publicKey, msg, pa.fields.signature), true);
  assert.equal(verifySha256WithRsa(publicKey, msg.replace('T123456', 'T123457'), pa.fields.signature), false);
});
