import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startGateway, type RunningGateway } from '../../../examples/payments/gateway/server';
import { parseAuthorization } from '../../../examples/payments/wxpay/authorization';
import { requestMessage } from '../../../examples/payments/wxpay/message';
import { verifySha256WithRsa } from '../../../examples/payments/wxpay/rsa';
import { signedBodyHeaders } from '../../../examples/payments/wxpay/signed-body';
import { encryptResource } from '../../../examples/payments/wxpay/aead';
import { rfc3339Beijing } from '../../../examples/payments/wxpay/time';
import pino from 'pino';
import { installMetrics, plainCall } from './harness';
import { tempKeys, type TempKeys } from '../platform/harness';

/** What the scripted platform does on one attempt. */
type Step = number | 'ok' | 'reset' | 'hang' | 'unsigned';

interface Seen {
  at: number;
  body: string;
  authorization: string;
  url: string;
}

const BACKOFF = 60;
const TIMEOUT = 200;
const probe = installMetrics();
let keys: TempKeys;
let server: Server;
let gateway: RunningGateway;
let script: Step[] = [];
let seen: Seen[] = [];
/** The backoff delays the gateway chose, read from its own debug log ("retrying platform call"). */
let delays: number[] = [];
const logger = pino({ level: 'debug' }, {
  write(line: string) {
    const rec = JSON.parse(line) as { msg?: string; delay_ms?: number };
    if (rec.msg === 'retrying platform call' && typeof rec.delay_ms === 'number') delays.push(rec.delay_ms);
  },
});

const CODES: Record<number, string> = { 400: 'PARAM_ERROR', 401: 'SIGN_ERROR', 403: 'OUT_TRADE_NO_USED', 404: 'ORDER_NOT_EXIST', 429: 'FREQUENCY_LIMITED', 500: 'SYSTEM_ERROR', 502: 'SERVICE_UNAVAILABLE', 503: 'SERVICE_UNAVAILABLE' };

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ at: performance.now(), body, authorization: String(req.headers.authorization), url: req.url ?? '' });
  const step = script[seen.length - 1] ?? 'ok';
  const send = (status: number, payload: string, signed = true) => {
    const h = signed ? signedBodyHeaders({ privateKey: keys.platform.platformPrivateKey, serial: keys.platform.platformSerial, body: payload }) : {};
    res.writeHead(status, { 'content-type': 'application/json', ...h }).end(payload);
  };
  if (step === 'reset') return req.socket.resetAndDestroy() && undefined;
  if (step === 'hang') return;
  const okBody = req.url?.startsWith('/v3/refund')
    ? JSON.stringify({ refund_id: '50000000382019052709732678859', out_refund_no: JSON.parse(body).out_refund_no, status: 'PROCESSING' })
    : JSON.stringify({ code_url: 'weixin://wxpay/bizpayurl?pr=abcdefg' });
  if (step === 'ok') return send(200, okBody);
  if (step === 'unsigned') return send(200, okBody, false);
  send(step, JSON.stringify({ code: CODES[step] ?? 'SYSTEM_ERROR', message: 'scripted' }));
}

before(async () => {
  keys = await tempKeys('paysidecar-retry-');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  gateway = await startGateway({
    keysDir: keys.dir,
    port: 0,
    platformUrl: `http://127.0.0.1:${port}`,
    logger,
    resilience: { timeoutMs: TIMEOUT, maxRetries: 3, backoffInitialMs: BACKOFF, backoffMaxMs: 5000, breakerThreshold: 1000 },
  });
});
after(async () => {
  await gateway.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  keys.cleanup();
});

interface Row {
  name: string;
  script: Step[];
  retried: boolean;
  attempts: number;
  status: number;
  code?: string;
  reason?: string;
}

const MATRIX: Row[] = [
  { name: '500 SYSTEM_ERROR', script: [500, 500, 500, 500], retried: true, attempts: 4, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_ERROR', reason: 'status_5xx' },
  { name: '502', script: [502, 502, 502, 502], retried: true, attempts: 4, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_ERROR', reason: 'status_5xx' },
  { name: '503 SERVICE_UNAVAILABLE', script: [503, 503, 503, 503], retried: true, attempts: 4, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_ERROR', reason: 'status_5xx' },
  { name: '429 FREQUENCY_LIMITED', script: [429, 429, 429, 429], retried: true, attempts: 4, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_ERROR', reason: 'status_429' },
  { name: 'connection reset', script: ['reset', 'reset', 'reset', 'reset'], retried: true, attempts: 4, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_ERROR', reason: 'network_error' },
  { name: 'timeout', script: ['hang', 'hang', 'hang', 'hang'], retried: true, attempts: 4, status: 504, code: 'PAYSIDECAR_GATEWAY_PLATFORM_TIMEOUT', reason: 'timeout' },
  { name: '400 PARAM_ERROR', script: [400], retried: false, attempts: 1, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_REJECTED' },
  { name: '401 SIGN_ERROR', script: [401], retried: false, attempts: 1, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_REJECTED' },
  { name: '403 OUT_TRADE_NO_USED', script: [403], retried: false, attempts: 1, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_REJECTED' },
  { name: '404 ORDER_NOT_EXIST', script: [404], retried: false, attempts: 1, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_REJECTED' },
  { name: '200 without a signature (forged)', script: ['unsigned'], retried: false, attempts: 1, status: 502, code: 'PAYSIDECAR_GATEWAY_PLATFORM_FORGED' },
  { name: '503, 503, then 200', script: [503, 503, 'ok'], retried: true, attempts: 3, status: 201 },
  { name: 'reset, then 200', script: ['reset', 'ok'], retried: true, attempts: 2, status: 201 },
  { name: '429, then 200', script: [429, 'ok'], retried: true, attempts: 2, status: 201 },
];

function checkAttempts(row: { name: string }, expectedKey: 'out_trade_no' | 'out_refund_no'): void {
  const ids = seen.map((s) => JSON.parse(s.body)[expectedKey]);
  assert.equal(new Set(ids).size, 1, `${row.name}: the same ${expectedKey} on every attempt (${ids.join(', ')})`);
  assert.equal(new Set(seen.map((s) => s.body)).size, 1, `${row.name}: byte-identical bodies`);
  const nonces = new Set<string>();
  for (const s of seen) {
    const a = parseAuthorization(s.authorization);
    assert.ok(a.ok, row.name);
    if (!a.ok) continue;
    nonces.add(a.fields.nonce_str);
    const msg = requestMessage('POST', s.url, a.fields.timestamp, a.fields.nonce_str, s.body);
    assert.ok(verifySha256WithRsa(keys.platform.merchantPublicKey, msg, a.fields.signature), `${row.name}: every attempt freshly and correctly signed`);
  }
  assert.equal(nonces.size, seen.length, `${row.name}: a fresh nonce per attempt`);
}

for (const row of MATRIX) {
  test(`retry matrix: ${row.name} → ${row.retried ? 'retried' : 'not retried'}, ${row.attempts} attempt(s), gateway ${row.status}`, async () => {
    script = row.script;
    seen = [];
    delays = [];
    const retriesBefore = row.reason ? await probe.sum('paysidecar.gateway.platform.retries', { reason: row.reason }) : 0;
    const r = await plainCall(gateway.url, 'POST', '/api/orders', { amount: 100, description: row.name, type: 'native' });
    assert.equal(r.status, row.status, r.text);
    if (row.code) assert.equal(r.json.code, row.code);
    if (row.status !== 201) assert.match(r.json.out_trade_no, /^PS/, 'the error names the order so the client can retry it');
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(seen.length, row.attempts, `${row.name}: attempts`);
    checkAttempts(row, 'out_trade_no');
    if (row.reason) assert.equal((await probe.sum('paysidecar.gateway.platform.retries', { reason: row.reason })) - retriesBefore, row.attempts - 1, 'retries counted by reason');
    assert.equal(delays.length, row.attempts - 1, `${row.name}: one backoff per retry`);
    // Exponential backoff with jitter: retry n waits in [b·2^(n-1)/2, b·2^(n-1)), so the
    // ranges never overlap and each wait is longer than the one before.
    delays.forEach((d, i) => assert.ok(d >= (BACKOFF * 2 ** i) / 2 && d < BACKOFF * 2 ** i, `${row.name}: delay ${i + 1} = ${d} ms, expected in [${(BACKOFF * 2 ** i) / 2}, ${BACKOFF * 2 ** i})`));
    delays.slice(1).forEach((d, i) => assert.ok(d > delays[i], `${row.name}: backoff grows (${delays.join(' < ')})`));
    // And the platform really saw the waits (timers do not fire early; load only makes gaps longer).
    seen.slice(1).forEach((s, i) => {
      const gap = s.at - seen[i].at;
      assert.ok(gap >= delays[i] - 3, `${row.name}: gap ${i + 1} = ${gap.toFixed(0)} ms, backoff was ${delays[i]} ms`);
    });
  });
}

test('refunds retry with the same out_refund_no every time', async () => {
  script = ['ok'];
  seen = [];
  const created = await plainCall(gateway.url, 'POST', '/api/orders', { amount: 900, description: 'refund retry', type: 'native' });
  assert.equal(created.status, 201);
  const no = created.json.out_trade_no;
  // Pay it by delivering a signed TRANSACTION.SUCCESS, as the platform would.
  const tx = { appid: keys.merchant.appid, mchid: keys.merchant.mchid, out_trade_no: no, transaction_id: '4200000000202601010000000001', trade_type: 'NATIVE', trade_state: 'SUCCESS', trade_state_desc: 'ok', success_time: rfc3339Beijing(), amount: { total: 900, payer_total: 900, currency: 'CNY', payer_currency: 'CNY' } };
  const env = JSON.stringify({ id: 'EV-0000000000000000001', create_time: rfc3339Beijing(), resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: 'ok', resource: { original_type: 'transaction', ...encryptResource(keys.merchant.apiV3Key.reveal(), JSON.stringify(tx), 'transaction') } });
  const delivered = await request(`${gateway.url}/notify/wxpay`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedBodyHeaders({ privateKey: keys.platform.platformPrivateKey, serial: keys.platform.platformSerial, body: env }) }, body: env });
  assert.equal(delivered.statusCode, 204);
  await delivered.body.dump();
  script = [500, 'reset', 'ok'];
  seen = [];
  const r = await plainCall(gateway.url, 'POST', `/api/orders/${no}/refund`, { amount: 300 });
  assert.equal(r.status, 202, r.text);
  assert.equal(seen.length, 3);
  checkAttempts({ name: 'refund' }, 'out_refund_no');
  assert.equal(JSON.parse(seen[0].body).out_refund_no, r.json.refund.out_refund_no);
});
