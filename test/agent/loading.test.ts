/**
 * Loading the agent: --require (CommonJS app) and --import (ESM app), the package self-reference,
 * metrics on the agent's /metrics (runtime and the app's own), lazy loading of the profilers,
 * and an agent that never stops the app: busy port, listener off, bad settings.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { REPO_ROOT, UNBUNDLED_AGENT, get, startApp, type AppProcess } from './app-process';

const apps: AppProcess[] = [];
after(async () => {
  await Promise.all(apps.map((a) => a.stop()));
});

async function started(opts: Parameters<typeof startApp>[0]): Promise<AppProcess> {
  const app = await startApp(opts);
  apps.push(app);
  return app;
}

describe('agent loading', () => {
  test('the package resolves paysidecar/agent to the one-file agent bundle from inside the repo', () => {
    const resolved = execFileSync(process.execPath, ['-p', "require.resolve('paysidecar/agent')"], { cwd: REPO_ROOT }).toString().trim();
    assert.equal(resolved, join(REPO_ROOT, 'dist', 'agent', 'paysidecar-agent.js'));
  });

  for (const loader of ['require', 'import'] as const) {
    test(`--${loader} paysidecar/agent: the app serves, the agent serves runtime and app metrics`, async () => {
      const app = await started({ loader });
      if (loader === 'import') assert.equal(app.ready.esm, true, 'the ESM fixture must really run as ESM');
      assert.ok(app.agent, `agent listener address in the start-up log: ${app.stderr()}`);
      assert.equal((await get(`${app.base}/orders`)).status, 200);
      assert.equal((await get(`${app.base}/orders`)).status, 200);

      const metrics = await get(`${app.agent}/metrics`);
      assert.equal(metrics.status, 200);
      for (const series of [
        'nodejs_eventloop_delay_p99',
        'nodejs_eventloop_utilization',
        'v8js_memory_heap_used',
        'v8js_memory_heap_space_size{',
        'nodejs_active_handles{',
        'paysidecar_runtime_gc_time_ratio',
      ]) {
        assert.ok(metrics.text.includes(series), `${series} missing from the agent's /metrics`);
      }
      // The app's counter was created at module load, before any request: the global provider was already in place.
      const orders = metrics.text.split('\n').find((l) => l.startsWith('fixture_orders_total{'));
      assert.ok(orders, `fixture_orders_total missing:\n${metrics.text.slice(0, 2000)}`);
      assert.equal(Number(orders.split(' ').pop()), 2);
      // The instrumentations' own request histograms are kept off (the sidecar owns RED metrics).
      assert.ok(!/^http_(server|client)_(request_)?duration/m.test(metrics.text), 'instrumentation HTTP metrics must not be exported');

      const line = app.logs().find((l) => l.msg === 'paysidecar agent started');
      assert.equal(typeof line?.startup_ms, 'number');
      assert.equal(line?.propagation, true);
    });
  }

  // Checked on the tsc output, where each module is its own file in require.cache; the bundle keeps
  // the same laziness (esbuild runs a bundled CommonJS module on its first require).
  test('profilers are loaded on the first capture, not at start-up', async () => {
    const app = await started({ loader: 'require', agent: UNBUNDLED_AGENT });
    assert.deepEqual(app.ready.lazy, { pprofFormat: false, cpuCapture: false, timeline: false });
  });

  test('GC pauses reach the histogram with sub-millisecond buckets and a kind label', async () => {
    const app = await started({ loader: 'require', env: { FIXTURE_WORKLOAD: 'heap' } });
    await new Promise((r) => setTimeout(r, 500));
    const text = (await get(`${app.agent}/metrics`)).text;
    assert.match(text, /^v8js_gc_duration_bucket\{[^}]*v8js_gc_type="minor"[^}]*le="0\.0001"\}/m);
    const count = text.split('\n').find((l) => l.startsWith('v8js_gc_duration_count{') && l.includes('v8js_gc_type="minor"'));
    assert.ok(count && Number(count.split(' ').pop()) > 0, `minor GCs counted: ${count}`);
  });

  test('a busy agent port is one warning and the app runs on', async () => {
    const blocker: Server = createServer(() => {});
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    after(() => blocker.close());
    const busy = (blocker.address() as AddressInfo).port;
    const app = await started({ loader: 'require', env: { PAYSIDECAR_AGENT_ADMIN: `127.0.0.1:${busy}` } });
    assert.equal((await get(`${app.base}/orders`)).status, 200, 'the app serves');
    const warnings = app.logs().filter((l) => l.level === 40);
    assert.equal(warnings.length, 1, `exactly one warning: ${app.stderr()}`);
    assert.match(warnings[0].msg, new RegExp(`127\\.0\\.0\\.1:${busy} is already in use`));
    assert.equal(app.agent, undefined);
    assert.equal(app.child.exitCode, null, 'the app is still running');
  });

  test('PAYSIDECAR_AGENT_ADMIN=off: no listener, propagation still on', async () => {
    const app = await started({ loader: 'require', env: { PAYSIDECAR_AGENT_ADMIN: 'off' } });
    const line = app.logs().find((l) => l.msg === 'paysidecar agent started');
    assert.equal(line?.admin, 'off');
    assert.equal(line?.propagation, true);
    assert.equal((await get(`${app.base}/orders`)).status, 200);
  });

  test('bad agent settings are warnings naming the variable, the value and what was expected', async () => {
    const app = await started({
      loader: 'require',
      env: { PAYSIDECAR_AGENT_BLOCK_THRESHOLD: 'soon', PAYSIDECAR_AGENT_PROPAGATION: 'maybe' },
    });
    const text = app.logs().filter((l) => l.level === 40).map((l) => l.msg).join('\n');
    assert.match(text, /PAYSIDECAR_AGENT_BLOCK_THRESHOLD: "soon" is invalid, expected a duration/);
    assert.match(text, /PAYSIDECAR_AGENT_PROPAGATION: "maybe" is invalid, expected on or off/);
    assert.equal((await get(`${app.base}/orders`)).status, 200);
  });

  test('a short-lived script with the agent exits on its own (the listener does not hold it open)', () => {
    const t0 = Date.now();
    const out = execFileSync(process.execPath, ['--require', 'paysidecar/agent', '-e', "console.log('done')"], {
      cwd: REPO_ROOT,
      env: { ...process.env, PAYSIDECAR_AGENT_ADMIN: '127.0.0.1:0', NODE_OPTIONS: '' },
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.equal(out.toString().trim(), 'done');
    assert.ok(Date.now() - t0 < 10_000);
  });

  test('loaded by both --require and --import, the agent starts once', async () => {
    const app = await started({ loader: 'require', script: join(REPO_ROOT, 'dist', 'test', 'fixtures', 'agent', 'app.js'), env: { NODE_OPTIONS: '--import paysidecar/agent' } });
    assert.equal(app.logs().filter((l) => l.msg === 'paysidecar agent started').length, 1);
  });

  test('the bundle is self-contained: copied alone into an empty directory it starts, serves /metrics and propagates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paysidecar-agent-alone-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const bundle = join(dir, 'paysidecar-agent.js');
    copyFileSync(join(REPO_ROOT, 'dist', 'agent', 'paysidecar-agent.js'), bundle);
    // Builtins only: a downstream, an app that calls it while handling a request, one request in.
    writeFileSync(
      join(dir, 'app.js'),
      `const http = require('node:http');
      const listen = (s) => new Promise((r) => s.listen(0, '127.0.0.1', () => r(s.address().port)));
      let seen;
      const down = http.createServer((req, res) => { seen = req.headers; res.end('ok'); });
      const app = http.createServer((req, res) => {
        http.get('http://127.0.0.1:' + downPort + '/', (r) => { r.resume(); r.on('end', () => res.end('done')); });
      });
      let downPort;
      (async () => {
        downPort = await listen(down);
        const appPort = await listen(app);
        await fetch('http://127.0.0.1:' + appPort + '/', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
        const agent = globalThis[Symbol.for('paysidecar.agent')];
        const addr = await agent.listening;
        const metrics = await (await fetch('http://127.0.0.1:' + addr.port + '/metrics')).text();
        process.stdout.write(JSON.stringify({ seen, modules: Object.keys(require.cache), runtime: metrics.includes('nodejs_eventloop_delay_p99') }));
        process.exit(0);
      })();`,
    );
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, PAYSIDECAR_AGENT_ADMIN: '127.0.0.1:0', PAYSIDECAR_LOG_LEVEL: 'warn' };
    const out = JSON.parse(execFileSync(process.execPath, ['--require', bundle, join(dir, 'app.js')], { cwd: dir, env, timeout: 15_000 }).toString()) as {
      seen: Record<string, string>;
      modules: string[];
      runtime: boolean;
    };
    assert.deepEqual(out.modules.sort(), [join(dir, 'app.js'), bundle].sort(), 'nothing but the bundle and the app was loaded from disk');
    assert.equal(out.runtime, true, 'runtime metrics served');
    const [, traceId, parent] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(out.seen.traceparent) ?? [];
    assert.equal(traceId, '0af7651916cd43dd8448eb211c80319c', `downstream traceparent: ${out.seen.traceparent}`);
    assert.notEqual(parent, 'b7ad6b7169203331', "the app's own span id, not the caller's");
    assert.equal(out.seen['x-trace-id'], 'tr-0af7651916cd43dd8448eb211c80319c');
  });
});
