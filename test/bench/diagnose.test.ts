/**
 * The diagnosis rules on recorded data: a real watched run against test/fixtures/bench/hot-target
 * (a hot request function and a timer that blocks the loop), and copies of it with one figure
 * changed to what each other rule looks for. Each rule must fire on its case and stay silent
 * on the others; a rule whose data is missing says nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose, RULES } from '../../src/bench/diagnose';
import type { BenchReport } from '../../src/bench/report';
import type { ServerReport } from '../../src/bench/server-report';
import { REPO } from './helpers';

type Recorded = Pick<BenchReport, 'mode' | 'sendLagMs' | 'latencyMs' | 'verdict'> & { server: ServerReport };

function recorded(): Recorded {
  return JSON.parse(readFileSync(join(REPO, 'test', 'fixtures', 'bench', 'watched-hot-block.json'), 'utf8')) as Recorded;
}

const rules = (r: Recorded) => diagnose(r, r.server).map((f) => f.rule);

test('recorded hot + block run: names the blocked loop with blockTheLoop and the hot request function hotChecksum', () => {
  const r = recorded();
  const findings = diagnose(r, r.server);
  const blocked = findings.find((f) => f.rule === 'eventloop-blocked');
  assert.ok(blocked, JSON.stringify(findings, null, 1));
  assert.match(blocked.summary, /event loop blocked: longest block \d+ ms/);
  assert.match(blocked.summary, /blockTheLoop/);
  assert.equal(blocked.level, 'bottleneck');
  const hot = findings.find((f) => f.rule === 'hot-function');
  assert.ok(hot);
  // The hottest function overall is the block's (pbkdf2's `run` ← blockTheLoop), already named:
  // this one names the hottest serving requests, the native hash with its caller.
  assert.match(hot.summary, /hottest function serving requests \S+ ← hotChecksum \(dist\/test\/fixtures\/bench\/hot-target\.js:\d+\)/);
  assert.equal(hot.level, 'info');
  // Not saturated (0.8 busy), GC under 2%, no sidecar, the client idle: those rules stay silent.
  for (const silent of ['eventloop-saturated', 'gc', 'upstream', 'client-bound']) assert.ok(!rules(r).includes(silent as never), silent);
});

test('saturated loop: utilisation ≥ 0.9 names the hottest function from the profile', () => {
  const r = recorded();
  for (const p of r.server.targets[0].series) if (p.eventLoop) p.eventLoop.utilization = 0.98;
  const f = diagnose(r, r.server).find((x) => x.rule === 'eventloop-saturated');
  assert.ok(f);
  assert.match(f.summary, /event loop saturated: utilisation 0\.98, delay p99 \d+ ms; \d+% of CPU under \S+ ← blockTheLoop/);
  // The timer outside request handling is still told apart from the queue of requests.
  assert.ok(rules(r).includes('eventloop-blocked'));
});

test('saturated without an off-request culprit: no separate block finding (the queue explains the gaps)', () => {
  const r = recorded();
  for (const p of r.server.targets[0].series) if (p.eventLoop) p.eventLoop.utilization = 0.97;
  r.server.targets[0].cpu!.offRequestPath = [];
  assert.deepEqual(rules(r).filter((x) => x.startsWith('eventloop')), ['eventloop-saturated']);
});

test('GC: at least 10% of wall time in pauses, the main kind named; under it, silent', () => {
  const r = recorded();
  for (const p of r.server.targets[0].series) {
    p.gcShare = 0.18;
    p.gcMsPerSecond = { major: 120, minor: 60 };
  }
  const f = diagnose(r, r.server).find((x) => x.rule === 'gc');
  assert.ok(f);
  assert.match(f.summary, /GC: 18% of wall time in GC pauses \(major 12%, minor 6%\)/);
  for (const p of r.server.targets[0].series) p.gcShare = RULES.gcShare - 0.01;
  assert.ok(!rules(r).includes('gc'));
});

test('upstream: an idle sidecar in front of a blocked app', () => {
  const r = recorded();
  const app = r.server.targets[0];
  const sidecar = structuredClone(app);
  sidecar.name = 'sidecar:15090';
  sidecar.role = 'sidecar';
  delete sidecar.cpu;
  for (const p of sidecar.series) {
    p.cpuCores = 0.2;
    p.eventLoop = { utilization: 0.3, delayP50Ms: 10, delayP99Ms: 12, blockMaxMs: 0, blocks: 0 };
  }
  r.server.targets.push(sidecar);
  const f = diagnose(r, r.server).find((x) => x.rule === 'upstream');
  assert.ok(f);
  assert.match(f.summary, /upstream: the sidecar waited on app:18391 \(utilisation 0\.\d+\); its own CPU 0\.2 cores/);
  // A busy sidecar is not waiting.
  for (const p of sidecar.series) p.cpuCores = 0.8;
  assert.ok(!rules(r).includes('upstream'));
});

test('client-bound: the load generator at a full core while no target is saturated', () => {
  const r = recorded();
  for (const p of r.server.loadGenerator) {
    p.cpuCores = 0.97;
    p.utilization = 0.99;
  }
  const f = diagnose(r, r.server).find((x) => x.rule === 'client-bound');
  assert.ok(f);
  assert.match(f.summary, /client-bound: the load generator's own CPU was the limit \(0\.97 cores/);
  for (const p of r.server.targets[0].series) if (p.eventLoop) p.eventLoop.utilization = 0.99;
  assert.ok(!rules(r).includes('client-bound'), 'a saturated target is the limit, not the client');
});

test('missing data says nothing: no series, no profile, no finding', () => {
  const r = recorded();
  const t = r.server.targets[0];
  t.series = [];
  delete t.cpu;
  r.server.loadGenerator = [];
  assert.deepEqual(diagnose(r, r.server), []);
});

test('too few CPU samples: no function is named', () => {
  const r = recorded();
  r.server.targets[0].cpu!.samples = RULES.minSamples - 1;
  const findings = diagnose(r, r.server);
  assert.ok(!findings.some((f) => f.rule === 'hot-function'));
  assert.ok(!findings.some((f) => /culprit/.test(f.summary)));
});
