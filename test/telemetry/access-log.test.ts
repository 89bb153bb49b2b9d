import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/load';
import { startSidecar } from '../../src/sidecar';
import { createLogs, silentLogger } from '../../src/telemetry/logs';
import { signStressToken } from '../../src/context/stress-token';
import { startUpstream } from '../helpers/upstream';
import { request } from '../helpers/sidecar';

const SECRET = 'access-log-secret-value-42';

function lines(path: string): Array<Record<string, unknown>> {
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

describe('access logs', { timeout: 30_000 }, () => {
  it('writes one line per request with the documented fields, keeps stress apart, samples successes and never logs secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paysidecar-logs-'));
    const accessFile = join(dir, 'access.log');
    const stressFile = join(dir, 'stress.log');
    const up = await startUpstream((req, res) => {
      res.writeHead(req.url?.startsWith('/fail') ? 500 : 200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    const { config } = loadConfig({
      env: {},
      flags: {
        listen: '127.0.0.1:0', admin: '127.0.0.1:0', upstream: up.url.href, hostInterval: '0',
        accessLog: 'file', accessLogFile: accessFile, stressLog: stressFile, accessLogSample: '0', stressSecret: SECRET,
      },
    });
    const logs = { ...(await createLogs(config)), logger: silentLogger() };
    const sc = await startSidecar(config, { logs });
    const base = `http://127.0.0.1:${sc.proxyAddress.port}`;
    try {
      for (let i = 0; i < 20; i++) await request(`${base}/api/orders/${i}`);
      await request(`${base}/fail/1`);
      const token = signStressToken(SECRET, 'stress-v2');
      await request(`${base}/api/orders`, { headers: { 'x-test-env': 'stress-v2', 'x-stress-token': token } });
      await request(`${base}/fail/2`, { headers: { 'x-test-env': 'stress-v2', 'x-stress-token': token } });
      await request(`${base}/api/orders`, { headers: { 'x-test-env': 'stress-v2', 'x-stress-token': 'forged.' + 'ab'.repeat(32) } });
    } finally {
      await sc.shutdown();
      await up.close();
    }
    await sleep(100);
    const prod = lines(accessFile);
    const stress = lines(stressFile);
    // Sample 0: every successful request is dropped, errors are always kept.
    assert.deepEqual(prod.map((l) => l.status), [500], JSON.stringify(prod));
    const line = prod[0];
    for (const field of ['time', 'method', 'route', 'status', 'duration_ms', 'bytes', 'peer', 'trace_id', 'span_id', 'traffic']) {
      assert.ok(field in line, `field ${field}`);
    }
    assert.equal(line.route, '/{unmatched}');
    assert.equal(line.traffic, 'prod');
    assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
    assert.deepEqual(stress.map((l) => [l.status, l.traffic, l.scenario]), [[500, 'stress', 'stress-v2']]);
    const all = readFileSync(accessFile, 'utf8') + readFileSync(stressFile, 'utf8');
    assert.doesNotMatch(all, new RegExp(SECRET));
    assert.doesNotMatch(all, /x-stress-token|forged\./i);
    rmSync(dir, { recursive: true, force: true });
  });
});
