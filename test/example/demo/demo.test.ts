/**
 * `paysidecar demo`: the whole stack starts, prod and stress traffic run, the report, trace ids
 * and next steps print, the HTML report is written, and with --exit everything stops (exit 0,
 * ports free again). A busy port is one clear error naming the flag.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPorts } from '../../../examples/payments/demo/ports';
import { spawn } from 'node:child_process';
import { CLI, runCli } from '../../bench/helpers';

const dirs: string[] = [];
const servers: net.Server[] = [];
after(async () => {
  for (const s of servers) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Five ports free right now (the demo's defaults may be taken by other work on this machine). */
async function freePorts(n: number): Promise<number[]> {
  const held = await Promise.all(
    Array.from({ length: n }, async () => {
      const s = net.createServer().listen(0, '127.0.0.1');
      await once(s, 'listening');
      return s;
    }),
  );
  const ports = held.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function portFlags(ports: number[]): string[] {
  const [sidecar, admin, gateway, platform, agent] = ports.map((p) => `127.0.0.1:${p}`);
  return ['--listen', sidecar, '--admin', admin, '--gateway-listen', gateway, '--platform-listen', platform, '--agent-admin', agent];
}

test('demo --duration 6s --exit: report, diagnosis, trace ids, next steps, HTML; exits 0 and frees its ports', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-demo-'));
  dirs.push(dir);
  const ports = await freePorts(5);
  const r = await runCli(['demo', '--duration', '6s', '--exit', '--out', join(dir, 'out'), '--keys-dir', join(dir, 'keys'), ...portFlags(ports)], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `exit code ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const out = r.stdout;
  assert.match(out, /ready {2}mock platform/);
  assert.match(out, /ready {2}gateway .*agent: http:\/\/127\.0\.0\.1:\d+\/metrics/, 'the gateway runs with the agent');
  assert.match(out, /ready {2}sidecar/);
  // The report.
  assert.match(out, /requests\s+throughput\s+errors\s+error rate/);
  assert.match(out, /latency \(ms\)\s+p50\s+p90\s+p95\s+p99\s+p99\.9\s+max\s+mean/);
  assert.match(out, /POST \/api\/orders\s+\d+/);
  assert.match(out, /verdict\s+(NORMAL|WARNING|DANGER)/);
  const prod = /prod\s+(\d+) requests/.exec(out);
  const stress = /stress\s+(\d+) requests/.exec(out);
  assert.ok(prod && Number(prod[1]) > 0, 'prod traffic ran');
  assert.ok(stress && Number(stress[1]) > 0, 'stress traffic ran');
  // The diagnosis from watching the sidecar and the gateway: the gateway's hottest function from its own profile.
  assert.match(out, /^diagnosis$/m);
  assert.match(out, /payment-gateway:\d+: hottest function \S+.*: \d+% of its CPU/);
  assert.match(out, new RegExp(`127\\.0\\.0\\.1:${ports[1]}  scrapes [1-9]`), 'the sidecar was watched');
  assert.match(out, /cpu +\S+report\.payment-gateway-\d+\.cpu\.pb\.gz/);
  // Trace ids, with the legacy X-Trace-ID forms of both traffic kinds.
  assert.match(out, /prod +[0-9a-f]{32} +X-Trace-ID tr-[0-9a-f]{32}/);
  assert.match(out, /stress +[0-9a-f]{32} +X-Trace-ID t-[0-9a-f]{32}/);
  // Where to look next, starting with a slow request named by Prometheus' exemplars, not by the client.
  assert.match(out, /ready {2}prometheus +http:\/\/127\.0\.0\.1:\d+ \(scrapes the sidecar every second, exemplar storage on\)/);
  const slow = /slow request +trace ([0-9a-f]{32}) +([\d.]+) ms +(\S+) +(\d{3})\n +from Prometheus' exemplars: curl -sG (http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/query_exemplars/.exec(out);
  assert.ok(slow, `a slow request from Prometheus' exemplars in:\n${out}`);
  const slowLine = readFileSync(join(dir, 'out', 'logs', 'access.log'), 'utf8').split('\n').find((l) => l.includes(`"trace_id":"${slow[1]}"`));
  assert.ok(slowLine, `trace ${slow[1]} in the access log`);
  const logged = JSON.parse(slowLine) as { route: string; status: number; duration_ms: number; traffic: string };
  assert.deepEqual([logged.route, String(logged.status), logged.traffic], [slow[3], slow[4], 'prod']);
  assert.ok(Math.abs(logged.duration_ms - Number(slow[2])) < 0.2, `${logged.duration_ms} ms logged, ${slow[2]} ms in the exemplar`);
  assert.match(out, new RegExp(`curl -s http://127\\.0\\.0\\.1:${ports[1]}/metrics`));
  assert.match(out, new RegExp(`http://127\\.0\\.0\\.1:${ports[4]}/debug/pprof/profile\\?seconds=10`));
  assert.match(out, /dashboards\/export\/paysidecar-golden\.json/);
  assert.match(out, /stopping the servers/);

  const html = join(dir, 'out', 'report.html');
  assert.ok(existsSync(html), 'HTML report written');
  assert.match(readFileSync(html, 'utf8'), /<svg[^>]*>.*<path d="M/s);
  assert.match(readFileSync(html, 'utf8'), /Event-loop utilisation.*CPU profile: payment-gateway/s, 'client and server side by side, with the flame graph');
  const merged = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as { traffic: string; runs: unknown[] };
  assert.equal(merged.traffic, 'mixed');
  assert.equal(merged.runs.length, 2);
  // The sidecar told stress from prod: its access log carries both.
  const access = readFileSync(join(dir, 'out', 'logs', 'access.log'), 'utf8');
  assert.match(access, /"traffic":"stress","scenario":"stress-demo"/);
  assert.match(access, /"traffic":"prod"/);
  // Nothing left running: every port can be bound again.
  assert.deepEqual(await checkPorts(ports.map((port, i) => ({ flag: `#${i}`, owner: 'test', address: { host: '127.0.0.1', port } }))), []);
});

/** Starts a demo that serves after its report, waits until it says so, ends it with `signal`; its ports must come free. */
async function demoEndsWith(signal: NodeJS.Signals): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-demo-'));
  dirs.push(dir);
  const ports = await freePorts(5);
  const child = spawn(process.execPath, [CLI, 'demo', '--duration', '2s', '--out', join(dir, 'out'), '--keys-dir', join(dir, 'keys'), ...portFlags(ports)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.resume();
  const deadline = Date.now() + 90_000;
  while (!/keep running/.test(out)) {
    assert.ok(Date.now() < deadline && child.exitCode === null, `the demo did not reach serving: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // The demo's Prometheus (a binary, not a node server) must follow too.
  const promPort = /ready {2}prometheus +http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
  assert.ok(promPort, out);
  child.kill(signal);
  await once(child, 'exit');
  const claims = [...ports, Number(promPort[1])].map((port, i) => ({ flag: `#${i}`, owner: 'test', address: { host: '127.0.0.1', port } }));
  const freeBy = Date.now() + 20_000;
  let busy = await checkPorts(claims);
  while (busy.length && Date.now() < freeBy) {
    await new Promise((r) => setTimeout(r, 200));
    busy = await checkPorts(claims);
  }
  assert.deepEqual(busy, [], `after ${signal} to the demo, its servers must go too`);
}

test('closing the demo\'s terminal (SIGHUP) stops the platform, gateway and sidecar', { timeout: 120_000 }, () => demoEndsWith('SIGHUP'));

test('killing the demo outright (SIGKILL) still stops its servers: they follow their stdin closing', { timeout: 120_000 }, () => demoEndsWith('SIGKILL'));

test('a busy port is one clear error naming the flag; nothing is started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-demo-busy-'));
  dirs.push(dir);
  const ports = await freePorts(5);
  const squatter = net.createServer().listen(ports[2], '127.0.0.1');
  servers.push(squatter);
  await once(squatter, 'listening');
  const r = await runCli(['demo', '--duration', '2s', '--exit', '--out', join(dir, 'out'), '--keys-dir', join(dir, 'keys'), ...portFlags(ports)], { timeoutMs: 30_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`--gateway-listen: 127\\.0\\.0\\.1:${ports[2]} is already in use .*choose another with --gateway-listen host:port`));
  assert.equal(r.stdout, '', 'nothing started');
  assert.ok(!existsSync(join(dir, 'out')), 'no logs: no server was started');
});

test('bad demo flags are named with the value and what was expected', async () => {
  const r = await runCli(['demo', '--duration', 'soon', '--rate', '-3', '--listen', 'nowhere']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--duration: "soon" is invalid, expected a duration like 500ms, 30s, 2m or plain seconds/);
  assert.match(r.stderr, /--rate: "-3" is invalid, expected a positive number/);
  assert.match(r.stderr, /--listen: "nowhere" is invalid, expected host:port/);
});

test('the demo prints the status page, which shows its prod and stress traffic and the gateway\'s runtime', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-demo-'));
  dirs.push(dir);
  const ports = await freePorts(5);
  const child = spawn(process.execPath, [CLI, 'demo', '--duration', '3s', '--out', join(dir, 'out'), '--keys-dir', join(dir, 'keys'), ...portFlags(ports)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.resume();
  try {
    const deadline = Date.now() + 90_000;
    while (!/keep running/.test(out)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `the demo did not reach serving: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = `http://127.0.0.1:${ports[1]}/`;
    assert.match(out, new RegExp(`ready {2}status page +${page.replace(/\./g, '\\.')} `), 'printed when the sidecar is ready');
    assert.match(out, new RegExp(`status page +${page.replace(/\./g, '\\.')} `), 'and again under "Where to look next"');
    interface Data { agent: boolean; frames: Array<{ traffic: Record<string, { count: number }>; agent?: { up: boolean; heapUsed: number; cpuCores: number | null } }> }
    const read = async () => (await (await fetch(`${page}status/data.json`)).json()) as Data;
    // The first read marks the page watched; the agent is read from then on.
    const first = await read();
    assert.equal(first.agent, true, 'the demo passes --agent-metrics');
    const last = first.frames.at(-1)!;
    assert.ok(last.traffic.prod.count > 0 && last.traffic.stress.count > 0, `prod and stress both counted: ${JSON.stringify(last.traffic)}`);
    let agent: Data['frames'][number]['agent'];
    for (let i = 0; i < 50 && !(agent?.up && agent.cpuCores !== null); i++) {
      await new Promise((r) => setTimeout(r, 200));
      agent = (await read()).frames.at(-1)?.agent;
    }
    assert.ok(agent?.up && agent.heapUsed > 0 && agent.cpuCores !== null, `the gateway's runtime through the agent: ${JSON.stringify(agent)}`);
  } finally {
    child.kill('SIGINT');
    await once(child, 'exit');
  }
});
