/** `bench compare`: the noise rule on its own, and a real before/after (a target 20 ms slower) through the CLI. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeNoise } from '../../src/bench/compare';
import { runCli, startTarget, type Target } from './helpers';

const targets: Target[] = [];
const dir = mkdtempSync(join(tmpdir(), 'paysidecar-compare-'));
after(async () => {
  await Promise.all(targets.map((t) => t.close()));
  rmSync(dir, { recursive: true, force: true });
});

test('noise rule: overlapping seconds are within noise, separated ones beyond, too few seconds say so', () => {
  assert.equal(judgeNoise([10, 11, 12, 13, 14], [11, 12, 13, 14, 15]).noise, 'within noise');
  assert.equal(judgeNoise([10, 11, 12, 13, 14], [20, 21, 22, 23, 24]).noise, 'beyond noise');
  // One wild second in the after run does not make it a change.
  assert.equal(judgeNoise([10, 11, 12, 13, 14], [12, 12, 13, 40, 12]).noise, 'within noise');
  assert.equal(judgeNoise([10, 11], [20, 21, 22]).noise, 'too few seconds');
});

test('bench compare: a target made 20 ms slower shows p50 worse beyond noise, and writes the HTML', { timeout: 60_000 }, async () => {
  const fast = await startTarget({ delayMs: 1 });
  const slow = await startTarget({ delayMs: 21 });
  targets.push(fast, slow);
  const before = join(dir, 'before.json');
  const afterFile = join(dir, 'after.json');
  for (const [t, f] of [[fast, before], [slow, afterFile]] as const) {
    const r = await runCli(['bench', '--target', t.url, '--rate', '40', '--duration', '4s', '--json', f, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
  }
  const html = join(dir, 'compare.html');
  const r = await runCli(['bench', 'compare', before, afterFile, '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  const p50 = r.stdout.split('\n').find((l) => l.trim().startsWith('p50 ms'));
  assert.ok(p50, r.stdout);
  assert.match(p50, /\+\d+(\.\d)?% worse\s+beyond noise$/);
  assert.match(r.stdout, /TPS .* (within noise|beyond noise)/);
  assert.match(r.stdout, /interquartile range/);
  assert.match(readFileSync(html, 'utf8'), /<td>p99 ms<\/td>/);

  const bad = await runCli(['bench', 'compare', before, join(dir, 'missing.json')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /missing\.json: cannot read: ENOENT/);
});
