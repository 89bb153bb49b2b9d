#!/usr/bin/env node
/**
 * `npm run bench:proxy`: what the sidecar costs, side by side with no proxy, a bare http-proxy
 * with the same keep-alive agent, and nginx (when installed), all against the same minimal upstream
 * in one run.
 *
 * 1. Throughput: closed loop (wrk when installed, else `paysidecar bench`), rounds alternating
 *    A B C … A B C so drift on a shared machine cancels; every figure is the median over rounds.
 *    Per target: rps, p50/p99, CPU seconds per 1000 requests (utime+stime from /proc/<pid>/stat)
 *    and the largest RSS seen during the run.
 * 2. Latency overhead: open loop at a fixed rate (default 1000 rps, `paysidecar bench`, coordinated
 *    omission corrected) against the direct path and through the sidecar, same rounds; the added
 *    p50/p99 is the median of the per-round differences. Fresh processes, so the RSS reported for
 *    steady load is not the saturation phase's high-water mark.
 *
 *   node benchmarks/proxy.js [--duration 10s] [--rounds 3] [--connections 64] [--threads 1]
 *     [--warmup 3s] [--loader auto|wrk|bench] [--targets none,http-proxy,sidecar,sidecar-http-proxy,sidecar-nolog,nginx]
 *       (also sidecar-page: the sidecar with its admin status page open in headless chromium;
 *       `--targets sidecar,sidecar-page` measures what an open page costs, same rounds)
 *       (also node-raw, undici: reference proxies without http-proxy, see lib/reference-proxy.js;
 *       sidecar-node-defaults: the sidecar without the image's NODE_OPTIONS and MALLOC_ARENA_MAX)
 *     [--latency-rate 1000] [--latency-duration 10s] [--latency-targets none,http-proxy,sidecar,sidecar-http-proxy]
 *     [--no-throughput] [--no-latency] [--out benchmarks/results] [--check]
 *     [--compare <other build's dist/src/cli/main.js>[,...]] [--runtimes <node binary>[,...]]
 * --compare adds `sidecar@N` targets running another build at default settings in the same
 * alternating rounds: the before/after of a change on the same machine state.
 * --runtimes adds `sidecar~vX` and `http-proxy~vX` targets: this dist/ and the bare proxy run by
 * another node binary (e.g. Node 20 and 26 beside the project's Node 24), in the same rounds.
 * Every sidecar starts with the runtime settings the Dockerfile ships (lib/image-env.js), so the
 * RSS and throughput here are the image's.
 * --check exits 1 when a goal is missed. Needs `npm run build` first. Load goes to 127.0.0.1 only.
 */
'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { createArgs, exitOnProblems, values } = require('./lib/args');
const { existsSync } = require('node:fs');
const { resolve } = require('node:path');
const { execFileSync } = require('node:child_process');
const { ALL_TARGETS, IMAGE_ENV, LABELS, ROOT, registerBuild, registerRuntime, startTarget, startUpstream, findNginx } = require('./lib/targets');
const { createBench, createLoader, findWrk } = require('./lib/load');
const { describeMachine, machineLine } = require('./lib/machine');
const { median, round } = require('./lib/stats');
const { table, fixed, signed, mark, displayPath } = require('./lib/report');
const { stopProcess } = require('./lib/processes');

const GOALS = {
  /** sidecar rps ÷ bare http-proxy rps, default settings. */
  throughputVsBare: 1.2,
  /** sidecar CPU per request ÷ bare http-proxy's, at the steady rate. */
  cpuVsBareAtRate: 1.0,
  addedP50Ms: 0.3,
  addedP99Ms: 1,
  rssMB: 64,
};

const a = createArgs(process.argv.slice(2));
const compare = [];
const BUILD_PATHS = {};
for (const cli of (a.string('compare') ?? '').split(',').filter(Boolean)) {
  if (existsSync(resolve(cli))) {
    const name = registerBuild(resolve(cli));
    compare.push(name);
    BUILD_PATHS[name] = resolve(cli);
  }
  else a.problems.push(`--compare: "${cli}" does not exist, expected another build's dist/src/cli/main.js`);
}
for (const bin of (a.string('runtimes') ?? '').split(',').filter(Boolean)) {
  let version;
  try {
    version = execFileSync(resolve(bin), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    a.problems.push(`--runtimes: "${bin}" is invalid, expected the path of a node binary that answers --version`);
    continue;
  }
  compare.push(...registerRuntime(resolve(bin), version));
}
/** Every --compare build and --runtimes binary is measured wherever the sidecar is. */
const withCompare = (list) => [...list, ...compare.filter((c) => !list.includes(c))];
const opts = {
  durationMs: a.duration('duration', '10s'),
  rounds: a.read('rounds', '3', values.intIn(1, 100)),
  connections: a.read('connections', '64', values.intIn(1, 100_000)),
  threads: a.read('threads', '1', values.intIn(1, 256)),
  warmupMs: a.duration('warmup', '3s'),
  loader: a.read('loader', 'auto', values.oneOf(['auto', 'wrk', 'bench'])),
  targets: withCompare(a.list('targets', 'none,http-proxy,sidecar,sidecar-http-proxy,sidecar-nolog,nginx', [...ALL_TARGETS, ...compare])),
  throughput: !a.flag('no-throughput'),
  latency: !a.flag('no-latency'),
  latencyRate: a.read('latency-rate', '1000', values.positiveNumber),
  latencyDurationMs: a.duration('latency-duration', '10s'),
  latencyTargets: withCompare(a.list('latency-targets', 'none,http-proxy,sidecar,sidecar-http-proxy', [...ALL_TARGETS, ...compare])),
  out: a.string('out', join(ROOT, 'benchmarks', 'results')),
  check: a.flag('check'),
};
if (opts.targets.length === 0) a.problems.push('--targets: expected at least one target');
if (!opts.throughput && !opts.latency) a.problems.push('--no-throughput with --no-latency leaves nothing to measure');
exitOnProblems('bench:proxy', a.problems);

const log = (line) => process.stderr.write(`${line}\n`);
const MB = 2 ** 20;

/** One loader run against `target`, with the target's CPU time and largest RSS over the run. */
async function measure(target, runLoad) {
  const cpu0 = target.cpu();
  let rss = target.rss();
  const sampler = setInterval(() => {
    rss = Math.max(rss, target.rss());
  }, 250);
  let r;
  try {
    r = await runLoad();
  } finally {
    clearInterval(sampler);
  }
  rss = Math.max(rss, target.rss());
  const cpuSeconds = target.cpu() - cpu0;
  return { ...r, cpuSeconds, cpuPer1000: r.requests > 0 ? (cpuSeconds / r.requests) * 1000 : null, rssMB: rss / MB };
}

function summarize(runs) {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50Ms: median(runs.map((r) => r.latencyMs.p50)),
    p99Ms: median(runs.map((r) => r.latencyMs.p99)),
    cpuPer1000: median(runs.map((r) => r.cpuPer1000)),
    rssMB: Math.max(...runs.map((r) => r.rssMB)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    requests: runs.reduce((n, r) => n + r.requests, 0),
  };
}

/** Sum of http_server_request_duration_count in the sidecar's /metrics: proof its telemetry ran. */
async function recordedBySidecar(adminUrl) {
  try {
    const text = await (await fetch(`${adminUrl}/metrics`)).text();
    let n = 0;
    for (const line of text.split('\n')) if (line.startsWith('http_server_request_duration_count{')) n += Number(line.slice(line.lastIndexOf(' ') + 1));
    return n;
  } catch {
    return null;
  }
}

/** The Dockerfile's runtime settings every sidecar target gets (sidecar-node-defaults excepted). */
const imageEnvLine = () => Object.entries(IMAGE_ENV).map(([k, v]) => `${k}=${v}`).join(' ') || '(the Dockerfile sets none)';

const roundAll = (o, digits) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, digits) : v]));

async function main() {
  const startedAt = new Date();
  const notes = [];
  const nginxBin = findNginx();
  let names = opts.throughput ? opts.targets : [];
  if (names.includes('nginx') && !nginxBin) {
    names = names.filter((n) => n !== 'nginx');
    notes.push('nginx is not on PATH: its row is missing (apt-get install nginx-light, or scripts/ensure-test-tools.sh)');
  }
  const latencyNames = opts.latency ? opts.latencyTargets.filter((n) => n !== 'nginx' || nginxBin) : [];
  const loader = createLoader(opts.loader);
  const openLoop = createBench();
  const machine = describeMachine({ wrk: loader.name === 'wrk' ? findWrk() : undefined, nginx: names.includes('nginx') ? nginxBin : undefined });
  log(`bench:proxy on ${machineLine(machine)}`);
  log(`sidecars run as the image runs them: ${imageEnvLine()}`);

  const upstream = await startUpstream();
  const targets = {};
  const throughput = Object.fromEntries(names.map((n) => [n, []]));
  const latency = Object.fromEntries(latencyNames.map((n) => [n, []]));
  const recorded = {};
  try {
    for (const name of names) targets[name] = await startTarget(name, upstream);
    if (names.length) log(`warm-up: ${opts.warmupMs} ms of load on each target`);
    for (const name of names) {
      await loader.closedLoop(targets[name].url, { connections: opts.connections, threads: opts.threads, durationMs: opts.warmupMs });
    }

    for (let r = 1; r <= opts.rounds; r++) {
      for (const name of names) {
        const t = targets[name];
        const run = await measure(t, () => loader.closedLoop(t.url, { connections: opts.connections, threads: opts.threads, durationMs: opts.durationMs }));
        throughput[name].push(run);
        log(`throughput round ${r}/${opts.rounds}  ${LABELS[name].padEnd(18)} ${fixed(run.rps, 0).padStart(7)} rps  p99 ${fixed(run.latencyMs.p99, 2)} ms  ${fixed(run.cpuPer1000, 3)} CPU s/1000  RSS ${fixed(run.rssMB, 0)} MB${run.errors ? `  ${run.errors} errors` : ''}`);
      }
    }

    for (const name of ['sidecar', 'sidecar-http-proxy', 'sidecar-nolog', 'sidecar-page']) if (targets[name]) recorded[name] = await recordedBySidecar(targets[name].adminUrl);

    // Fresh processes for the steady-load phase: its RSS should not be the saturation run's high-water mark.
    for (const name of Object.keys(targets)) {
      await targets[name].stop();
      delete targets[name];
    }
    for (const name of latencyNames) targets[name] = await startTarget(name, upstream);
    for (const name of latencyNames) await openLoop.openLoop(targets[name].url, { rate: opts.latencyRate, durationMs: opts.warmupMs });

    for (let r = 1; r <= (latencyNames.length ? opts.rounds : 0); r++) {
      for (const name of latencyNames) {
        const t = targets[name];
        const run = await measure(t, () => openLoop.openLoop(t.url, { rate: opts.latencyRate, durationMs: opts.latencyDurationMs }));
        latency[name].push(run);
        log(`latency round ${r}/${opts.rounds}     ${LABELS[name].padEnd(18)} ${opts.latencyRate} rps  p50 ${fixed(run.latencyMs.p50, 3)} ms  p99 ${fixed(run.latencyMs.p99, 3)} ms  ${fixed(run.cpuPer1000, 3)} CPU s/1000  RSS ${fixed(run.rssMB, 0)} MB${run.errors ? `  ${run.errors} errors` : ''}`);
      }
    }

  } finally {
    for (const t of Object.values(targets)) await t.stop().catch(() => undefined);
    await stopProcess(upstream);
    loader.close();
    openLoop.close();
  }

  const tp = Object.fromEntries(names.map((n) => [n, summarize(throughput[n])]));
  const ratio = (x, y) => (tp[x] && tp[y] && tp[y].rps ? tp[x].rps / tp[y].rps : null);
  const ratios = {
    sidecarOverBare: ratio('sidecar', 'http-proxy'),
    sidecarOverNone: ratio('sidecar', 'none'),
    sidecarOverNginx: ratio('sidecar', 'nginx'),
    sidecarNologOverBare: ratio('sidecar-nolog', 'http-proxy'),
    sidecarHttpProxyOverBare: ratio('sidecar-http-proxy', 'http-proxy'),
    sidecarOverSidecarHttpProxy: ratio('sidecar', 'sidecar-http-proxy'),
    sidecarPageOverSidecar: ratio('sidecar-page', 'sidecar'),
    sidecarPageCpuOverSidecar: tp['sidecar-page'] && tp.sidecar?.cpuPer1000 ? tp['sidecar-page'].cpuPer1000 / tp.sidecar.cpuPer1000 : null,
    bareOverNone: ratio('http-proxy', 'none'),
    nodeRawOverBare: ratio('node-raw', 'http-proxy'),
    undiciOverBare: ratio('undici', 'http-proxy'),
  };
  for (const c of compare) ratios[`${c}OverBare`] = ratio(c, 'http-proxy');

  const lat = Object.fromEntries(latencyNames.map((n) => [n, summarize(latency[n])]));
  /** Median over rounds of (via − direct): each round's pair ran back to back. */
  const added = (via, q) =>
    latency[via] && latency.none ? median(latency[via].map((run, i) => run.latencyMs[q] - (latency.none[i]?.latencyMs[q] ?? NaN))) : null;
  const overhead = Object.fromEntries(latencyNames.filter((n) => n !== 'none').map((n) => [n, { addedP50Ms: added(n, 'p50'), addedP99Ms: added(n, 'p99') }]));

  const cpuVsBare = lat.sidecar && lat['http-proxy']?.cpuPer1000 ? lat.sidecar.cpuPer1000 / lat['http-proxy'].cpuPer1000 : null;
  const goals = {
    throughputVsBare: { goal: `>= ${GOALS.throughputVsBare}`, value: ratios.sidecarOverBare, ok: ratios.sidecarOverBare === null ? null : ratios.sidecarOverBare >= GOALS.throughputVsBare },
    cpuVsBareAtRate: { goal: `<= ${GOALS.cpuVsBareAtRate}`, value: cpuVsBare, ok: cpuVsBare === null ? null : cpuVsBare <= GOALS.cpuVsBareAtRate },
    addedP50Ms: { goal: `<= ${GOALS.addedP50Ms}`, value: overhead.sidecar?.addedP50Ms ?? null, ok: overhead.sidecar ? overhead.sidecar.addedP50Ms <= GOALS.addedP50Ms : null },
    addedP99Ms: { goal: `<= ${GOALS.addedP99Ms}`, value: overhead.sidecar?.addedP99Ms ?? null, ok: overhead.sidecar ? overhead.sidecar.addedP99Ms <= GOALS.addedP99Ms : null },
    rssAtSteadyLoadMB: { goal: `<= ${GOALS.rssMB}`, value: lat.sidecar?.rssMB ?? null, ok: lat.sidecar ? lat.sidecar.rssMB <= GOALS.rssMB : null },
  };

  const report = {
    format: 'paysidecar-bench-proxy/v1',
    startedAt: startedAt.toISOString(),
    seconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
    machine,
    options: { ...opts, out: undefined },
    loader: loader.name,
    compare: Object.fromEntries(compare.map((c) => [c, BUILD_PATHS[c]])),
    upstream: '60-byte JSON, keep-alive (benchmarks/lib/upstream.js)',
    sidecarEnv: IMAGE_ENV,
    throughput: Object.fromEntries(names.map((n) => [n, { label: LABELS[n], median: roundAll(tp[n], 3), rounds: throughput[n].map((r) => roundAll({ ...r, latencyMs: undefined, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99 }, 3)) }])),
    ratios: roundAll(ratios, 3),
    latency: latencyNames.length
      ? {
          rate: opts.latencyRate,
          loader: 'paysidecar bench (open loop, coordinated omission corrected)',
          targets: Object.fromEntries(latencyNames.map((n) => [n, { label: LABELS[n], median: roundAll(lat[n], 3), rounds: latency[n].map((r) => roundAll({ ...r, latencyMs: undefined, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99 }, 3)) }])),
          overhead: Object.fromEntries(Object.entries(overhead).map(([k, v]) => [k, roundAll(v, 3)])),
        }
      : null,
    sidecarRecordedRequests: recorded,
    goals: Object.fromEntries(Object.entries(goals).map(([k, g]) => [k, { ...g, value: round(g.value, 3) }])),
    notes,
  };

  mkdirSync(opts.out, { recursive: true });
  const file = join(opts.out, `proxy-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');

  const out = [];
  out.push(
    names.length
      ? `bench:proxy  ${loader.name}, ${opts.connections} connections${loader.name === 'wrk' ? `, ${opts.threads} thread(s)` : ''}, ${opts.durationMs / 1000} s per run, median of ${opts.rounds} round(s), rounds alternating`
      : `bench:proxy  latency only, median of ${opts.rounds} round(s), rounds alternating`,
  );
  out.push(`machine      ${machineLine(machine)}`);
  out.push(`upstream     ${report.upstream}; every process on the same cores`);
  out.push(`sidecar env  ${imageEnvLine()} (the Dockerfile's, as the image runs it${names.includes('sidecar-node-defaults') || latencyNames.includes('sidecar-node-defaults') ? '; "sidecar, node defaults" without them' : ''})`);
  if (names.length) {
    out.push('');
    out.push(
      table(
        ['target', 'rps', 'p50 ms', 'p99 ms', 'CPU s/1000 req', 'RSS MB', 'errors'],
        names.map((n) => [LABELS[n] + (n === 'none' ? ' *' : ''), fixed(tp[n].rps, 0), fixed(tp[n].p50Ms, 2), fixed(tp[n].p99Ms, 2), fixed(tp[n].cpuPer1000, 3), fixed(tp[n].rssMB, 0), tp[n].errors]),
      ),
    );
    if (names.includes('none')) out.push('* no proxy: CPU and RSS are the upstream\'s own');
    out.push('');
  }
  const ratioLine = (label, v, goal) => (v === null ? null : `${label.padEnd(40)} ${fixed(v, 3)}${goal ? `   goal ${goal.goal} ${mark(goal.ok)}` : ''}`);
  for (const line of [
    ratioLine('sidecar ÷ http-proxy', ratios.sidecarOverBare, goals.throughputVsBare),
    ratioLine('sidecar (log off) ÷ http-proxy', ratios.sidecarNologOverBare),
    ratioLine('sidecar (http-proxy core) ÷ http-proxy', ratios.sidecarHttpProxyOverBare),
    ratioLine('sidecar ÷ sidecar (http-proxy core)', ratios.sidecarOverSidecarHttpProxy),
    ratioLine('sidecar, page open ÷ closed', ratios.sidecarPageOverSidecar),
    ratioLine('  CPU s/1000 req, open ÷ closed', ratios.sidecarPageCpuOverSidecar),
    ratioLine('sidecar ÷ no proxy', ratios.sidecarOverNone),
    ratioLine('sidecar ÷ nginx', ratios.sidecarOverNginx),
    ratioLine('http-proxy ÷ no proxy', ratios.bareOverNone),
    ratioLine('http.request proxy ÷ http-proxy', ratios.nodeRawOverBare),
    ratioLine('undici proxy ÷ http-proxy', ratios.undiciOverBare),
    ...compare.map((c) => ratioLine(`${c} ÷ http-proxy`, ratios[`${c}OverBare`])),
  ]) {
    if (line) out.push(line);
  }
  if (latencyNames.length) {
    out.push('');
    out.push(`latency at a steady ${opts.latencyRate} rps (open loop, paysidecar bench, coordinated omission corrected), ${opts.latencyDurationMs / 1000} s per run, median of ${opts.rounds}:`);
    out.push(
      table(
        ['target', 'p50 ms', 'p99 ms', 'added p50', 'added p99', 'CPU s/1000 req', 'RSS MB', 'errors'],
        latencyNames.map((n) => [
          LABELS[n],
          fixed(lat[n].p50Ms, 3),
          fixed(lat[n].p99Ms, 3),
          n === 'none' ? '' : signed(overhead[n]?.addedP50Ms, 3),
          n === 'none' ? '' : signed(overhead[n]?.addedP99Ms, 3),
          fixed(lat[n].cpuPer1000, 3),
          fixed(lat[n].rssMB, 0),
          lat[n].errors,
        ]),
      ),
    );
    if (overhead.sidecar) {
      out.push(`sidecar adds p50 ${signed(overhead.sidecar.addedP50Ms, 3)} ms (goal ${goals.addedP50Ms.goal} ${mark(goals.addedP50Ms.ok)}), p99 ${signed(overhead.sidecar.addedP99Ms, 3)} ms (goal ${goals.addedP99Ms.goal} ${mark(goals.addedP99Ms.ok)})`);
      if (cpuVsBare !== null) out.push(`sidecar CPU per request ÷ http-proxy at ${opts.latencyRate} rps ${fixed(cpuVsBare, 3)} (goal ${goals.cpuVsBareAtRate.goal} ${mark(goals.cpuVsBareAtRate.ok)})`);
      out.push(`sidecar at ${opts.latencyRate} rps: ${fixed(lat.sidecar.cpuPer1000 * (opts.latencyRate / 1000), 3)} vCPU, RSS ${fixed(lat.sidecar.rssMB, 0)} MB (goal ${goals.rssAtSteadyLoadMB.goal} ${mark(goals.rssAtSteadyLoadMB.ok)})`);
    }
  }
  const rec = Object.entries(recorded).map(([k, v]) => `${k} ${v}`).join(', ');
  if (rec) out.push(`requests in the sidecar's own metrics: ${rec}`);
  for (const n of notes) out.push(`note: ${n}`);
  out.push('');
  out.push(`results: ${displayPath(file)}`);
  process.stdout.write(out.join('\n') + '\n');

  if (opts.check && Object.values(goals).some((g) => g.ok === false)) {
    process.stderr.write('bench:proxy: a goal was missed (see above)\n');
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`bench:proxy: ${err.stack ?? err}\n`);
  process.exit(1);
});
