/**
 * The end-to-end case: client → paysidecar → the included gateway with the agent loaded →
 * the mock WeChat Pay platform. A recorder between gateway and platform shows what the platform
 * receives: the sidecar's trace id, and the stress headers only for stress orders, with no code
 * in the gateway doing it for the agent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startTestSidecar, request, type TestSidecar } from '../helpers/sidecar';
import { REPO_ROOT, parseLogs } from './app-process';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const SCENARIO = 'stress-v2';

interface Proc {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** Starts a paysidecar command and waits for its "... listening" log line with the bound URL. */
async function startCommand(args: string[], readyMsg: string, nodeArgs: string[] = []): Promise<Proc> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PAYSIDECAR_') && !k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
  env.PAYSIDECAR_AGENT_ADMIN = '127.0.0.1:0';
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const line = parseLogs(out).find((l) => l.msg === readyMsg);
    if (line) return { child, url: String(line.url), output: () => out };
    if (child.exitCode !== null) throw new Error(`${args[0]} exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`${args[0]} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const keys = mkdtempSync(join(tmpdir(), 'paysidecar-keys-'));
let platform: Proc;
let gateway: Proc;
let recorder: Server;
let sidecar: TestSidecar;
const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];

before(async () => {
  platform = await startCommand(['platform', '--listen', '127.0.0.1:0', '--keys-dir', keys], 'mock platform listening');
  const target = new URL(platform.url);
  recorder = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  recorder.listen(0, '127.0.0.1');
  await once(recorder, 'listening');
  const recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  gateway = await startCommand(
    ['gateway', '--listen', '127.0.0.1:0', '--platform', recorderUrl, '--keys-dir', keys, '--rate-limit', '0'],
    'gateway listening',
    ['--require', 'paysidecar/agent'],
  );
  sidecar = await startTestSidecar({ upstream: gateway.url, trustCidr: '127.0.0.0/8' });
});

after(async () => {
  await sidecar?.shutdown();
  for (const p of [gateway, platform]) {
    if (p && p.child.exitCode === null) {
      const exited = once(p.child, 'exit');
      p.child.kill('SIGTERM');
      await exited;
    }
  }
  recorder?.closeAllConnections();
  recorder?.close();
  rmSync(keys, { recursive: true, force: true });
});

async function order(stress: boolean): Promise<{ traceId: string; platform: IncomingHttpHeaders }> {
  const before = seen.length;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (stress) headers['x-test-env'] = SCENARIO;
  const res = await request(`${sidecar.base}/api/orders`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ amount: 100, description: stress ? 'stress order' : 'prod order', type: 'native' }),
  });
  assert.equal(res.status, 201, res.body);
  const legacy = String(res.headers['x-trace-id']);
  const call = seen.slice(before).find((s) => s.path.startsWith('/v3/pay/transactions/native'));
  assert.ok(call, `the gateway called the platform: ${JSON.stringify(seen.slice(before).map((s) => s.path))}`);
  return { traceId: legacy.slice(legacy.indexOf('-') + 1), platform: call.headers };
}

describe('gateway with the agent → mock platform', () => {
  test('the gateway runs with the agent loaded', () => {
    assert.ok(parseLogs(gateway.output()).some((l) => l.msg === 'paysidecar agent started' && l.propagation === true), gateway.output());
  });

  test('a prod order: the platform sees the sidecar trace id and no stress markers', async () => {
    const { traceId, platform: h } = await order(false);
    assert.match(String(h.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
    assert.equal(h['x-trace-id'], `tr-${traceId}`);
    assert.equal(h['x-test-env'], undefined);
    assert.doesNotMatch(String(h.baggage ?? ''), /stress=/);
  });

  test('a stress order: the platform sees the trace id, t- X-Trace-ID, X-Test-Env and stress baggage', async () => {
    const { traceId, platform: h } = await order(true);
    assert.match(String(h.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
    assert.equal(h['x-trace-id'], `t-${traceId}`);
    assert.equal(h['x-test-env'], SCENARIO);
    assert.match(String(h.baggage), new RegExp(`(^|,)stress=${SCENARIO}(,|$)`));
  });
});
