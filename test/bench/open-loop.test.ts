/**
 * Coordinated omission: a target that stalls for 1 s mid-run. The open loop keeps its schedule,
 * so the requests that should have gone out during the stall are late and p99 shows the stall;
 * the closed loop just waits, so only the few requests caught in the stall see it and p99 hides it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runBench } from '../../src/bench/run';
import { plan, startTarget, type Target } from './helpers';

const targets: Target[] = [];
after(async () => {
  await Promise.all(targets.map((t) => t.close()));
});

test('a 1 s stall mid-run shows in the open-loop p99', async () => {
  const t = await startTarget({ delayMs: 2, stall: { fromMs: 1000, toMs: 2000 } });
  targets.push(t);
  const r = await runBench(plan(t.url, { rate: 100, durationMs: 3000 }));
  assert.equal(r.requests, 300, 'every scheduled request was sent and answered');
  assert.equal(r.errors, 0);
  // ~100 of 300 requests were due during the stall, late by 0..1000 ms: the top 1% is ~1 s late.
  assert.ok(r.latencyMs.p99 >= 800, `open-loop p99 ${r.latencyMs.p99} ms should reflect the 1 s stall`);
  assert.ok(r.latencyMs.p90 >= 400, `open-loop p90 ${r.latencyMs.p90} ms: a third of the run was stalled`);
  assert.ok(r.latencyMs.max >= 900 && r.latencyMs.max < 1500, `max ${r.latencyMs.max} ms`);
  // Outside the stall the target answers in ~2 ms, so the median stays low.
  assert.ok(r.latencyMs.p50 < 100, `p50 ${r.latencyMs.p50} ms`);
  // The timeline shows where: some second in the run has a p99 near the stall.
  assert.ok(r.timeline.some((p) => p.latencyMs.p99 >= 800), 'a timeline second carries the stall');
});

test('the same stall is hidden by the closed-loop p99', async () => {
  const t = await startTarget({ delayMs: 2, stall: { fromMs: 1000, toMs: 2000 } });
  targets.push(t);
  const r = await runBench(plan(t.url, { connections: 4, durationMs: 3000 }));
  assert.equal(r.mode, 'closed');
  assert.equal(r.errors, 0);
  assert.ok(r.requests > 1000, `closed loop should have sent many requests, sent ${r.requests}`);
  // The stall happened (the 4 requests caught in it waited ~1 s) ...
  assert.ok(r.latencyMs.max >= 800, `closed-loop max ${r.latencyMs.max} ms should include the stalled requests`);
  // ... but they are a tiny share of the samples, so the percentiles look healthy.
  assert.ok(r.latencyMs.p99 < 100, `closed-loop p99 ${r.latencyMs.p99} ms hides the stall`);
  // Throughput, not latency, is where a closed loop shows a stall: a second with (almost) nothing done.
  const [first, stalled] = r.timeline;
  assert.ok(stalled.requests < first.requests * 0.15, `second 1 (the stall) completed ${stalled.requests} requests, second 0 ${first.requests}`);
});
