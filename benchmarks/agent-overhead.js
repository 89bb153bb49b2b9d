#!/usr/bin/env node
// What the agent costs, in one run: its start-up time, and the gateway's throughput without the
// agent, with runtime sampling only (PAYSIDECAR_AGENT_PROPAGATION=off), with the whole agent
// (sampling + propagation), and with the whole agent while a CPU profile is being taken.
//   node benchmarks/agent-overhead.js [--duration 8] [--warmup 2] [--connections 16] [--rounds 2] [--startup-runs 11] [--json]
// Goal (issue 4): <= 3% throughput drop with sampling on, <= 10% while profiling.
// Besides requests per second it reports the gateway's own CPU time per request (from
// /proc/<pid>/stat): on a shared machine throughput follows the neighbours, CPU per request much less.
// Needs `npm run build` first. Everything runs on loopback; the platform is the mock one.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { sleep, freePort, accepts } = require('./lib/processes');

const root = join(__dirname, '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const agent = join(root, 'dist', 'agent', 'paysidecar-agent.js');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const duration = Number(opt('duration', '8'));
const connections = Number(opt('connections', '16'));
const rounds = Number(opt('rounds', '2'));
const warmup = Number(opt('warmup', '2'));
const startupRuns = Number(opt('startup-runs', '11'));
const asJson = args.includes('--json');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PAYSIDECAR_') && !k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

/** Starts a paysidecar command on a free port (quiet logs), resolves once the port accepts. */
async function startCommand(cmd, cmdArgs, { nodeArgs = [], env = {} } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, cli, cmd, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', ...cmdArgs], {
    cwd: root,
    env: cleanEnv(env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c) => (err += c.toString()));
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`${cmd} exited ${child.exitCode}:\n${err}`);
    if (await accepts(port)) return { child, url: `http://127.0.0.1:${port}`, err: () => err };
    await sleep(25);
  }
  child.kill();
  throw new Error(`${cmd} did not listen on ${port}:\n${err}`);
}

async function stop(proc) {
  if (!proc || proc.child.exitCode !== null) return;
  const exited = new Promise((r) => proc.child.once('exit', r));
  proc.child.kill('SIGTERM');
  await exited;
}

function load(url, extra = {}) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, ...extra }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * Start-up as the app sees it: how long after the process started the app's first line runs
 * (performance.now() is measured from the process's time origin), with and without the agent,
 * and the agent's own figure from its log (from its first line to the end of its start-up; the
 * time node takes to read and compile the agent file comes before that and is only in the first).
 */
function startupFigures(runs = 11) {
  const firstLine = (nodeArgs) => {
    const r = spawnSync(process.execPath, [...nodeArgs, '-e', 'process.stdout.write(performance.now().toFixed(1))'], {
      cwd: root,
      env: cleanEnv({ PAYSIDECAR_AGENT_ADMIN: '127.0.0.1:0' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = r.stderr.toString().split('\n').find((l) => l.includes('paysidecar agent started'));
    return { ms: Number(r.stdout.toString()), agentMs: line ? JSON.parse(line).startup_ms : undefined };
  };
  const bare = [];
  const withAgent = [];
  const agentOwn = [];
  for (let i = 0; i < runs; i++) {
    bare.push(firstLine([]).ms);
    const w = firstLine(['--require', agent]);
    withAgent.push(w.ms);
    agentOwn.push(w.agentMs);
  }
  return { bareMs: median(bare), withAgentMs: median(withAgent), agentStartupMs: median(agentOwn), runs };
}

const ENDPOINTS = [
  { name: 'GET /api/accounts/:id (local)', path: '/api/accounts/bench-payer', opts: {} },
  {
    name: 'POST /api/orders (platform call)',
    path: '/api/orders',
    opts: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount: 1, description: 'bench', type: 'native' }) },
  },
];

/** utime + stime of a process, in ms (Linux). */
function cpuMs(pid) {
  const fields = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

const MODES = ['baseline', 'sampling', 'agent', 'profiling'];

async function measureGateway(platformUrl, keys, mode) {
  const withAgent = mode !== 'baseline';
  const agentPort = await freePort();
  const gw = await startCommand('gateway', ['--platform', platformUrl, '--keys-dir', keys, '--rate-limit', '0'], {
    nodeArgs: withAgent ? ['--require', agent] : [],
    env: { PAYSIDECAR_AGENT_ADMIN: `127.0.0.1:${agentPort}`, PAYSIDECAR_AGENT_PROPAGATION: mode === 'sampling' ? 'off' : 'on' },
  });
  try {
    const agentUrl = `http://127.0.0.1:${agentPort}`;
    if (withAgent && !(await accepts(agentPort))) throw new Error(`the agent is not listening on ${agentPort}:\n${gw.err()}`);
    const out = {};
    for (const ep of ENDPOINTS) {
      await load(gw.url + ep.path, { ...ep.opts, duration: warmup }); // warm-up: JIT, keep-alive pools
      let profile;
      if (mode === 'profiling') {
        profile = fetch(`${agentUrl}/debug/pprof/profile?seconds=${duration + 2}`).then(async (r) => {
          const body = Buffer.from(await r.arrayBuffer());
          if (r.status !== 200) throw new Error(`profile: HTTP ${r.status} ${body}`);
          return body.length;
        });
        await sleep(300); // Profiler.start is inside the window, as a user would see it
      }
      const cpu0 = cpuMs(gw.child.pid);
      const r = await load(gw.url + ep.path, ep.opts);
      const cpuPerReqUs = ((cpuMs(gw.child.pid) - cpu0) * 1000) / Math.max(1, r.requests.total);
      if (profile) await profile;
      out[ep.name] = { rps: r.requests.average, p99: r.latency.p99, cpuUs: cpuPerReqUs, errors: r.errors + r.non2xx };
    }
    return out;
  } finally {
    await stop(gw);
  }
}

async function main() {
  const keys = mkdtempSync(join(tmpdir(), 'paysidecar-bench-keys-'));
  const platform = await startCommand('platform', ['--keys-dir', keys]);
  const results = Object.fromEntries(MODES.map((m) => [m, []]));
  let startup;
  try {
    startup = startupFigures(startupRuns);
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so drift on a shared machine does not favour one mode.
      const order = round % 2 ? [...MODES].reverse() : MODES;
      for (const mode of order) results[mode].push(await measureGateway(platform.url, keys, mode));
    }
  } finally {
    await stop(platform);
    rmSync(keys, { recursive: true, force: true });
  }

  const rows = ENDPOINTS.map((ep) => {
    const stat = (mode, key) => median(results[mode].map((r) => r[ep.name][key]));
    const base = stat('baseline', 'rps');
    const row = { endpoint: ep.name };
    for (const mode of MODES) {
      row[mode] = {
        rps: stat(mode, 'rps'),
        drop: 1 - stat(mode, 'rps') / base,
        p99: stat(mode, 'p99'),
        cpuUsPerRequest: stat(mode, 'cpuUs'),
        errors: results[mode].reduce((a, r) => a + r[ep.name].errors, 0),
      };
    }
    return row;
  });
  const report = { duration, connections, rounds, startup, rows };
  if (asJson) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  console.log(
    `agent start-up (median of ${startup.runs}): the app's first line runs ${startup.bareMs.toFixed(0)} ms after the process starts, ${startup.withAgentMs.toFixed(0)} ms with the agent (+${(startup.withAgentMs - startup.bareMs).toFixed(0)} ms); the agent's own start-up (its log) ${startup.agentStartupMs} ms`,
  );
  console.log(`gateway, ${connections} connections, ${duration} s per run, median of ${rounds} round(s); drop and CPU are against the baseline:`);
  for (const r of rows) {
    console.log(`\n${r.endpoint}`);
    console.log('  mode        rps      drop    p99     gateway CPU/request');
    for (const mode of MODES) {
      const m = r[mode];
      const cpuDelta = mode === 'baseline' ? '' : ` (${m.cpuUsPerRequest >= r.baseline.cpuUsPerRequest ? '+' : ''}${pct(m.cpuUsPerRequest / r.baseline.cpuUsPerRequest - 1)})`;
      console.log(
        `  ${mode.padEnd(10)} ${m.rps.toFixed(0).padStart(7)}  ${mode === 'baseline' ? '       ' : pct(m.drop).padStart(7)}  ${String(m.p99).padStart(4)}ms  ${m.cpuUsPerRequest.toFixed(0).padStart(6)} µs${cpuDelta}${m.errors ? `  [${m.errors} errors]` : ''}`,
      );
    }
  }
  console.log('\nmodes: baseline = no agent; sampling = agent with PAYSIDECAR_AGENT_PROPAGATION=off; agent = defaults; profiling = agent while /debug/pprof/profile runs');
  console.log('goal: drop <= 3% with sampling on, <= 10% while a CPU profile is taken');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
