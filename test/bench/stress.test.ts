/**
 * Colouring: X-Test-Env and X-Stress-Token only with --stress, tokens the sidecar's verifier
 * accepts (and that a real sidecar turns into stress traffic), re-signed as they age, and the
 * secret never printed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench } from '../../src/bench/run';
import { StressColour, TOKEN_REFRESH_SECONDS } from '../../src/bench/stress-colour';
import { TOKEN_WINDOW_SECONDS, verifyStressToken } from '../../src/context/stress-token';
import { H_STRESS_TOKEN, H_TEST_ENV } from '../../src/context/headers';
import { TRAFFIC_STRESS } from '../../src/telemetry/names';
import { startTestSidecar, metricValue, request, type TestSidecar } from '../helpers/sidecar';
import { plan, runCli, startTarget, type Target } from './helpers';

const SECRET = 'bench-test-secret-4f1c';
const SCENARIO = 'stress-v2';
const targets: Target[] = [];
const sidecars: TestSidecar[] = [];
after(async () => {
  await Promise.all(sidecars.map((s) => s.shutdown()));
  await Promise.all(targets.map((t) => t.close()));
});

test('without --stress no request carries stress headers', async () => {
  const t = await startTarget({ keepHeaders: true });
  targets.push(t);
  const r = await runBench(plan(t.url, { requests: 50, connections: 2 }));
  assert.equal(r.requests, 50);
  assert.equal(t.headers.length, 50);
  for (const h of t.headers) {
    assert.equal(h[H_TEST_ENV], undefined);
    assert.equal(h[H_STRESS_TOKEN], undefined);
  }
  assert.equal(r.traffic, 'prod');
});

test('with --stress every request carries X-Test-Env and a token the verifier accepts', async () => {
  const t = await startTarget({ keepHeaders: true });
  targets.push(t);
  const p = plan(t.url, { requests: 50, connections: 2 });
  p.colour = new StressColour(SCENARIO, SECRET);
  p.meta = { ...p.meta, traffic: TRAFFIC_STRESS, scenario: SCENARIO };
  const r = await runBench(p);
  assert.equal(t.headers.length, 50);
  for (const h of t.headers) {
    assert.equal(h[H_TEST_ENV], SCENARIO);
    const token = h[H_STRESS_TOKEN] as string;
    assert.deepEqual(verifyStressToken([SECRET], SCENARIO, token), { ok: true });
    assert.equal(verifyStressToken(['another-secret'], SCENARIO, token).ok, false, 'a token is bound to the secret');
    assert.equal(verifyStressToken([SECRET], 'stress-v3', token).ok, false, 'a token is bound to the scenario');
  }
  assert.equal(r.traffic, 'stress');
  assert.equal(r.scenario, SCENARIO);
  assert.ok(!JSON.stringify(r).includes(SECRET), 'the report never holds the secret');
  assert.ok(!JSON.stringify(p.colour).includes(SECRET), 'serialising the colour never shows the secret');
});

test('tokens are re-signed before they age out of the sidecar window', () => {
  let now = 1_700_000_000;
  const colour = new StressColour(SCENARIO, SECRET, () => now);
  const tokenAt = () => colour.headers()[3];
  const first = tokenAt();
  assert.ok(first.startsWith(`${now}.`));
  now += TOKEN_REFRESH_SECONDS - 1;
  assert.equal(tokenAt(), first, 'kept while young');
  now += 1;
  const second = tokenAt();
  assert.notEqual(second, first, 're-signed once it reaches the refresh age');
  assert.ok(second.startsWith(`${now}.`));
  assert.ok(TOKEN_REFRESH_SECONDS * 2 < TOKEN_WINDOW_SECONDS, 'refresh leaves room for clock skew');
  // Over an hour-long run, every token in use verifies at the moment it is sent.
  for (let i = 0; i < 3600; i += 7) {
    now += 7;
    assert.deepEqual(verifyStressToken([SECRET], SCENARIO, tokenAt(), now), { ok: true }, `at +${i}s`);
  }
});

test('a real sidecar accepts the coloured traffic as stress (untrusted peer, token only)', async () => {
  const t = await startTarget({ keepHeaders: true });
  targets.push(t);
  // No trusted CIDR: the token alone must make the traffic stress.
  const sidecar = await startTestSidecar({ upstream: t.url, stressSecret: SECRET });
  sidecars.push(sidecar);
  const p = plan(`${sidecar.base}/orders`, { requests: 40, connections: 2 });
  p.colour = new StressColour(SCENARIO, SECRET);
  const r = await runBench(p);
  assert.equal(r.errors, 0, JSON.stringify(r.statusCodes));
  assert.equal(t.headers.length, 40);
  for (const h of t.headers) {
    assert.equal(h[H_TEST_ENV], SCENARIO, 'the sidecar forwards the scenario of accepted stress traffic');
    assert.equal(h[H_STRESS_TOKEN], undefined, 'the token never goes upstream');
  }
  const metrics = (await request(`${sidecar.admin}/metrics`)).body;
  assert.equal(metricValue(metrics, 'paysidecar_stress_rejections_total'), 0, 'no token was rejected');
  assert.equal(metricValue(metrics, 'http_server_request_duration_count', { traffic: 'stress' }), 40);
  // The bench's traceparent is continued: a reported trace id is the sidecar's trace id.
  const traced = r.traces.sample[0].traceId;
  assert.ok(sidecar.spans.getFinishedSpans().some((s) => s.spanContext().traceId === traced), 'sidecar span shares the bench trace id');
});

test('CLI: --stress needs a secret, takes it from the env, and never prints it', async () => {
  const t = await startTarget({ keepHeaders: true });
  targets.push(t);
  const missing = await runCli(['bench', '--target', t.url, '--requests', '5', '--stress', SCENARIO], { env: { PAYSIDECAR_STRESS_SECRET: '' } });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /--stress-secret: missing/);
  const bad = await runCli(['bench', '--target', t.url, '--requests', '5', '--stress', 'Bad Scenario', '--stress-secret', SECRET]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--stress: "Bad Scenario" is invalid, expected lower-case letters/);
  assert.ok(!bad.stderr.includes(SECRET));

  const dir = mkdtempSync(join(tmpdir(), 'bench-stress-'));
  const ok = await runCli(['bench', '--target', t.url, '--requests', '20', '--connections', '2', '--stress', SCENARIO, '--json', join(dir, 'r.json')], {
    env: { PAYSIDECAR_STRESS_SECRET: SECRET },
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /traffic\s+stress \(X-Test-Env: stress-v2\)/);
  assert.ok(!ok.stdout.includes(SECRET) && !ok.stderr.includes(SECRET), 'secret not printed');
  assert.ok(!readFileSync(join(dir, 'r.json'), 'utf8').includes(SECRET), 'secret not in the JSON report');
  const coloured = t.headers.filter((h) => h[H_TEST_ENV] === SCENARIO);
  assert.equal(coloured.length, 20);
  for (const h of coloured) assert.ok(verifyStressToken([SECRET], SCENARIO, h[H_STRESS_TOKEN] as string).ok);
});
