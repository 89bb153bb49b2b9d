#!/usr/bin/env node
/**
 * What `paysidecar run` holds in memory, and what it loaded to get there: RSS, heap and V8's code,
 * old and new spaces at idle and at a steady request rate, and every file in require.cache by
 * package. Each build (this one, and any --compare build) runs in its own fresh process on the
 * image's memory settings, rounds alternating (A B A B), against a trivial upstream.
 *
 *   node benchmarks/memory.js [--rounds 3] [--rate 1000] [--duration 10s] [--forwarder undici]
 *       [--compare <other build's dist/src/cli/main.js>[,...]] [--node-options "<flags>"[;...]]
 *       [--modules] [--saturate] [--cli <this build's main.js, default dist/src/cli/main.js>]
 * --node-options replaces the image's NODE_OPTIONS for extra variants of this build (`;` between
 * variants). --saturate adds wrk -t1 -c64 -d5s after the steady rate. --modules prints the loaded packages of this build (the first round's idle report).
 */
'use strict';
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve, sep } = require('node:path');
const { freePort, startProcess, stopProcess, sleep } = require('./lib/processes');
const { rssBytes, cpuSeconds } = require('./lib/proc-stat');
const { imageRuntimeEnv } = require('./lib/image-env');
const { createArgs } = require('./lib/args');

const ROOT = resolve(__dirname, '..');
const NODE = process.execPath;
const PRELOAD = join(__dirname, 'lib', 'loaded-report.js');
const a = createArgs(process.argv.slice(2));
const rounds = Number(a.string('rounds', '3'));
const rate = Number(a.string('rate', '1000'));
const durationMs = a.duration('duration', '10s');
const forwarder = a.string('forwarder', 'undici');
const image = imageRuntimeEnv(ROOT);
const saturate = a.flag('saturate');

// --cli: measure a copy of a build instead of dist/ (so dist/ can be rebuilt while this runs).
const self = resolve(a.string('cli', join(ROOT, 'dist', 'src', 'cli', 'main.js')));
const variants = [{ name: a.string('cli') ?? 'this build', cli: self, env: image }];
for (const cli of (a.string('compare') ?? '').split(',').filter(Boolean)) {
  if (!existsSync(cli)) a.problems.push(`--compare: "${cli}" does not exist`);
  variants.push({ name: cli, cli: resolve(cli), env: image });
}
for (const opts of (a.string('node-options') ?? '').split(';').filter(Boolean)) {
  variants.push({ name: `NODE_OPTIONS=${opts}`, cli: variants[0].cli, env: { ...image, NODE_OPTIONS: opts } });
}
if (a.problems.length) {
  for (const p of a.problems) process.stderr.write(`memory: ${p}\n`);
  process.exit(2);
}

const MB = (b) => (b / 1048576).toFixed(1);
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/** Asks the preloaded reporter for its report and waits for the file. */
async function report(proc, file) {
  rmSync(file, { force: true });
  process.kill(proc.pid, 'SIGUSR2');
  for (let i = 0; i < 200 && !existsSync(file); i++) await sleep(25);
  await sleep(50);
  return JSON.parse(readFileSync(file, 'utf8'));
}

function run(cmd, args) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.once('exit', (code) => (code === 0 ? res() : rej(new Error(`${args.join(' ')} exited ${code}: ${err}`))));
  });
}

async function measure(variant, upstreamPort, dir) {
  const [port, admin] = [await freePort(), await freePort()];
  const file = join(dir, 'report.json');
  const env = { ...variant.env, LOADED_REPORT_FILE: file, NODE_OPTIONS: `${variant.env.NODE_OPTIONS ?? ''} --require ${PRELOAD}`.trim() };
  const args = [variant.cli, 'run', '--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${admin}`, '--upstream', `http://127.0.0.1:${upstreamPort}`, '--forwarder', forwarder];
  const proc = await startProcess('sidecar', NODE, args, port, { cwd: ROOT, env, stdout: 'pipe' });
  try {
    await sleep(3000);
    const idle = { rss: rssBytes(proc.pid), ...(await report(proc, file)) };
    // Load: a warm-up second, then the measured window; RSS sampled every 250 ms, the largest kept.
    const bench = run(NODE, [self, 'bench', '--target', `http://127.0.0.1:${port}/`, '--rate', String(rate), '--duration', `${durationMs / 1000 + 1}s`]);
    await sleep(1000);
    const cpu0 = cpuSeconds(proc.pid);
    let peak = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < durationMs - 500) {
      peak = Math.max(peak, rssBytes(proc.pid));
      await sleep(250);
    }
    const loaded = await report(proc, file);
    const cpu = cpuSeconds(proc.pid) - cpu0;
    await bench;
    const load = { rss: peak, ...loaded, cpuPer1000: (cpu / ((Date.now() - t0) / 1000 * rate)) * 1000 };
    return { idle, load, saturated: saturate ? await saturated(proc, port) : undefined };
  } finally {
    await stopProcess(proc);
  }
}

/** wrk -t1 -c64 -d5s: requests per second, CPU seconds per 1000 requests, largest RSS. */
async function saturated(proc, port) {
  const cpu0 = cpuSeconds(proc.pid);
  let peak = 0;
  const out = [];
  const wrk = spawn('wrk', ['-t1', '-c64', '-d5s', `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'inherit'] });
  wrk.stdout.on('data', (c) => out.push(c));
  const done = new Promise((r) => wrk.once('exit', r));
  let finished = false;
  done.then(() => (finished = true));
  while (!finished) {
    peak = Math.max(peak, rssBytes(proc.pid) ?? 0);
    await sleep(250);
  }
  const text = Buffer.concat(out).toString();
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN);
  return { rss: peak, rps, cpuPer1000: ((cpuSeconds(proc.pid) - cpu0) / requests) * 1000 };
}

function packageOf(path) {
  const nm = path.lastIndexOf(`${sep}node_modules${sep}`);
  if (nm < 0) return path.startsWith(ROOT) ? `paysidecar ${path.slice(ROOT.length + 1).split(sep).slice(0, 3).join('/')}` : path;
  const rest = path.slice(nm + 14).split(sep);
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

function moduleTable(modules) {
  const by = new Map();
  for (const m of modules) {
    const p = packageOf(m.path);
    const e = by.get(p) ?? { files: 0, bytes: 0 };
    e.files++;
    e.bytes += m.bytes;
    by.set(p, e);
  }
  const rows = [...by].sort((x, y) => y[1].bytes - x[1].bytes);
  const total = modules.reduce((s, m) => s + m.bytes, 0);
  return [`loaded: ${modules.length} files, ${(total / 1024).toFixed(0)} KiB of source`, ...rows.map(([p, e]) => `  ${p.padEnd(48)} ${String(e.files).padStart(4)} files ${(e.bytes / 1024).toFixed(0).padStart(6)} KiB`)].join('\n');
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-memory-'));
  const upstreamPort = await freePort();
  const upstream = await startProcess('upstream', NODE, [join(__dirname, 'lib', 'upstream.js'), String(upstreamPort)], upstreamPort);
  const results = variants.map(() => []);
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [i, v] of variants.entries()) {
        const m = await measure(v, upstreamPort, dir);
        results[i].push(m);
        process.stderr.write(`round ${r + 1} ${v.name}: idle ${MB(m.idle.rss)} MB, ${rate} rps ${MB(m.load.rss)} MB\n`);
      }
    }
  } finally {
    await stopProcess(upstream);
    rmSync(dir, { recursive: true, force: true });
  }
  const env = Object.entries(image).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`memory: paysidecar run --forwarder ${forwarder}, ${env}, ${rounds} round(s) alternating, ${rate} rps for ${durationMs / 1000} s, Node ${process.versions.node}`);
  console.log('MB: each round, then | the median; code/old/new: V8 code, old and new space sizes (medians)');
  for (const [i, v] of variants.entries()) {
    const rs = results[i];
    const col = (f) => rs.map(f).map(MB).join(' ') + ` | ${MB(median(rs.map(f)))}`;
    const spaces = (k) => ['code_space', 'old_space', 'new_space'].map((s) => MB(median(rs.map((m) => m[k].spaces[s].size)))).join('/');
    console.log(`${v.name}\n  idle RSS ${col((m) => m.idle.rss)}; heapUsed ${MB(median(rs.map((m) => m.idle.memory.heapUsed)))}; code/old/new ${spaces('idle')}` +
      `\n  load RSS ${col((m) => m.load.rss)}; heapUsed ${MB(median(rs.map((m) => m.load.memory.heapUsed)))}; code/old/new ${spaces('load')}; CPU ${median(rs.map((m) => m.load.cpuPer1000)).toFixed(3)} s/1000 req` +
      (saturate ? `\n  wrk -c64 RSS ${col((m) => m.saturated.rss)}; rps ${rs.map((m) => m.saturated.rps.toFixed(0)).join(' ')} | ${median(rs.map((m) => m.saturated.rps)).toFixed(0)}; CPU ${median(rs.map((m) => m.saturated.cpuPer1000)).toFixed(3)} s/1000 req` : ''));
  }
  if (a.flag('modules')) for (const [i, v] of variants.entries()) console.log(`\n${v.name}\n${moduleTable(results[i][0].idle.modules)}`);
}

main().catch((err) => {
  process.stderr.write(`memory: ${err.stack}\n`);
  process.exit(1);
});
