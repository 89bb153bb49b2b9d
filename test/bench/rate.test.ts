/** The open loop holds its rate: request counts, achieved rps and each second of the timeline. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runBench } from '../../src/bench/run';
import { rampSteps } from '../../src/bench/ramp';
import { RateSchedule } from '../../src/bench/schedule';
import { plan, startTarget, type Target } from './helpers';

const targets: Target[] = [];
after(async () => {
  await Promise.all(targets.map((t) => t.close()));
});

const within = (actual: number, expected: number, share: number) => Math.abs(actual - expected) <= expected * share;

test('schedule: intended times and due counts agree', () => {
  const s = new RateSchedule([{ rate: 100, durationMs: 1000 }, { rate: 200, durationMs: 500 }]);
  assert.equal(s.totalCount, 200);
  assert.equal(s.dueCount(0), 1);
  assert.equal(s.dueCount(9.99), 1);
  assert.equal(s.dueCount(10), 2);
  assert.equal(s.dueCount(999), 100);
  assert.equal(s.dueCount(1000), 101);
  assert.equal(s.dueCount(5000), 200);
  assert.equal(s.intendedMs(99), 990);
  assert.equal(s.intendedMs(100), 1000);
  assert.equal(s.intendedMs(101), 1005);
  for (let i = 0; i < 200; i++) assert.equal(s.dueCount(s.intendedMs(i)), i + 1, `request ${i} is due at its own intended time`);
});

test('open loop at 300 rps for 3 s sends 900 requests at 300 rps (within 3%)', async () => {
  const t = await startTarget();
  targets.push(t);
  const r = await runBench(plan(t.url, { rate: 300, durationMs: 3000 }));
  assert.equal(r.requests, 900);
  assert.equal(t.count(), 900, 'the target saw exactly the scheduled requests');
  assert.ok(within(r.rps, 300, 0.03), `achieved ${r.rps} rps`);
  const full = r.timeline.filter((p) => p.seconds === 1);
  assert.ok(full.length >= 2);
  for (const p of full) {
    assert.ok(within(p.requests, 300, 0.05), `second ${p.t}: ${p.requests} requests`);
    assert.equal(p.targetRate, 300);
  }
});

test('--requests bounds an open loop without a duration', async () => {
  const t = await startTarget();
  targets.push(t);
  const p = plan(t.url, { rate: 500, requests: 250 });
  const started = performance.now();
  const r = await runBench(p);
  const took = performance.now() - started;
  assert.equal(r.requests, 250);
  assert.ok(took >= 450 && took < 1500, `250 requests at 500 rps take ~0.5 s, took ${Math.round(took)} ms`);
});

test('ramp steps hold each offered rate', async () => {
  const t = await startTarget();
  targets.push(t);
  const p = plan(t.url, { rate: 1 });
  const steps = rampSteps({ from: 100, to: 300, durationMs: 3000 }, 3);
  assert.deepEqual(steps.map((s) => s.rate), [100, 200, 300]);
  p.schedule = new RateSchedule(steps);
  p.meta = { ...p.meta, mode: 'ramp', ramp: { from: 100, to: 300, durationSeconds: 3, steps: 3 } };
  const r = await runBench(p);
  assert.equal(r.requests, 600);
  assert.ok(r.steps);
  assert.deepEqual(r.steps.map((s) => s.requests), [100, 200, 300]);
  for (const s of r.steps) assert.ok(within(s.rps, s.rate, 0.05), `step at ${s.rate}: ${s.rps} rps`);
});
