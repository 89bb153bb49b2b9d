/**
 * A sidecar that cannot bind its proxy port stops cleanly: the same closers as a shutdown run
 * (the admin port it already bound is released, the stop is logged), the error names the listener,
 * the address and the flag, and `paysidecar run` exits 1 saying so.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { startSidecar } from '../../src/sidecar';
import { closeInOrder } from '../../src/lifecycle';
import { freePort } from '../helpers/ports';
import { captureLogs } from '../reload/capture';

const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port };
}

async function bindable(port: number): Promise<boolean> {
  const probe = createServer();
  try {
    probe.listen(port, '127.0.0.1');
    await Promise.race([once(probe, 'listening'), once(probe, 'error').then(([err]) => Promise.reject(err))]);
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}

describe('a proxy port already in use', { timeout: 30_000 }, () => {
  it('startSidecar rejects naming --listen, after closing what it had opened', async () => {
    const busy = await occupy();
    const adminPort = await freePort();
    const cap = captureLogs();
    try {
      const { config } = loadConfig({ env: {}, flags: { listen: `127.0.0.1:${busy.port}`, admin: `127.0.0.1:${adminPort}`, hostInterval: '0', accessLog: 'off' } });
      await assert.rejects(startSidecar(config, { logs: cap.logs }), {
        message: `cannot listen for proxied traffic on 127.0.0.1:${busy.port}: address already in use (change it with --listen)`,
      });
      assert.ok(await bindable(adminPort), 'the admin port bound before the failure is free again');
      assert.ok(cap.lines.some((l) => l.msg === 'paysidecar stopped'), 'the closers ran to the last one, as on shutdown');
      assert.ok(!cap.lines.some((l) => l.msg === 'paysidecar started'));
      assert.ok(!cap.lines.some((l) => String(l.msg).startsWith('closing the')), 'no closer failed');
    } finally {
      busy.server.close();
    }
  });

  it('paysidecar run exits 1 with one line naming the address and the flag', async () => {
    const busy = await occupy();
    try {
      const child = spawn(process.execPath, [CLI, 'run', '--listen', `127.0.0.1:${busy.port}`, '--admin', '127.0.0.1:0', '--host-interval', '0', '--access-log', 'off'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: process.env.PATH ?? '' },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      clearTimeout(timer);
      assert.equal(signal, null, `exited on its own, not killed after 15 s; stderr: ${stderr}`);
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`paysidecar: cannot listen for proxied traffic on 127\\.0\\.0\\.1:${busy.port}: address already in use \\(change it with --listen\\)`));
      assert.doesNotMatch(stderr, /paysidecar started/);
    } finally {
      busy.server.close();
    }
  });
});

describe('closeInOrder', () => {
  it('closes in list order, waits for each, and a failing closer does not stop the rest', async () => {
    const seen: string[] = [];
    const failures: string[] = [];
    await closeInOrder(
      [
        { name: 'slow', close: () => new Promise<void>((r) => setTimeout(() => (seen.push('slow'), r()), 20)) },
        { name: 'broken', close: () => { throw new Error('boom'); } },
        { name: 'rejecting', close: () => Promise.reject(new Error('later boom')) },
        { name: 'last', close: () => void seen.push('last') },
      ],
      (name, err) => failures.push(`${name}: ${(err as Error).message}`),
    );
    assert.deepEqual(seen, ['slow', 'last']);
    assert.deepEqual(failures, ['broken: boom', 'rejecting: later boom']);
  });
});
