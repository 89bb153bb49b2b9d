/**
 * benchmarks/reload-block.js with one reload each way: it must load a config at the limits, run the
 * old on-the-loop reload and the sidecar's reload on it, and print every row. Nothing is timed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScript } from './run-script';

test('reload-block: one reload of a config at the limits each way, every phase reported', async () => {
  const r = await runScript('reload-block.js', ['--reloads', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^reload of a config at the limits: \d+ bytes, 1000 routes, 1000 CIDRs; 1 reloads each way$/m);
  for (const row of ['read', 'parse \\(yaml\\)', 'validate \\(zod\\)', 'route table', 'CIDR set', 'the whole turn', 'longest turn held \\(probe\\)', 'longest turn, thread CPU \\(probe\\)', 'reload latency \\(off the loop\\)']) {
    assert.match(r.stdout, new RegExp(`^ {2}${row} +\\d+\\.\\d\\d +\\d+\\.\\d\\d$`, 'm'), `row ${row}:\n${r.stdout}`);
  }
  assert.match(r.stdout, /^after, an invalid file at the limits \(\d+ problems logged\)$/m);
});
