/** `paysidecar bench` input handling: clear errors naming flag, value and expectation; exit 2. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startTarget, type Target } from './helpers';
import type { BenchReport } from '../../src/bench/report';

const targets: Target[] = [];
after(async () => {
  await Promise.all(targets.map((t) => t.close()));
});

test('bad flags: every problem named at once, exit 2', async () => {
  const r = await runCli(['bench', '--target', 'ftp://x', '--rate', 'fast', '--duration', '5x', '--connections', '0', '--fail-on', 'meh']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--target: "ftp:\/\/x" is invalid, expected an http:\/\/ URL/);
  assert.match(r.stderr, /--rate: "fast" is invalid, expected a positive number/);
  assert.match(r.stderr, /--duration: "5x" is invalid, expected a duration like 500ms, 30s, 2m or plain seconds/);
  assert.match(r.stderr, /--connections: "0" is invalid, expected an integer from 1 to 100000/);
  assert.match(r.stderr, /--fail-on: "meh" is invalid, expected one of warning\|danger/);
  assert.equal(r.stdout, '');
});

test('missing target, rate with ramp, bad ramp, bad header, bad mix', async () => {
  const a = await runCli(['bench']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--target: missing/);
  const b = await runCli(['bench', '--target', 'http://127.0.0.1:1/', '--rate', '5', '--ramp', '1:2:3s']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--ramp: cannot be combined with --rate/);
  const c = await runCli(['bench', '--target', 'http://127.0.0.1:1/', '--ramp', '100-200', '--header', 'nocolon']);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /--ramp: "100-200" is invalid, expected FROM:TO:DURATION/);
  assert.match(c.stderr, /--header: "nocolon" is invalid, expected "Name: value"/);
  const d = await runCli(['bench', '--scenario', 'payment', '--mix', 'create=x']);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /--mix: "create=x" is invalid/);
  const e = await runCli(['bench', '--scenario', 'shopping']);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /--scenario: "shopping" is invalid, expected one of payment/);
});

test('method, headers and body reach the target; --fail-on sets the exit code', async () => {
  const t = await startTarget({ keepHeaders: true, status: 503 });
  targets.push(t);
  const dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
  const r = await runCli([
    'bench', '--target', `${t.url}pay?x=1`, '--body', '{"amount":1}', '--header', 'X-Merchant: m1', '--requests', '10', '--connections', '1',
    '--json', join(dir, 'r.json'), '--fail-on', 'danger', '--quiet',
  ]);
  assert.equal(r.code, 1, 'all 503: the verdict is danger and --fail-on danger exits 1');
  assert.match(r.stdout, /verdict\s+DANGER: error rate 100% is above 1%/);
  assert.equal(t.headers.length, 10);
  assert.equal(t.headers[0]['x-merchant'], 'm1');
  assert.equal(t.headers[0]['content-type'], 'application/json');
  assert.match(String(t.headers[0].traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as BenchReport;
  assert.equal(report.target, `POST ${t.url}pay?x=1`);
  assert.deepEqual(report.statusCodes, { '503': 10 });
  assert.equal(report.errorRate, 1);
  for (const k of ['requests', 'errors', 'rps', 'durationSeconds', 'latencyMs', 'statusCodes', 'timeline', 'histogram']) assert.ok(k in report, k);
  for (const k of ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean']) assert.equal(typeof report.latencyMs[k as 'p50'], 'number', k);

  const quiet = await runCli(['bench', '--target', t.url, '--requests', '5', '--no-traceparent', '--quiet']);
  assert.equal(quiet.code, 0, 'without --fail-on a bad verdict is reported, not an error exit');
  assert.equal(t.headers[t.headers.length - 1].traceparent, undefined, '--no-traceparent sends none');
});

test('a target that refuses connections: transport errors, not a crash', async () => {
  const t = await startTarget();
  const url = t.url;
  await t.close();
  const r = await runCli(['bench', '--target', url, '--requests', '20', '--connections', '2', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /transport errors\s+connection_refused × 20/);
  assert.match(r.stdout, /verdict\s+DANGER/);
});

test('a target that never answers in time: timeouts are errors and their latency counts', async () => {
  const t = await startTarget({ delayMs: 5000 });
  targets.push(t);
  const dir = mkdtempSync(join(tmpdir(), 'bench-timeout-'));
  const started = Date.now();
  const r = await runCli(['bench', '--target', t.url, '--rate', '20', '--requests', '6', '--timeout', '300ms', '--quiet', '--json', join(dir, 'r.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - started < 4500, 'the run ends at the timeout, not when the target would have answered');
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as BenchReport;
  assert.deepEqual(report.transportErrors, { timeout: 6 });
  assert.equal(report.errors, 6);
  assert.ok(report.latencyMs.p50 >= 290 && report.latencyMs.p50 < 1000, `timeouts are in the latency figures: p50 ${report.latencyMs.p50} ms`);
});
