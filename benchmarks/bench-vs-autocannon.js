#!/usr/bin/env node
// Closed-loop throughput of `paysidecar bench` against autocannon: same target, same connections,
// same duration, in alternating rounds; prints every round, the best rps of each and the ratio
// (bench / autocannon). Best-of-N because other load on the machine only ever slows a round down.
//   node benchmarks/bench-vs-autocannon.js [--connections 50] [--duration 5] [--rounds 3] [--check]
// --check exits 1 when bench is below autocannon. Needs `npm run build` first.
// The target runs in its own process so neither client shares an event loop with it.
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const connections = Number(opt('connections', '50'));
const duration = Number(opt('duration', '5'));
const rounds = Number(opt('rounds', '3'));
const check = args.includes('--check');

const TARGET = `
const http = require('node:http');
const body = Buffer.from('{"ok":true}');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

const node = (argv) => [process.execPath, argv];

function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')} exited ${code}: ${err}`))));
  });
}

async function main() {
  const target = spawn(...node(['-e', TARGET]), { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    target.stdout.once('data', (c) => resolve(Number(String(c).trim())));
    target.once('error', reject);
  });
  const url = `http://127.0.0.1:${port}/`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-vs-autocannon-'));
  try {
    // A short warm-up so neither client pays for the target's JIT.
    await run(...node([join(root, 'node_modules/autocannon/autocannon.js'), '-c', String(connections), '-d', '1', url]));

    const acRuns = [];
    const benchRuns = [];
    for (let round = 1; round <= rounds; round++) {
      const ac = JSON.parse(await run(...node([join(root, 'node_modules/autocannon/autocannon.js'), '-c', String(connections), '-d', String(duration), '-j', url])));
      acRuns.push({ rps: ac.requests.total / ac.duration, requests: ac.requests.total, p99: ac.latency.p99 });
      const json = join(dir, `bench-${round}.json`);
      await run(...node([join(root, 'dist/src/cli/main.js'), 'bench', '--target', url, '--connections', String(connections), '--duration', `${duration}s`, '--json', json, '--quiet']));
      const b = JSON.parse(readFileSync(json, 'utf8'));
      benchRuns.push({ rps: b.rps, requests: b.requests, p99: b.latencyMs.p99 });
      console.log(`round ${round}     autocannon ${acRuns[round - 1].rps.toFixed(0)} rps   bench ${b.rps.toFixed(0)} rps`);
    }
    const best = (runs) => runs.reduce((a, b) => (b.rps > a.rps ? b : a));
    const acBest = best(acRuns);
    const benchBest = best(benchRuns);
    const ratio = benchBest.rps / acBest.rps;
    console.log(`target      ${url} (closed loop, ${connections} connections, ${duration} s per run, best of ${rounds})`);
    console.log(`autocannon  ${acBest.rps.toFixed(0)} rps  (${acBest.requests} requests, p99 ${acBest.p99} ms)`);
    console.log(`bench       ${benchBest.rps.toFixed(0)} rps  (${benchBest.requests} requests, p99 ${benchBest.p99} ms)`);
    console.log(`ratio       ${ratio.toFixed(3)} (bench / autocannon)`);
    if (check && ratio < 1) {
      console.error('bench-vs-autocannon: bench was slower than autocannon');
      process.exitCode = 1;
    }
  } finally {
    target.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench-vs-autocannon: ${err.message}`);
  process.exit(1);
});
