import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayOptionsFromFlags } from '../../../examples/payments/cli/gateway';
import { platformOptionsFromFlags } from '../../../examples/payments/cli/platform';
import { plainCall, waitFor } from '../platform/harness';
import { MAIN, runCli, type CliProcess } from './cli-process';

const root = mkdtempSync(join(tmpdir(), 'paysidecar-cli-'));
const children: CliProcess[] = [];
after(async () => {
  for (const c of children) await c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

test('bad flags exit 2 with the flag, the value and what was expected', () => {
  const cases: [string[], RegExp][] = [
    [['gateway', '--timeout', 'soon'], /paysidecar gateway: --timeout: "soon" is invalid, expected a duration like 500ms, 30s, 2m or plain seconds/],
    [['gateway', '--listen', 'localhost'], /--listen: "localhost" is invalid, expected host:port/],
    [['gateway', '--platform', 'ftp://x'], /--platform: "ftp:\/\/x" is invalid, expected an http:\/\/ or https:\/\/ URL/],
    [['gateway', '--fault-error-rate', '5'], /--fault-error-rate: "5" is invalid, expected a number from 0 to 1/],
    [['gateway', '--retries', '-1'], /--retries: "-1" is invalid, expected an integer from 0 to 20/],
    [['platform', '--error-status', '418'], /paysidecar platform: --error-status: "418" is invalid, expected one of 500\|429\|503/],
    [['platform', '--latency', 'fast'], /--latency: "fast" is invalid, expected a duration \(2500ms\), a range/],
    [['platform', '--faults', '{"errorRate":3}'], /--faults: errorRate must be a number from 0 to 1/],
  ];
  for (const [args, re] of cases) {
    const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('env variables feed the options, and a bad one is named', () => {
  const o = gatewayOptionsFromFlags({}, { PAYSIDECAR_GATEWAY_LISTEN: '127.0.0.1:9999', PAYSIDECAR_KEYS_DIR: '/k', PAYSIDECAR_GATEWAY_JOURNAL: '/j' });
  assert.equal(o.port, 9999);
  assert.equal(o.keysDir, '/k');
  assert.equal(o.journal, '/j');
  assert.equal(gatewayOptionsFromFlags({ listen: '127.0.0.1:1' }, { PAYSIDECAR_GATEWAY_LISTEN: '127.0.0.1:9999' }).port, 1, 'flags beat env');
  assert.throws(() => gatewayOptionsFromFlags({}, { PAYSIDECAR_GATEWAY_PLATFORM: 'nope' }), /PAYSIDECAR_GATEWAY_PLATFORM: "nope" is invalid, expected an http/);
  const p = platformOptionsFromFlags({ latency: '100ms..300ms', errorRate: '0.1', errorStatus: '429', notifyTimeScale: '0.001' }, {});
  assert.deepEqual(p.faults, { latency: { distribution: 'uniform', minMs: 100, maxMs: 300 }, errorRate: 0.1, errorStatus: 429 });
  assert.equal(p.notifyTimeScale, 0.001);
  const g = gatewayOptionsFromFlags({ faultLatency: '2500ms', faultErrorRate: '0.2', rateLimit: '50' }, {});
  assert.deepEqual(g.faults, { latency: { distribution: 'fixed', ms: 2500 }, errorRate: 0.2 });
  assert.deepEqual(g.rateLimit, { ratePerSecond: 50, burst: 100 });
});

test('from a fresh keys dir: `paysidecar platform` + `paysidecar gateway` run order → pay → callback → SUCCESS', async () => {
  const keysDir = join(root, 'fresh', 'keys');
  const platform = runCli(['platform', '--listen', '127.0.0.1:0', '--keys-dir', keysDir, '--notify-time-scale', '0.001', '--signtest-probes']);
  children.push(platform);
  const platformUrl = await platform.url;
  const gateway = runCli(['gateway', '--listen', '127.0.0.1:0', '--platform', platformUrl, '--keys-dir', keysDir]);
  children.push(gateway);
  const gatewayUrl = await gateway.url;
  const created = await plainCall(gatewayUrl, 'POST', '/api/orders', { amount: 888, description: 'fresh clone', type: 'native', account: 'dave' });
  assert.equal(created.status, 201, created.text);
  const no = created.json.out_trade_no;
  const paid = await plainCall(platformUrl, 'POST', '/mock/pay', { out_trade_no: no });
  assert.equal(paid.status, 200);
  const deliveries = await waitFor('callback delivered', async () => {
    const d = (await plainCall(platformUrl, 'GET', `/mock/notifications?out_trade_no=${no}`)).json.deliveries;
    return d.length > 0 && d;
  }, 10_000);
  assert.equal(deliveries[0].outcome, 'delivered');
  assert.equal(deliveries[0].status, 204);
  assert.equal((await plainCall(gatewayUrl, 'GET', `/api/orders/${no}`)).json.trade_state, 'SUCCESS');
  assert.equal((await plainCall(platformUrl, 'GET', '/mock/signtest')).json.probes[0].outcome, 'refused', 'the gateway refuses SIGNTEST probes');
  assert.equal((await plainCall(gatewayUrl, 'GET', '/api/accounts/dave')).json.balance, 1_000_000 - 888);
  const created2 = JSON.parse(platform.lines.find((l) => l.includes('mock platform listening')) ?? '{}');
  assert.equal(created2.keys_created, true, 'the platform created the keys');
  const all = [...platform.lines, ...gateway.lines].join('\n');
  assert.doesNotMatch(all, /BEGIN (RSA )?PRIVATE KEY/, 'no key material in the logs');
  await gateway.kill();
  await platform.kill();
});
