/**
 * What `paysidecar run` loads at default settings (`--forwarder undici`), read from require.cache
 * in the child process after a request went through: nothing another command or an optional
 * feature needs. Each package here costs megabytes of RSS at idle (README, "Where the memory goes").
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { freePort } from '../helpers/ports';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

/** Paths (with `/` for the separator) that must not be in require.cache, and why. */
const FORBIDDEN: [string, string][] = [
  ['/node_modules/fastify/', 'the example gateway and platform'],
  ['/node_modules/node-forge/', 'the example platform'],
  ['/node_modules/cockatiel/', 'the example gateway'],
  ['/dist/examples/', 'the example'],
  ['/dist/src/generate/', 'the dashboard and alert generators'],
  ['/node_modules/@grafana/', 'the dashboard generator'],
  ['/dist/src/bench/', 'the bench load generator'],
  ['/node_modules/hdr-histogram-js/', 'the bench load generator'],
  ['/node_modules/cli-progress/', 'the bench load generator'],
  ['/node_modules/pino-roll/', 'log rotation, off by default'],
  ['/node_modules/date-fns/', 'log rotation (pino-roll), off by default'],
  ['/node_modules/undici/index.js', "undici's index (every dispatcher, fetch, WebSocket): the forwarder needs its Pool only"],
  ['/node_modules/@opentelemetry/exporter-trace-otlp-http/', 'the OTLP exporter, without an OTLP endpoint'],
  ['/node_modules/systeminformation/', 'the watched-process collector only (--watch-process); the host collectors read /proc'],
  ['/node_modules/yaml/', "the config file parser: in the loader's child process, never here"],
  ['/node_modules/zod/', "the config schema: validated in the loader's child process (load-in-child.ts), never compiled here"],
  ['/dist/src/config/schema.js', "the config schema: in the loader's child process"],
];

const PRELOAD = `'use strict';
process.on('SIGUSR2', () => {
  require('node:fs').writeFileSync(process.env.RUN_MODULES_FILE, JSON.stringify(Object.keys(require.cache)));
});
`;

const children: ChildProcess[] = [];
const upstreams: TestUpstream[] = [];
const dir = mkdtempSync(join(tmpdir(), 'paysidecar-run-modules-'));
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const u of upstreams) await u.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `paysidecar run` with the preload, proxies one request, and returns require.cache's keys. */
async function loadedBy(args: string[], whileUp?: (admin: string) => Promise<void>): Promise<string[]> {
  const upstream = await startUpstream();
  upstreams.push(upstream);
  const preload = join(dir, 'preload.js');
  const file = join(dir, 'modules.json');
  writeFileSync(preload, PRELOAD);
  const admin = `127.0.0.1:${await freePort()}`;
  const listen = `127.0.0.1:${await freePort()}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PAYSIDECAR_') && !k.startsWith('OTEL_') && k !== 'NODE_OPTIONS'));
  const child = spawn(process.execPath, ['--require', preload, CLI, 'run', '--listen', listen, '--admin', admin, '--upstream', upstream.url.href, ...args], {
    cwd: ROOT,
    env: { ...env, RUN_MODULES_FILE: file },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + 30_000;
  while ((await fetch(`http://${admin}/live`).then((r) => r.status, () => 0)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the sidecar did not come up:\n${err}`);
    await sleep(100);
  }
  assert.equal((await fetch(`http://${listen}/v3/pay/transactions/id/1`)).status, 200);
  assert.equal((await fetch(`http://${admin}/metrics`)).status, 200);
  await whileUp?.(admin);
  child.kill('SIGUSR2');
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no module list from the sidecar:\n${err}`);
    await sleep(50);
  }
  await sleep(100);
  const modules = (JSON.parse(readFileSync(file, 'utf8')) as string[]).map((p) => p.split(sep).join('/'));
  rmSync(file);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
  return modules;
}

describe('paysidecar run loads what it uses', () => {
  it('at default settings on the undici core: no example, generator, bench client or optional feature', async () => {
    const modules = await loadedBy(['--forwarder', 'undici']);
    // The list is the sidecar's own: its wiring and the forwarding core are in it.
    for (const needed of ['/dist/src/sidecar.js', '/dist/src/proxy/forward-undici.js', '/node_modules/undici/lib/dispatcher/pool.js']) {
      assert.ok(modules.some((m) => m.endsWith(needed)), `${needed} should be loaded; got ${modules.length} modules`);
    }
    const wrong = FORBIDDEN.flatMap(([path, why]) => modules.filter((m) => m.includes(path)).slice(0, 1).map((m) => `${m} (${why})`));
    assert.deepEqual(wrong, []);
  });

  it("with a config file and a reload: the file is parsed and validated in the loader's child process only", async () => {
    const file = join(dir, 'sidecar.yaml');
    writeFileSync(file, 'accessLogSample: 0.5\nroute:\n  - /v1/users/{id}\n');
    const modules = await loadedBy(['--config', file], async (admin) => {
      writeFileSync(file, 'accessLogSample: 0.25\nroute:\n  - /v1/users/{id}\n');
      // The reload is seen in /config once the loader thread has answered.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const cfg = (await (await fetch(`http://${admin}/config`)).json()) as { config?: { accessLogSample?: number }; accessLogSample?: number };
        if ((cfg.config ?? cfg).accessLogSample === 0.25) break;
        if (Date.now() > deadline) throw new Error(`the reload did not land: ${JSON.stringify(cfg)}`);
        await sleep(100);
      }
    });
    const wrong = FORBIDDEN.flatMap(([path, why]) => modules.filter((m) => m.includes(path)).slice(0, 1).map((m) => `${m} (${why})`));
    assert.deepEqual(wrong, []);
  });
});
