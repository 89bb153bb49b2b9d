#!/usr/bin/env node
/**
 * `node benchmarks/reload-block.js`: how long one hot reload of a config at the size limits holds
 * the event loop, the way reloads ran before (read, parse, validate and build in one synchronous
 * turn) and the way they run now (load in a child process, tables built in slices), in one run on
 * the same files. A 1 ms interval probe on the event loop measures each turn it did not get: by the
 * thread's CPU time (what the reload itself cost the loop; the machine's other load does not count)
 * and by wall time (what a request would have waited, other processes included).
 *
 *   node benchmarks/reload-block.js [--reloads 10]
 * Needs `npm run build` first.
 */
'use strict';
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { setTimeout: sleep } = require('node:timers/promises');
const pino = require('pino');
const { metrics } = require('@opentelemetry/api');
const { createArgs, exitOnProblems, values } = require('./lib/args');
const { configAtLimit } = require('./lib/config-at-limit');
const { describeMachine, machineLine } = require('./lib/machine');
const { median } = require('./lib/stats');
const { table, fixed } = require('./lib/report');
const { loadConfig } = require('../dist/src/config/load');
const { configSchema } = require('../dist/src/config/schema');
const { resolveStressSecret } = require('../dist/src/config/stress-secret');
const { startConfigReload } = require('../dist/src/config/reload');
const { RouteTable } = require('../dist/src/context/route');
const { CidrSet } = require('../dist/src/config/cidr');
const { createLive } = require('../dist/src/proxy/live');
const { ReloadableSampler } = require('../dist/src/telemetry/reloadable-sampler');
const { buildSampler } = require('../dist/src/telemetry/trace-sampler');

const a = createArgs(process.argv.slice(2));
const reloads = a.read('reloads', '10', values.intIn(1, 1000));
exitOnProblems('reload-block', a.problems);

const threadCpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * The longest turn the loop did not give a 1 ms interval: by thread CPU, by wall time, and held:
 * the CPU time, except where the wall-clock gap was shorter (the thread's CPU clock advances per
 * scheduler tick, so a short turn that spans one reads up to a tick long).
 */
function startProbe() {
  let maxCpu = 0;
  let maxWall = 0;
  let maxHeld = 0;
  let lastWall = performance.now();
  let lastCpu = threadCpuMs();
  const timer = setInterval(() => {
    const wall = performance.now();
    const cpu = threadCpuMs();
    maxWall = Math.max(maxWall, wall - lastWall - 1);
    maxCpu = Math.max(maxCpu, cpu - lastCpu);
    maxHeld = Math.max(maxHeld, Math.min(cpu - lastCpu, wall - lastWall));
    lastWall = wall;
    lastCpu = cpu;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      return { cpu: maxCpu, wall: Math.max(0, maxWall), held: maxHeld };
    },
  };
}

const timed = (into, name, fn) => {
  const t = performance.now();
  const out = fn();
  (into[name] ??= []).push(performance.now() - t);
  return out;
};

/** The reload as it ran before: every phase in the one turn that SIGHUP or the watch callback got. */
function reloadOnTheLoop(file, phases) {
  const t = performance.now();
  const text = timed(phases, 'read', () => readFileSync(file, 'utf8'));
  const doc = timed(phases, 'parse (yaml)', () => require('yaml').parse(text));
  const config = timed(phases, 'validate (zod)', () => configSchema.parse(doc));
  timed(phases, 'stress secret', () => resolveStressSecret(config));
  const routes = timed(phases, 'route table', () => new RouteTable(config.route));
  const cidrs = timed(phases, 'CIDR set', () => new CidrSet(config.trustCidr));
  const held = { routes, cidrs };
  timed(phases, 'swap', () => Object.assign(held, { routes, cidrs }));
  (phases['the whole turn'] ??= []).push(performance.now() - t);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-reload-block-'));
  const file = join(dir, 'paysidecar.yaml');
  const rows = [];
  try {
    writeFileSync(file, configAtLimit(0));
    const bytes = readFileSync(file).length;
    const input = { file, env: {}, flags: {} };
    const initial = loadConfig(input).config;
    console.log(`reload of a config at the limits: ${bytes} bytes, ${initial.route.length} routes, ${initial.trustCidr.length} CIDRs; ${reloads} reloads each way`);
    console.log(`machine: ${machineLine(describeMachine())}\n`);

    // Before: one synchronous turn per reload.
    const phases = {};
    const before = { cpu: [], wall: [], held: [] };
    for (let i = 1; i <= reloads; i++) {
      writeFileSync(file, configAtLimit(i));
      const probe = startProbe();
      await sleep(5);
      reloadOnTheLoop(file, phases);
      await sleep(5);
      const p = probe.stop();
      before.cpu.push(p.cpu);
      before.wall.push(p.wall);
      before.held.push(p.held);
    }

    // After: the sidecar's own reload, with the sidecar's own subscribers.
    const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true }));
    const live = createLive(initial, undefined, logger);
    const sampler = new ReloadableSampler(buildSampler({ ratio: initial.traceSampleRatio, sampleStress: true }), {});
    const reload = startConfigReload({ initial, initialSecret: undefined, input, watch: false, subscribers: [live.onReload, sampler.onReload], logger, meter: metrics.getMeter('bench') });
    const after = { cpu: [], wall: [], held: [], mainCpu: [], latency: [] };
    const invalid = { cpu: [], wall: [], held: [], problems: 0 };
    const check = (i, outcome) => {
      if (outcome.result !== 'success' || !outcome.applied.includes('route') || !outcome.applied.includes('trustCidr')) throw new Error(`reload ${i}: ${JSON.stringify(outcome)}`);
    };
    for (let i = 1; i <= reloads; i++) {
      writeFileSync(file, configAtLimit(reloads + i));
      const probe = startProbe();
      await sleep(5);
      const t = performance.now();
      const outcome = await reload.reload('bench');
      after.latency.push(performance.now() - t);
      await sleep(5);
      const p = probe.stop();
      check(i, outcome);
      after.cpu.push(p.cpu);
      after.wall.push(p.wall);
      after.held.push(p.held);
    }
    // Without the probe, whose 1 ms ticks would be most of it.
    for (let i = 1; i <= reloads; i++) {
      writeFileSync(file, configAtLimit(2 * reloads + i));
      const c = threadCpuMs();
      check(i, await reload.reload('bench'));
      after.mainCpu.push(threadCpuMs() - c);
    }
    for (let i = 1; i <= reloads; i++) {
      // Every route and every CIDR refused: the most problem lines a file at the limits can log.
      writeFileSync(file, configAtLimit(i).replace(/ {2}- \/v/g, '  - v').replace(/\/(24|64)$/gm, '/99'));
      const probe = startProbe();
      await sleep(5);
      const outcome = await reload.reload('bench');
      await sleep(5);
      const p = probe.stop();
      if (outcome.result !== 'failure') throw new Error('the invalid file was accepted');
      invalid.problems = outcome.problems.length;
      invalid.cpu.push(p.cpu);
      invalid.wall.push(p.wall);
      invalid.held.push(p.held);
    }
    await reload.close();
    live.close();

    const row = (name, xs) => [name, fixed(median(xs), 2), fixed(Math.max(...xs), 2)];
    rows.push(['before: everything in one turn of the event loop', '', '']);
    for (const [name, xs] of Object.entries(phases)) rows.push(row(`  ${name}`, xs));
    const probeRows = (x) => [row('  longest turn held (probe)', x.held), row('  longest turn, thread CPU (probe)', x.cpu), row('  longest turn, wall (probe)', x.wall)];
    rows.push(...probeRows(before));
    rows.push(['after: a child process per reload, tables built in slices', '', '']);
    rows.push(...probeRows(after));
    rows.push(row('  event-loop CPU over the whole reload', after.mainCpu), row('  reload latency (off the loop)', after.latency));
    rows.push([`after, an invalid file at the limits (${invalid.problems} problems logged)`, '', '']);
    rows.push(...probeRows(invalid));
    console.log(table(['ms', 'median', 'max'], rows));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
