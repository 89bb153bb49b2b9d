import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream } from '../helpers/upstream';
import { request } from '../helpers/sidecar';
import { freePort } from '../helpers/ports';

const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');


describe('graceful shutdown', { timeout: 60_000 }, () => {
  it('SIGTERM while 200 slow requests are in flight: /ready turns 503, all 200 complete, exit 0', async () => {
    const up = await startUpstream((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }, 1500);
    });
    const [listen, admin] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [CLI, 'run', '--listen', `127.0.0.1:${listen}`, '--admin', `127.0.0.1:${admin}`, '--upstream', up.url.href, '--access-log', 'off', '--host-interval', '0', '--drain-timeout', '10s'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    try {
      const started = Date.now();
      while (Date.now() - started < 10_000) {
        if (stderr.includes('paysidecar started')) break;
        await sleep(50);
      }
      assert.match(stderr, /paysidecar started/);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
      const results = Array.from({ length: 200 }, (_, i) =>
        new Promise<number>((resolve) => {
          http.get(`http://127.0.0.1:${listen}/api/orders/${i}`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          }).on('error', () => resolve(-1));
        }),
      );
      const deadline = Date.now() + 5000;
      while (up.seen.length < 200 && Date.now() < deadline) await sleep(20);
      assert.equal(up.seen.length, 200, 'all 200 requests reached the upstream before SIGTERM');
      child.kill('SIGTERM');
      await sleep(200);
      const ready = await request(`http://127.0.0.1:${admin}/ready`);
      assert.equal(ready.status, 503);
      assert.equal(JSON.parse(ready.body).reason, 'draining');
      const statuses = await Promise.all(results);
      agent.destroy();
      assert.deepEqual(statuses.filter((s) => s !== 200), [], 'every in-flight request completed with 200');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0, stderr);
      assert.match(stderr, /"completed":true/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await up.close();
    }
  });
});
