/**
 * `node benchmarks/exemplars.js` with tiny bounds: it must run both halves of both comparisons and
 * print its ratios, and every bucket line of its OpenMetrics text must have found its exemplar.
 * Nothing is timed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScript } from './run-script';

test('bench exemplars: per-request and per-scrape A/B ratios from one run', { timeout: 60_000 }, async () => {
  const r = await runScript('exemplars.js', ['--rounds', '2', '--requests', '2000']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^node v\d+\.\d+\.\d+, 40 series, 2000 requests per round, 2 rounds \(A B A B\)$/m);
  assert.match(r.stdout, /^per request {3}record\(\) \d+ ns {3}record\(\) \+ exemplar offer\(\) \d+ ns {3}ratio B\/A \d+\.\d{3}/m);
  const scrape = /^per scrape {4}Prometheus text [\d.]+ ms {3}OpenMetrics \+ exemplars [\d.]+ ms {3}ratio B\/A \d+\.\d{3} {2}\(\d+ KiB, (\d+) bucket lines with an exemplar\)$/m.exec(r.stdout);
  assert.ok(scrape, r.stdout);
  // 40 series, each of whose requests fall in several of the 18 buckets.
  assert.ok(Number(scrape[1]) >= 40, `${scrape[1]} bucket lines with an exemplar`);
});
