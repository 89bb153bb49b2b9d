/**
 * /debug/pprof on the sidecar's admin listener refuses callers that are not on loopback unless
 * they carry PAYSIDECAR_DEBUG_TOKEN, and counts each refusal in paysidecar_debug_refusals_total.
 * The non-loopback caller is real: the sidecar runs in its own network namespace with a TEST-NET
 * address on lo, so the connection comes from 192.0.2.10 without anything leaving the machine.
 * (The access rule itself — every loopback form, proxied loopback, bearer parsing — is unit-tested
 * in test/runtime/debug-routes.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { metricValue, request, startTestSidecar } from '../helpers/sidecar';

const PROBE = join(__dirname, 'netns-admin-probe.js');
const TOKEN = 'netns-debug-token-5b9d2c';

interface ProbeResult {
  remoteNoToken: { status: number; code?: string };
  remoteWrongToken: { status: number; code?: string };
  remoteTokenInQuery: { status: number; code?: string };
  remoteWithToken?: { status: number; code?: string };
  loopbackNoToken: { status: number; code?: string };
  statusPage: { remoteNoToken: { status: number; code?: string }; remoteDataNoToken: { status: number; code?: string }; remoteWithToken?: { status: number }; loopbackNoToken: { status: number } };
  refusals: number;
}

function probeInNamespace(token: string | undefined): ProbeResult {
  const r = spawnSync(
    'unshare',
    ['--user', '--map-root-user', '--net', 'sh', '-c', 'ip link set lo up && ip addr add 192.0.2.10/32 dev lo && exec "$0" "$1"', process.execPath, PROBE],
    { encoding: 'utf8', timeout: 20_000, env: { PATH: process.env.PATH ?? '', ...(token ? { PROBE_DEBUG_TOKEN: token } : {}) } },
  );
  assert.equal(r.status, 0, `the namespace probe failed (needs unshare and ip from util-linux/iproute2): ${r.error?.message ?? ''} ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as ProbeResult;
}

describe('debug endpoints and non-loopback callers', { timeout: 60_000 }, () => {
  it('refuses a real non-loopback caller without the token, serves it with the token, and counts each refusal', () => {
    const out = probeInNamespace(TOKEN);
    assert.deepEqual(out.remoteNoToken, { status: 403, code: 'PAYSIDECAR_DEBUG_FORBIDDEN' });
    assert.deepEqual(out.remoteWrongToken, { status: 403, code: 'PAYSIDECAR_DEBUG_FORBIDDEN' });
    assert.deepEqual(out.remoteTokenInQuery, { status: 403, code: 'PAYSIDECAR_DEBUG_FORBIDDEN' });
    assert.equal(out.remoteWithToken?.status, 200);
    assert.equal(out.loopbackNoToken.status, 200, 'loopback needs no token');
    assert.equal(out.refusals, 3, 'no token, wrong token and token-in-the-query were each counted; the served calls were not');
  });

  it('holds the status page at / and its data to the same rule', () => {
    const out = probeInNamespace(TOKEN);
    assert.deepEqual(out.statusPage.remoteNoToken, { status: 403, code: 'PAYSIDECAR_DEBUG_FORBIDDEN' });
    assert.deepEqual(out.statusPage.remoteDataNoToken, { status: 403, code: 'PAYSIDECAR_DEBUG_FORBIDDEN' });
    assert.equal(out.statusPage.remoteWithToken?.status, 200);
    assert.equal(out.statusPage.loopbackNoToken.status, 200);
  });

  it('refuses every non-loopback caller when no token is configured', () => {
    const out = probeInNamespace(undefined);
    assert.equal(out.remoteNoToken.status, 403);
    assert.equal(out.remoteWrongToken.status, 403, 'a made-up bearer token is no way in');
    assert.equal(out.loopbackNoToken.status, 200);
    assert.equal(out.refusals, 3);
  });

  it('counts a refusal for a loopback caller that forwards for someone else', async () => {
    const sc = await startTestSidecar({ upstream: 'http://127.0.0.1:9', debugToken: TOKEN });
    try {
      const r = await request(`${sc.admin}/debug/pprof/goroutine`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      assert.equal(r.status, 403);
      assert.ok(!r.body.includes(TOKEN), 'the refusal never echoes the token');
      assert.equal(metricValue(await sc.metricsText(), 'paysidecar_debug_refusals_total'), 1);
      assert.equal((await request(`${sc.admin}/debug/pprof/goroutine`)).status, 200);
      assert.equal(metricValue(await sc.metricsText(), 'paysidecar_debug_refusals_total'), 1, 'a served call is not counted');
    } finally {
      await sc.shutdown();
    }
  });
});
