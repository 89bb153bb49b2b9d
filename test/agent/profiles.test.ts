/**
 * Profiles from a running app through the agent's listener, read by `go tool pprof`: the CPU
 * profile names the app's hot function, the heap profile its allocator. Plus the debug token
 * from PAYSIDECAR_DEBUG_TOKEN.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppProcess } from './app-process';
import { assertPprofInvariants, decodeProfile, goPprofTop, topRows } from '../runtime/pprof-check';

const dir = mkdtempSync(join(tmpdir(), 'paysidecar-agent-pprof-'));
const apps: AppProcess[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function fetchProfile(url: string): Promise<Buffer> {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200, body.toString());
  return body;
}

describe('profiles of an app with the agent', () => {
  test('CPU: go tool pprof -top names the app hot function first', async () => {
    const app = await startApp({ loader: 'require', env: { FIXTURE_WORKLOAD: 'cpu' } });
    apps.push(app);
    const gz = await fetchProfile(`${app.agent}/debug/pprof/profile?seconds=2`);
    assertPprofInvariants(decodeProfile(gz), [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ]);
    const file = join(dir, 'app-cpu.pb.gz');
    writeFileSync(file, gz);
    const rows = topRows(goPprofTop(file));
    assert.equal(rows[0]?.name, 'burnCpuInTheHotLoop', rows.slice(0, 5).map((r) => `${r.flatPct}% ${r.name}`).join('\n'));
    assert.ok(rows[0].flatPct > 50, `the hot loop holds most of the CPU (${rows[0].flatPct}%)`);
  });

  test('heap: go tool pprof -top names the app allocator first, by space and by objects', async () => {
    const app = await startApp({ loader: 'require', env: { FIXTURE_WORKLOAD: 'heap', PAYSIDECAR_AGENT_HEAP_INTERVAL: '65536' } });
    apps.push(app);
    const gz = await fetchProfile(`${app.agent}/debug/pprof/heap?seconds=2`);
    const p = decodeProfile(gz);
    assertPprofInvariants(p, [
      ['inuse_objects', 'count'],
      ['inuse_space', 'bytes'],
    ]);
    assert.equal(Number(p.period), 65536, 'PAYSIDECAR_AGENT_HEAP_INTERVAL sets the sampling interval');
    const file = join(dir, 'app-heap.pb.gz');
    writeFileSync(file, gz);
    for (const index of ['inuse_space', 'inuse_objects']) {
      const rows = topRows(goPprofTop(file, [`-sample_index=${index}`]));
      assert.equal(rows[0]?.name, 'retainOrderRecords', `${index}:\n${rows.slice(0, 5).map((r) => `${r.flatPct}% ${r.name}`).join('\n')}`);
    }
  });

  test('PAYSIDECAR_DEBUG_TOKEN lets a proxied caller in with the bearer token only', async () => {
    const token = 'agent-debug-token-5c1e';
    const app = await startApp({ loader: 'require', env: { PAYSIDECAR_DEBUG_TOKEN: token } });
    apps.push(app);
    const proxied = { 'x-forwarded-for': '198.51.100.4' };
    assert.equal((await fetch(`${app.agent}/debug/pprof/goroutine`, { headers: proxied })).status, 403);
    assert.equal((await fetch(`${app.agent}/debug/pprof/goroutine`, { headers: { ...proxied, authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await fetch(`${app.agent}/debug/pprof/goroutine`)).status, 200, 'loopback needs no token');
    assert.ok(!app.stderr().includes(token), 'the token is never logged');
  });
});
