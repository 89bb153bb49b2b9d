/** `bench merge`: merging the JSON of several runs equals one run over the same samples. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeHistogram, newLatencyHistogram, summarize } from '../../src/bench/histogram';
import { mergeReports } from '../../src/bench/merge';
import { Recorder } from '../../src/bench/recorder';
import { buildReport, type BenchReport } from '../../src/bench/report';
import { readReport, writeReport } from '../../src/bench/report-file';
import { DEFAULT_THRESHOLDS } from '../../src/bench/verdict';
import { runCli, startTarget, type Target } from './helpers';

const targets: Target[] = [];
after(async () => {
  await Promise.all(targets.map((t) => t.close()));
});

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function recorder(): Recorder {
  return new Recorder({
    meta: { label: 'r', mode: 'open', target: 'GET http://x/', traffic: 'prod', connections: 10, rate: 100 },
    tool: 'paysidecar test',
    t0: 0,
    startedAtMs: Date.parse('2025-01-01T00:00:00Z'),
  });
}

test('merge of two runs equals one run over all their samples', () => {
  const random = rng(7);
  const a = recorder();
  const b = recorder();
  const all = recorder();
  const events: { time: number; apply: (r: Recorder) => void; into: Recorder }[] = [];
  for (let i = 0; i < 20_000; i++) {
    const at = (i / 20_000) * 5000;
    // A long-tailed latency: mostly 1-20 ms, sometimes up to 2 s.
    const us = random() < 0.98 ? 1000 + random() * 19_000 : 20_000 + random() * 2_000_000;
    const outcome = random() < 0.995 ? { status: random() < 0.9 ? 200 : 201 } : random() < 0.5 ? { status: 503 } : { error: 'connection_reset' };
    const op = random() < 0.5 ? 'POST /api/orders' : 'GET /api/orders/{out_trade_no}';
    const into = random() < 0.4 ? a : b;
    events.push({ time: at, apply: (r) => r.dispatched(at, 0), into });
    events.push({ time: at + us / 1000, apply: (r) => r.record(op, outcome, us, at + us / 1000), into });
  }
  // A live recorder sees its clock move forward: replay dispatches and completions in time order.
  events.sort((x, y) => x.time - y.time);
  for (const e of events) {
    e.apply(e.into);
    e.apply(all);
  }
  const end = 5000 + 2100;
  const dir = mkdtempSync(join(tmpdir(), 'bench-merge-'));
  // Through the JSON files, as a distributed run would go.
  writeReport(join(dir, 'a.json'), buildReport(a.finish(end)));
  writeReport(join(dir, 'b.json'), buildReport(b.finish(end)));
  const merged = mergeReports([readReport(join(dir, 'a.json')), readReport(join(dir, 'b.json'))], DEFAULT_THRESHOLDS);
  const single = buildReport(all.finish(end));

  assert.equal(merged.requests, single.requests);
  assert.equal(merged.errors, single.errors);
  assert.equal(merged.errorRate, single.errorRate);
  assert.deepEqual(merged.latencyMs, single.latencyMs);
  assert.deepEqual(merged.statusCodes, single.statusCodes);
  assert.deepEqual(merged.transportErrors, single.transportErrors);
  assert.equal(merged.rps, single.rps);
  assert.equal(merged.durationSeconds, single.durationSeconds);
  assert.deepEqual(merged.verdict, single.verdict);
  for (const [name, op] of Object.entries(single.operations)) {
    assert.equal(merged.operations[name].requests, op.requests, name);
    assert.deepEqual(merged.operations[name].latencyMs, op.latencyMs, name);
  }
  assert.equal(merged.timeline.length, single.timeline.length);
  merged.timeline.forEach((p, i) => {
    const s = single.timeline[i];
    assert.equal(p.t, s.t);
    assert.equal(p.requests, s.requests, `second ${p.t}`);
    assert.equal(p.errors, s.errors, `second ${p.t}`);
    assert.deepEqual(p.latencyMs, s.latencyMs, `second ${p.t}`);
  });
  // Bucket for bucket, not just at the reported percentiles.
  const hm = decodeHistogram(merged.histogram);
  const hs = decodeHistogram(single.histogram);
  assert.equal(hm.totalCount, hs.totalCount);
  for (let q = 0; q <= 100; q += 0.25) assert.equal(hm.getValueAtPercentile(q), hs.getValueAtPercentile(q), `p${q}`);
  assert.equal(merged.runs?.length, 2);
  assert.ok(single.latencyMs.p99 > 20, 'the tail is in the data');
});

test('CLI: two concurrent workers merged; files that are not reports are refused by name', async () => {
  const t = await startTarget({ delayMs: 1 });
  targets.push(t);
  const dir = mkdtempSync(join(tmpdir(), 'bench-merge-cli-'));
  const worker = (name: string) =>
    runCli(['bench', '--target', t.url, '--rate', '150', '--duration', '2s', '--label', name, '--json', join(dir, `${name}.json`), '--quiet']);
  const [w1, w2] = await Promise.all([worker('w1'), worker('w2')]);
  assert.equal(w1.code, 0, w1.stderr);
  assert.equal(w2.code, 0, w2.stderr);
  const r1 = JSON.parse(readFileSync(join(dir, 'w1.json'), 'utf8')) as BenchReport;
  const r2 = JSON.parse(readFileSync(join(dir, 'w2.json'), 'utf8')) as BenchReport;
  assert.equal(r1.requests, 300);
  assert.equal(r2.requests, 300);

  const m = await runCli(['bench', 'merge', join(dir, 'w1.json'), join(dir, 'w2.json'), '--json', join(dir, 'm.json'), '--html', join(dir, 'm.html')]);
  assert.equal(m.code, 0, m.stderr);
  const merged = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')) as BenchReport;
  assert.equal(merged.requests, 600);
  assert.equal(merged.rate, 300, 'offered rates add up');
  assert.deepEqual(merged.statusCodes, { '200': 600 });
  const both = newLatencyHistogram();
  both.add(decodeHistogram(r1.histogram));
  both.add(decodeHistogram(r2.histogram));
  assert.deepEqual(merged.latencyMs, summarize(both), 'merged percentiles are those of the summed histograms');
  // Throughput is over the wall-clock span from the first start to the last end.
  const start = Math.min(Date.parse(r1.startedAt), Date.parse(r2.startedAt));
  const end = Math.max(Date.parse(r1.startedAt) + r1.durationSeconds * 1000, Date.parse(r2.startedAt) + r2.durationSeconds * 1000);
  assert.ok(Math.abs(merged.durationSeconds - (end - start) / 1000) < 0.002, `span ${merged.durationSeconds} s`);
  assert.ok(Math.abs(merged.rps - 600 / merged.durationSeconds) < 0.05, `rps ${merged.rps} over ${merged.durationSeconds} s`);
  assert.ok(merged.rps > 150, `two workers side by side beat one: ${merged.rps} rps`);
  assert.deepEqual(merged.runs?.map((r) => r.label).sort(), ['w1', 'w2']);
  assert.match(m.stdout, /merge of 2 runs/);
  assert.match(readFileSync(join(dir, 'm.html'), 'utf8'), /<svg/);

  writeFileSync(join(dir, 'junk.json'), '{"hello": 1}');
  const bad = await runCli(['bench', 'merge', join(dir, 'w1.json'), join(dir, 'junk.json'), join(dir, 'missing.json')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /junk\.json: not a paysidecar bench report/);
  assert.match(bad.stderr, /missing\.json: cannot read: ENOENT/);
});
