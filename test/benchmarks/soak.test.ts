/**
 * `npm run bench:soak` with tiny bounds: it must sample, fit, print its verdict and write its JSON,
 * and its exit code must agree with that verdict. A few seconds say nothing about leaks, so either
 * verdict is accepted here; nothing is timed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from './run-script';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('bench:soak: samples RSS, heap and sockets under aborting clients, prints the slopes and a verdict', async () => {
  const out = mkdtempSync(join(tmpdir(), 'paysidecar-bench-soak-smoke-'));
  dirs.push(out);
  const r = await runScript('soak.js', ['--duration', '4s', '--warmup', '1s', '--interval', '1s', '--rate', '100', '--clients', '10', '--out', out]);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}:\n${r.stderr}`);
  assert.match(r.stdout, /^bench:soak {2}sidecar at default settings \(--access-log stdout; NODE_OPTIONS=\S+ MALLOC_ARENA_MAX=\d+\), 10 clients, 1 of them aborting mid-request/m);
  assert.match(r.stdout, /^series\s+at start\s+slope \/min\s+growth\s+limit\s+verdict$/m);
  assert.match(r.stdout, /^rss \(MB\)\s+\d/m);
  assert.match(r.stdout, /^(heap floor|old space after GC) \(MB\)\s+\d/m);
  assert.match(r.stdout, /^sockets\s+\d/m);
  assert.match(r.stdout, /^heap: /m);
  assert.match(r.stdout, /^verdict: (PASS|FAIL \(.+\))$/m);

  const files = readdirSync(out).filter((f) => /^soak-.*\.json$/.test(f));
  assert.equal(files.length, 1);
  const report = JSON.parse(readFileSync(join(out, files[0]), 'utf8'));
  assert.equal(report.format, 'paysidecar-bench-soak/v1');
  assert.equal(report.verdict.pass, r.code === 0, 'the exit code follows the verdict');
  assert.ok(report.samples.length >= 3, `samples: ${report.samples.length}`);
  for (const s of report.samples) {
    assert.ok(s.rss > 0);
    assert.ok(s.sockets > 0);
  }
  assert.ok(report.totals.ok > 0, 'requests answered');
  assert.ok(report.totals.aborted > 0, 'clients aborted mid-request');
  for (const k of ['rss', 'heap', 'sockets']) assert.equal(typeof report.fits[k].growth, 'number', k);
  assert.ok(['floor', 'after major GC'].includes(report.heapJudged));
});
