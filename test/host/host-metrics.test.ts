import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHostMetrics, type HostMetrics } from '../../src/telemetry/host';
import { startMetricsEndpoint, samples, one, type MetricsEndpoint } from './metrics-endpoint';
import { captureLogger } from './capture-logger';

// Real values from this machine: a local server with N open keep-alive connections, a watched
// process with a unique name, and a CPU burner watched by pid.
const CONNECTIONS = 6;
const WATCHED_NAME = 'paysc-watched';

let server: http.Server;
const sockets: net.Socket[] = [];
let tmp: string;
let watched: ChildProcess;
let burner: ChildProcess;
let metrics: MetricsEndpoint;
let pidMetrics: MetricsEndpoint;
let byName: HostMetrics;
let byPid: HostMetrics;
let text: string;
let pidText: string;
const log = captureLogger();

before(async () => {
  server = http.createServer((_, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  for (let i = 0; i < CONNECTIONS; i++) {
    const s = net.connect(port, '127.0.0.1');
    await once(s, 'connect');
    sockets.push(s);
  }

  tmp = mkdtempSync(join(tmpdir(), 'paysidecar-host-'));
  copyFileSync('/bin/sleep', join(tmp, WATCHED_NAME));
  watched = spawn(join(tmp, WATCHED_NAME), ['30'], { stdio: 'ignore' });
  // Bounded: one core for at most 4 s.
  burner = spawn(process.execPath, ['-e', 'const end = Date.now() + 4000; while (Date.now() < end) {}'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 200));

  // One sampler at a time: systeminformation keeps one process-CPU baseline per process, as the
  // sidecar (one sampler) does.
  metrics = await startMetricsEndpoint();
  byName = startHostMetrics(metrics.meter, { intervalMs: 60_000, watchProcess: WATCHED_NAME }, log);
  await byName.collectNow();
  ({ text } = await metrics.scrape());
  pidMetrics = await startMetricsEndpoint();
  byPid = startHostMetrics(pidMetrics.meter, { intervalMs: 60_000, watchProcess: String(burner.pid), advice: false }, log);
  await byPid.collectNow();
  ({ text: pidText } = await pidMetrics.scrape());
});

after(async () => {
  byName?.stop();
  byPid?.stop();
  for (const s of sockets) s.destroy();
  watched?.kill();
  burner?.kill();
  server?.closeAllConnections();
  server?.close();
  await metrics?.close();
  await pidMetrics?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('the test\'s own open connections show up as ESTABLISHED (both ends are in this network namespace)', () => {
  const established = samples(text, 'system_network_connections', { network_connection_state: 'ESTABLISHED' });
  assert.ok(established.length >= 1);
  assert.ok(established[0].value >= 2 * CONNECTIONS, `ESTABLISHED ${established[0].value} < ${2 * CONNECTIONS}`);
  assert.ok(one(text, 'system_network_connections', { network_connection_state: 'LISTEN' }) >= 1);
  // Every standard state is reported, zero or not, so alerts can compare against 0.
  for (const state of ['TIME_WAIT', 'CLOSE_WAIT', 'SYN_RECV']) {
    assert.ok(samples(text, 'system_network_connections', { network_connection_state: state }).length >= 1, state);
  }
});

test('host CPU, load and memory are plausible', () => {
  const cpu = one(text, 'system_cpu_utilization');
  assert.ok(cpu >= 0 && cpu <= 1, `cpu ${cpu}`);
  assert.ok(one(text, 'system_cpu_load_average_1m') >= 0);
  const total = one(text, 'system_memory_limit');
  const used = one(text, 'system_memory_usage', { system_memory_state: 'used' });
  const free = one(text, 'system_memory_usage', { system_memory_state: 'free' });
  assert.ok(total > 64 * 1024 * 1024, `total ${total}`);
  assert.ok(used > 0 && used < total, `used ${used}`);
  assert.ok(free > 0 && free < total, `free ${free}`);
});

test('network bytes are counters per interface and direction, loopback included', () => {
  const rx = samples(text, 'system_network_io_total', { network_interface_name: 'lo', network_io_direction: 'receive' });
  const tx = samples(text, 'system_network_io_total', { network_interface_name: 'lo', network_io_direction: 'transmit' });
  assert.equal(rx.length, 1);
  assert.equal(tx.length, 1);
  assert.ok(rx[0].value > 0, 'this test sent bytes over loopback');
});

test('the watched process is found by name, with its pid, RSS and CPU', () => {
  const rss = samples(text, 'process_memory_usage', { process_executable_name: WATCHED_NAME });
  assert.equal(rss.length, 1);
  assert.equal(rss[0].labels.process_pid, String(watched.pid));
  assert.ok(rss[0].value > 100 * 1024 && rss[0].value < 64 * 1024 * 1024, `rss ${rss[0].value}`);
  const cpu = one(text, 'process_cpu_utilization', { process_pid: String(watched.pid) });
  assert.ok(cpu >= 0 && cpu < 0.05, `a sleeping process uses ~no CPU, got ${cpu}`);
});

test('a busy process watched by pid shows CPU utilisation (share of all CPUs)', () => {
  const cpu = one(pidText, 'process_cpu_utilization', { process_pid: String(burner.pid) });
  assert.ok(cpu > 0.05 && cpu <= 1, `burner cpu ${cpu}`);
});

test('every collector reports up=1 and how long it took', () => {
  for (const c of ['cpu', 'memory', 'network', 'connections', 'process', 'kernel']) {
    for (const t of [text, pidText]) {
      assert.equal(one(t, 'paysidecar_host_collector_up', { collector: c }), 1, `${c} up`);
      const took = one(t, 'paysidecar_host_collector_duration', { collector: c });
      assert.ok(took > 0 && took < 10, `${c} took ${took}s`);
    }
  }
  assert.equal(log.logged.filter((l) => l.msg.includes('collector failed')).length, 0);
});
