/**
 * Hot reload through the real file watch: a ConfigMap-style volume is updated the way the kubelet
 * updates it, and each reloadable setting is checked on real requests afterwards.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar } from '../helpers/sidecar';
import { signStressToken } from '../../src/context/stress-token';
import { projectedVolume } from './volume';
import { CONFIG_FILE, startReloading, waitFor } from './harness';

const STRESS = { 'x-test-env': 'stress-v2' };

describe('hot reload', { timeout: 60_000 }, () => {
  it('picks up a ConfigMap update (the ..data symlink swap): trusted CIDRs, routes, access-log sampling and the in-flight limit change', async () => {
    const up = await startUpstream();
    const vol = projectedVolume({ [CONFIG_FILE]: `upstream: ${up.url.href}\naccessLogSample: 1\n` });
    const r = await startReloading(vol.path(CONFIG_FILE));
    try {
      const before = await request(`${r.base}/v1/users/42`, { headers: STRESS });
      assert.match(String(before.headers['x-trace-id']), /^tr-/, 'untrusted before the reload');
      assert.equal(up.seen.at(-1)?.headers['x-test-env'], undefined);
      assert.equal(r.cap.access.length, 1, 'every success logged at accessLogSample 1');

      vol.update({ [CONFIG_FILE]: `upstream: ${up.url.href}\naccessLogSample: 0\ntrustCidr: [127.0.0.0/8]\nroute: ["/v1/users/{id}"]\nmaxInflight: 7\n` });
      await waitFor('the reload', async () => (await r.reloads('success')) === 1);

      const after = await request(`${r.base}/v1/users/43`, { headers: STRESS });
      assert.match(String(after.headers['x-trace-id']), /^t-/, 'trusted after the reload');
      assert.equal(up.seen.at(-1)?.headers['x-test-env'], 'stress-v2');
      const m = await r.sc.metricsText();
      assert.equal(metricValue(m, 'http_server_request_duration_count', { http_route: '/v1/users/{id}', traffic: 'stress' }), 1, 'the new route template labels the request');
      assert.equal(metricValue(m, 'http_server_request_duration_count', { http_route: '/{unmatched}', traffic: 'prod' }), 1, 'the earlier request kept its label');
      assert.equal(r.cap.access.length, 1, 'no success logged at accessLogSample 0');
      assert.equal(r.sc.live.maxInflight, 7);
      const shown = JSON.parse((await request(`${r.admin}/config`)).body);
      assert.deepEqual(shown.trustCidr, ['127.0.0.0/8']);
      assert.deepEqual(shown.route, ['/v1/users/{id}']);
      assert.equal(shown.accessLogSample, 0);
      const line = r.cap.lines.find((l) => l.msg === 'config reloaded');
      assert.ok(line, 'the reload is logged');
      assert.deepEqual(new Set(line.applied as string[]), new Set(['trustCidr', 'route', 'accessLogSample', 'maxInflight']));
      assert.equal(line.trigger, 'file change');
      assert.equal(metricValue(m, 'paysidecar_config_restart_required'), 0);
    } finally {
      await r.sc.shutdown();
      await up.close();
      vol.remove();
    }
  });

  it('keeps the running config when the new file is invalid, logs every problem without the secret, counts a failure, and recovers once fixed', async () => {
    const up = await startUpstream();
    const oldSecret = 'reload-old-secret-0000000000000001';
    const newSecret = 'reload-new-secret-0000000000000002';
    const vol = projectedVolume({ [CONFIG_FILE]: `upstream: ${up.url.href}\ntrustCidr: [127.0.0.0/8]\nstressSecret: ${oldSecret}\n` });
    const r = await startReloading(vol.path(CONFIG_FILE));
    try {
      vol.update({ [CONFIG_FILE]: `upstream: ${up.url.href}\ntrustCidr: [127.0.0.0/33]\nstressSecret: ${newSecret}\naccessLogSample: 2\nnoSuchKey: 1\n` });
      await waitFor('the failed reload', async () => (await r.reloads('failure')) === 1);
      const failed = r.cap.lines.find((l) => l.msg === 'config reload failed; the running config is unchanged');
      assert.ok(failed);
      const problems = (failed.problems as string[]).join('\n');
      assert.match(problems, /trustCidr \(in .*\): .*127\.0\.0\.0\/33/);
      assert.match(problems, /accessLogSample .*expected a number from 0 to 1/);
      assert.match(problems, /noSuchKey .*unknown config key/);
      assert.ok(!r.cap.text().includes(newSecret) && !r.cap.text().includes(oldSecret), 'no secret in any log line');
      assert.equal(await r.reloads('success'), 0);

      const still = await request(`${r.base}/api/orders`, { headers: STRESS });
      assert.match(String(still.headers['x-trace-id']), /^t-/, 'the old trusted CIDR still applies');
      assert.deepEqual(JSON.parse((await request(`${r.admin}/config`)).body).trustCidr, ['127.0.0.0/8']);

      vol.update({ [CONFIG_FILE]: `upstream: ${up.url.href}\ntrustCidr: []\nstressSecret: ${newSecret}\n` });
      await waitFor('the recovering reload', async () => (await r.reloads('success')) === 1);
      const now = await request(`${r.base}/api/orders`, { headers: STRESS });
      assert.match(String(now.headers['x-trace-id']), /^tr-/, 'the new (empty) trust list applies');
      const withNew = await request(`${r.base}/api/orders`, { headers: { ...STRESS, 'x-stress-token': signStressToken(newSecret, 'stress-v2') } });
      assert.match(String(withNew.headers['x-trace-id']), /^t-/, 'the new secret signs valid tokens');
      assert.ok(!r.cap.text().includes(newSecret));
    } finally {
      await r.sc.shutdown();
      await up.close();
      vol.remove();
    }
  });

  it('names settings that need a restart, keeps their running values, and raises restart_required until the file agrees again', async () => {
    const up = await startUpstream();
    const other = await startUpstream();
    const vol = projectedVolume({ [CONFIG_FILE]: `upstream: ${up.url.href}\n` });
    const r = await startReloading(vol.path(CONFIG_FILE));
    try {
      vol.update({ [CONFIG_FILE]: `upstream: ${other.url.href}\nupstreamTimeout: 3s\nlogLevel: warn\n` });
      await waitFor('the reload', async () => (await r.reloads('success')) === 1);
      const warn = r.cap.lines.find((l) => Array.isArray(l.keys));
      assert.ok(warn, 'a warning names the keys');
      assert.deepEqual(warn.keys, ['upstream', 'upstreamTimeout']);
      assert.match(String(warn.msg), /upstream, upstreamTimeout, which take effect only after a restart/);
      assert.equal(metricValue(await r.sc.metricsText(), 'paysidecar_config_restart_required'), 1);
      await request(`${r.base}/x`);
      assert.equal(up.seen.length, 1, 'still proxied to the running upstream');
      assert.equal(other.seen.length, 0);
      const shown = JSON.parse((await request(`${r.admin}/config`)).body);
      assert.equal(shown.upstream, up.url.href, '/config shows what is running');
      assert.equal(shown.logLevel, 'warn', 'the reloadable key in the same file was applied');
      assert.equal(r.sc.logger.level, 'warn');

      vol.update({ [CONFIG_FILE]: `upstream: ${up.url.href}\nlogLevel: warn\n` });
      await waitFor('the second reload', async () => (await r.reloads('success')) === 2);
      assert.equal(metricValue(await r.sc.metricsText(), 'paysidecar_config_restart_required'), 0);
    } finally {
      await r.sc.shutdown();
      await up.close();
      await other.close();
      vol.remove();
    }
  });

  it('rotates the stress secret from a Secret volume: both secrets during the overlap, only the new one after; a replayed old token is rejected and counted', async () => {
    const up = await startUpstream();
    const oldSecret = 'rotation-old-secret-aaaaaaaaaaaaaaaa';
    const newSecret = 'rotation-new-secret-bbbbbbbbbbbbbbbb';
    const secretVol = projectedVolume({ 'stress-secret': `${oldSecret}\n` }, 'paysidecar-secret-');
    const vol = projectedVolume({ [CONFIG_FILE]: `upstream: ${up.url.href}\nstressSecretFile: ${secretVol.path('stress-secret')}\nstressSecretOverlap: 1500ms\n` });
    const r = await startReloading(vol.path(CONFIG_FILE));
    const stressWith = async (secret: string, ts?: number) => {
      const res = await request(`${r.base}/api/orders`, { headers: { ...STRESS, 'x-stress-token': signStressToken(secret, 'stress-v2', ts) } });
      return String(res.headers['x-trace-id']).startsWith('t-');
    };
    try {
      const oldToken = signStressToken(oldSecret, 'stress-v2');
      assert.equal(await stressWith(oldSecret), true);
      assert.equal(await stressWith(newSecret), false);

      secretVol.update({ 'stress-secret': `${newSecret}\n` });
      await waitFor('the rotation', async () => (await r.reloads('success')) === 1);
      const rotatedAt = Date.now();
      assert.equal(await stressWith(newSecret), true, 'new secret accepted');
      assert.equal(await stressWith(oldSecret), true, 'old secret still accepted during the overlap');
      assert.ok(Date.now() - rotatedAt < 1500, 'both checked inside the overlap');
      const line = r.cap.lines.find((l) => l.msg === 'config reloaded');
      assert.deepEqual(line?.applied, ['stressSecret'], 'a secret-file change counts as a stress-secret change');

      await waitFor('the overlap to end', () => r.cap.lines.some((l) => String(l.msg).startsWith('stress-secret overlap ended')), 4000);
      const rejectedBefore = metricValue(await r.sc.metricsText(), 'paysidecar_stress_rejections_total', { reason: 'bad_signature' });
      const replay = await request(`${r.base}/api/orders`, { headers: { ...STRESS, 'x-stress-token': oldToken } });
      assert.match(String(replay.headers['x-trace-id']), /^tr-/, 'a token replayed from before the rotation is refused');
      assert.equal(up.seen.at(-1)?.headers['x-test-env'], undefined);
      assert.equal(await stressWith(newSecret), true);
      assert.equal(metricValue(await r.sc.metricsText(), 'paysidecar_stress_rejections_total', { reason: 'bad_signature' }), rejectedBefore + 1);
      assert.ok(!r.cap.text().includes(oldSecret) && !r.cap.text().includes(newSecret));
      assert.ok(!(await request(`${r.admin}/config`)).body.includes(newSecret));
    } finally {
      await r.sc.shutdown();
      await up.close();
      vol.remove();
      secretVol.remove();
    }
  });

  it('lets requests in flight during a reload finish as they started', async () => {
    const release: Array<() => void> = [];
    const up = await startUpstream((_req, res) => {
      release.push(() => res.end('done'));
    });
    const vol = projectedVolume({ [CONFIG_FILE]: `upstream: ${up.url.href}\ntrustCidr: [127.0.0.0/8]\n` });
    const r = await startReloading(vol.path(CONFIG_FILE));
    try {
      const agent = new http.Agent({ keepAlive: true });
      const pending = Array.from({ length: 20 }, (_, i) =>
        new Promise<{ status: number; traceId: string; body: string }>((resolve, reject) => {
          http.get(`${r.base}/api/orders/${i}`, { agent, headers: STRESS }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, traceId: String(res.headers['x-trace-id']), body }));
          }).on('error', reject);
        }),
      );
      await waitFor('20 requests at the upstream', () => up.seen.length === 20);
      vol.update({ [CONFIG_FILE]: `upstream: ${up.url.href}\ntrustCidr: []\nmaxInflight: 1\n` });
      await waitFor('the reload', async () => (await r.reloads('success')) === 1);
      // The limit now is 1 and 20 are in flight: a new request is shed, the old ones are not touched.
      const shed = await request(`${r.base}/api/orders/new`);
      assert.equal(shed.status, 503);
      for (const f of release) f();
      const done = await Promise.all(pending);
      agent.destroy();
      assert.deepEqual(done.map((d) => d.status), Array(20).fill(200));
      assert.ok(done.every((d) => d.traceId.startsWith('t-') && d.body === 'done'), 'each kept the stress decision it started with');
      const m = await r.sc.metricsText();
      assert.equal(metricValue(m, 'http_server_request_duration_count', { traffic: 'stress', http_response_status_code: '200' }), 20);
      assert.equal(metricValue(m, 'paysidecar_requests_shed_total', { traffic: 'prod' }), 1);
    } finally {
      await r.sc.shutdown();
      await up.close();
      vol.remove();
    }
  });

  it('reloads the sampling ratio: new traces stop being sampled, stress traffic still is', async () => {
    const up = await startUpstream();
    const vol = projectedVolume({ [CONFIG_FILE]: `upstream: ${up.url.href}\ntraceSampleRatio: 1\ntrustCidr: [127.0.0.0/8]\n` });
    const r = await startReloading(vol.path(CONFIG_FILE));
    try {
      await request(`${r.base}/api/orders`);
      assert.equal(r.spans.getFinishedSpans().length, 1);
      vol.update({ [CONFIG_FILE]: `upstream: ${up.url.href}\ntraceSampleRatio: 0\ntrustCidr: [127.0.0.0/8]\n` });
      await waitFor('the reload', async () => (await r.reloads('success')) === 1);
      for (let i = 0; i < 10; i++) await request(`${r.base}/api/orders`);
      assert.equal(r.spans.getFinishedSpans().length, 1, 'no new prod trace sampled at ratio 0');
      await request(`${r.base}/api/orders`, { headers: STRESS });
      assert.equal(r.spans.getFinishedSpans().length, 2, 'stress traffic is still sampled (sampleStress)');
      assert.equal(r.spans.getFinishedSpans()[1].attributes['paysidecar.traffic'], 'stress');
    } finally {
      await r.sc.shutdown();
      await up.close();
      vol.remove();
    }
  });

  it('counts a reload that changes nothing as a success, and refuses to reload without a config source', async () => {
    const up = await startUpstream();
    const vol = projectedVolume({ [CONFIG_FILE]: `upstream: ${up.url.href}\n` });
    const r = await startReloading(vol.path(CONFIG_FILE));
    try {
      const outcome = await r.sc.reload('test');
      assert.deepEqual(outcome, { result: 'success', applied: [], restartRequired: [], problems: [] });
      assert.equal(await r.reloads('success'), 1);
      await sleep(150);
      assert.equal(await r.reloads('success'), 1, 'an unchanged file raises no watch reload');
      const bare = await startTestSidecar({ upstream: up.url.href });
      try {
        const refused = await bare.reload('test');
        assert.equal(refused.result, 'failure');
        assert.match(refused.problems[0], /without SidecarOptions.loadInput/);
      } finally {
        await bare.shutdown();
      }
    } finally {
      await r.sc.shutdown();
      await up.close();
      vol.remove();
    }
  });
});
