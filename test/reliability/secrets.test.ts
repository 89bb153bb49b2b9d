/**
 * Secrets never leave the process: not in logs (at trace level, access log on), not in /config,
 * not in /metrics, not in error answers — through start-up, stress requests with valid and forged
 * tokens, debug calls with wrong and right tokens, a stress-secret rotation, a reload refused for a
 * bad file that itself holds a secret, and a failing OTLP export whose URL carries a password.
 * Runs the real CLI so every log destination is the real one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startUpstream } from '../helpers/upstream';
import { metricValue, request } from '../helpers/sidecar';
import { signStressToken } from '../../src/context/stress-token';
import { projectedVolume } from '../reload/volume';
import { waitFor } from '../reload/harness';
import { freePort } from '../helpers/ports';

const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const S1 = 'first-stress-secret-9c1e7a55d0';
const S2 = 'second-stress-secret-3f8b2d6610';
const S3 = 'inline-secret-in-a-bad-file-77aa';
const DEBUG = 'debug-token-value-e4d1c9b0a2';
const API_KEY = 'otlp-api-key-0b7f3e9d11';
const PASSWORD = 'otlp-password-5a2c8e4f66';


describe('secrets', { timeout: 60_000 }, () => {
  it('never appear in logs, /config, /metrics or error answers, whatever happens', async () => {
    const up = await startUpstream();
    const secretVol = projectedVolume({ 'stress-secret': `${S1}\n` }, 'paysidecar-secret-');
    const configVol = projectedVolume({ 'paysidecar.yaml': `upstream: ${up.url.href}\nhostInterval: 0\n` });
    const [listen, admin, deadCollector] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, [CLI, 'run', '--config', configVol.path('paysidecar.yaml'), '--listen', `127.0.0.1:${listen}`, '--admin', `127.0.0.1:${admin}`, '--log-level', 'trace'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        PAYSIDECAR_STRESS_SECRET_FILE: secretVol.path('stress-secret'),
        PAYSIDECAR_STRESS_SECRET_OVERLAP: '10s',
        PAYSIDECAR_DEBUG_TOKEN: DEBUG,
        PAYSIDECAR_OTLP_ENDPOINT: `http://collector:${PASSWORD}@127.0.0.1:${deadCollector}`,
        OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${API_KEY}`,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_EXPORTER_OTLP_TIMEOUT: '300',
      },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const base = `http://127.0.0.1:${listen}`;
    const adminBase = `http://127.0.0.1:${admin}`;
    const metrics = async () => (await request(`${adminBase}/metrics`)).body;
    const answers: string[] = [];
    try {
      await waitFor('start-up', () => out.includes('paysidecar started'), 10_000);
      const valid = signStressToken(S1, 'stress-v2');
      const ok = await request(`${base}/api/orders`, { headers: { 'x-test-env': 'stress-v2', 'x-stress-token': valid } });
      assert.match(String(ok.headers['x-trace-id']), /^t-/);
      const forged = await request(`${base}/api/orders`, { headers: { 'x-test-env': 'stress-v2', 'x-stress-token': signStressToken(`${S1}x`, 'stress-v2') } });
      assert.match(String(forged.headers['x-trace-id']), /^tr-/);
      const refused = await request(`${adminBase}/debug/pprof/goroutine`, { headers: { 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${DEBUG.slice(0, -1)}` } });
      assert.equal(refused.status, 403);
      const allowed = await request(`${adminBase}/debug/pprof/goroutine`, { headers: { 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${DEBUG}` } });
      assert.equal(allowed.status, 200);
      answers.push(ok.body, forged.body, refused.body);

      secretVol.update({ 'stress-secret': `${S2}\n` });
      await waitFor('the rotation', async () => metricValue(await metrics(), 'paysidecar_config_reloads_total', { result: 'success' }) === 1);
      assert.match(String((await request(`${base}/x`, { headers: { 'x-test-env': 'stress-v2', 'x-stress-token': signStressToken(S2, 'stress-v2') } })).headers['x-trace-id']), /^t-/);

      configVol.update({ 'paysidecar.yaml': `upstream: ${up.url.href}\nhostInterval: 0\nstressSecret: ${S3}\ndebugToken: ${S3}\nlogLevel: loud\n` });
      await waitFor('the refused reload', async () => metricValue(await metrics(), 'paysidecar_config_reloads_total', { result: 'failure' }) >= 1);

      await waitFor('the OTLP export failure to be logged', () => out.includes('span export to the OTLP collector is failing'), 15_000);
      const config = (await request(`${adminBase}/config`)).body;
      const shown = JSON.parse(config) as Record<string, unknown>;
      assert.equal(shown.debugToken, '[redacted]');
      assert.equal(shown.stressSecretFile, secretVol.path('stress-secret'), 'the path is shown, never the contents');
      const m = await metrics();
      assert.equal(metricValue(m, 'paysidecar_stress_rejections_total', { reason: 'bad_signature' }), 1);
      assert.equal(metricValue(m, 'paysidecar_debug_refusals_total'), 1);
      assert.ok(metricValue(m, 'paysidecar_config_reloads_total', { result: 'failure' }) >= 1);
      assert.ok(metricValue(m, 'paysidecar_trace_spans_dropped_total') >= 1, 'the failed export is counted');

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);

      assert.match(out, /"problems":\[.*stressSecretFile: set either the stress secret or a file holding it, not both|"problems":\[.*logLevel/);
      assert.match(out, /"msg":"stress secret rotated/);
      assert.match(out, /"endpoint":"http:\/\/redacted@127\.0\.0\.1/);
      const mac = valid.split('.')[1];
      const everything = [out, config, m, ...answers].join('\n');
      for (const [name, secret] of Object.entries({ S1, S2, S3, DEBUG, API_KEY, PASSWORD, tokenMac: mac })) {
        assert.ok(!everything.includes(secret), `${name} leaked: ${everything.split('\n').filter((l) => l.includes(secret)).map((l) => l.slice(0, 240)).join(' | ')}`);
      }
      assert.ok(out.split('\n').filter((l) => l.includes('"traffic"')).length >= 3, 'access log lines were written and checked');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await up.close();
      secretVol.remove();
      configVol.remove();
    }
  });
});
