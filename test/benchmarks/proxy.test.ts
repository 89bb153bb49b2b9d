/**
 * `npm run bench:proxy` with tiny bounds, so the harness cannot rot: it must start every target,
 * print its table, ratios and latency overhead, and write its JSON. Nothing here is timed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runScript } from './run-script';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function outDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'paysidecar-bench-proxy-smoke-'));
  dirs.push(d);
  return d;
}

function onlyReport(dir: string): Record<string, any> {
  const files = readdirSync(dir).filter((f) => /^proxy-.*\.json$/.test(f));
  assert.equal(files.length, 1, `one results file in ${dir}, got ${files.join(', ')}`);
  return JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
}

const TINY = ['--duration', '1s', '--rounds', '1', '--warmup', '300ms', '--connections', '4', '--latency-rate', '100', '--latency-duration', '1s'];

test('bench:proxy (wrk, nginx): every target, the ratios, the latency overhead, the JSON', async () => {
  const out = outDir();
  const r = await runScript('proxy.js', [...TINY, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^bench:proxy {2}wrk, 4 connections/m);
  assert.match(r.stdout, /^target\s+rps\s+p50 ms\s+p99 ms\s+CPU s\/1000 req\s+RSS MB\s+errors$/m);
  for (const label of ['no proxy *', 'http-proxy (bare)', 'sidecar (default)', 'sidecar, log off', 'sidecar, http-proxy core', 'nginx (1 worker)']) {
    assert.ok(r.stdout.includes(`\n${label}`), `a row for ${label}:\n${r.stdout}`);
  }
  assert.match(r.stdout, /^sidecar ÷ http-proxy\s+\d+\.\d{3}\s+goal >= 1\.2/m);
  assert.match(r.stdout, /^sidecar ÷ no proxy\s+\d+\.\d{3}$/m);
  assert.match(r.stdout, /^sidecar ÷ sidecar \(http-proxy core\)\s+\d+\.\d{3}$/m);
  assert.match(r.stdout, /^sidecar ÷ nginx\s+\d+\.\d{3}$/m);
  assert.match(r.stdout, /^latency at a steady 100 rps \(open loop/m);
  assert.match(r.stdout, /^sidecar adds p50 [+-]\d+\.\d{3} ms \(goal <= 0\.3/m);
  assert.match(r.stdout, /^sidecar CPU per request ÷ http-proxy at \d+ rps \d+\.\d{3} \(goal <= 1/m);
  assert.match(r.stdout, /^results: /m);

  const report = onlyReport(out);
  assert.equal(report.format, 'paysidecar-bench-proxy/v1');
  // The sidecar is measured with the image's runtime settings, and says so.
  assert.match(report.sidecarEnv.NODE_OPTIONS ?? '', /--max-semi-space-size=\d+/);
  assert.match(r.stdout, /^sidecar env {2}NODE_OPTIONS=\S+ MALLOC_ARENA_MAX=\d+ \(the Dockerfile's/m);
  assert.equal(report.loader, 'wrk');
  assert.deepEqual(Object.keys(report.throughput).sort(), ['http-proxy', 'nginx', 'none', 'sidecar', 'sidecar-http-proxy', 'sidecar-nolog']);
  for (const [name, t] of Object.entries<any>(report.throughput)) {
    assert.equal(t.rounds.length, 1, name);
    assert.ok(t.median.requests > 0, `${name} answered requests`);
    assert.equal(t.median.errors, 0, `${name} errors`);
    assert.equal(typeof t.median.cpuPer1000, 'number', `${name} CPU per 1000`);
    assert.ok(t.median.rssMB > 0, `${name} RSS`);
  }
  for (const k of ['sidecarOverBare', 'sidecarOverNone', 'sidecarOverNginx']) assert.equal(typeof report.ratios[k], 'number', k);
  assert.deepEqual(Object.keys(report.latency.targets).sort(), ['http-proxy', 'none', 'sidecar', 'sidecar-http-proxy']);
  assert.equal(typeof report.latency.overhead.sidecar.addedP50Ms, 'number');
  assert.equal(typeof report.latency.overhead.sidecar.addedP99Ms, 'number');
  // The sidecar measured is the real one: its own metrics counted the requests it proxied.
  assert.ok(report.sidecarRecordedRequests.sidecar > 0);
  assert.ok(report.sidecarRecordedRequests['sidecar-http-proxy'] > 0);
  assert.ok(report.machine.cores > 0);
});

test('bench:proxy --loader bench --compare: the no-wrk path, and another build in the same rounds', async () => {
  const out = outDir();
  const otherBuild = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  const r = await runScript('proxy.js', [...TINY, '--loader', 'bench', '--targets', 'none,sidecar', '--compare', otherBuild, '--no-latency', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^bench:proxy {2}paysidecar bench, 4 connections/m);
  assert.match(r.stdout, /^sidecar ÷ no proxy\s+\d+\.\d{3}$/m);
  assert.match(r.stdout, /^sidecar@1 \(default\)\s+\d+/m);
  assert.doesNotMatch(r.stdout, /^latency at/m);
  const report = onlyReport(out);
  assert.equal(report.loader, 'paysidecar bench');
  assert.deepEqual(Object.keys(report.throughput).sort(), ['none', 'sidecar', 'sidecar@1']);
  assert.ok(report.throughput.sidecar.median.requests > 0);
  assert.ok(report.throughput['sidecar@1'].median.requests > 0);
  assert.equal(report.latency, null);
});

test('bench:proxy: bad flags are all named at once, exit 2', async () => {
  const r = await runScript('proxy.js', ['--rounds', '0', '--loader', 'ab', '--targets', 'none,envoy', '--duration', 'soon']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--rounds: "0" is invalid/);
  assert.match(r.stderr, /--loader: "ab" is invalid, expected one of auto\|wrk\|bench/);
  assert.match(r.stderr, /--targets: "envoy" is invalid/);
  assert.match(r.stderr, /--duration: "soon" is invalid/);
  assert.equal(r.stdout, '');
});
