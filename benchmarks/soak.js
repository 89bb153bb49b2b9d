#!/usr/bin/env node
/**
 * `npm run bench:soak`: the sidecar (default settings) under steady load for a bounded time while
 * 10% of the clients abort mid-request (lib/soak-load.js). Every --interval it samples the
 * sidecar's RSS (/proc/<pid>/status), its heap (own /metrics, scraped each second: the lowest
 * heap-used of the interval, so the GC sawtooth does not read as growth, and old space just after
 * each major GC) and its open sockets (/proc/<pid>/fd, the interval's lowest: aborting clients
 * make them come and go). After the warm-up it fits a line to each series and reports the growth
 * over the measured window; exits 1 when RSS grows more than 5%, the heap more than 5% (old space
 * after major GCs when there were at least 3, else the heap-used floor), or open sockets more than
 * 5% and by more than 4 while staying open after the load stops.
 *
 *   node benchmarks/soak.js [--duration 5m] [--warmup 60s] [--interval 5s] [--rate 1000]
 *     [--clients 32] [--abort-share 0.1] [--access-log stdout|off] [--out benchmarks/results]
 * Needs `npm run build` first. Load goes to 127.0.0.1 only and stops by itself.
 */
'use strict';
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { createArgs, exitOnProblems, values } = require('./lib/args');
const { CLI, IMAGE_ENV, ROOT, startUpstream } = require('./lib/targets');
const { freePort, startProcess, stopProcess, sleep } = require('./lib/processes');
const { cpuSeconds, rssBytes, openSockets } = require('./lib/proc-stat');
const { describeMachine, machineLine } = require('./lib/machine');
const { linearFit, round } = require('./lib/stats');
const { createSoakLoad } = require('./lib/soak-load');
const { table, fixed, signed, displayPath } = require('./lib/report');

const MAX_GROWTH = 0.05;
const SOCKET_SLACK = 4;
/** Major GCs after warm-up needed to judge the retained heap rather than its floor. */
const MIN_GC_POINTS = 3;

const a = createArgs(process.argv.slice(2));
const durationMs = a.duration('duration', '5m');
const opts = {
  durationMs,
  warmupMs: a.duration('warmup', `${Math.round(Math.min(60_000, durationMs * 0.2))}ms`),
  intervalMs: a.duration('interval', '5s'),
  rate: a.read('rate', '1000', values.positiveNumber),
  clients: a.read('clients', '32', values.intIn(1, 100_000)),
  abortShare: a.read('abort-share', '0.1', values.ratio),
  accessLog: a.read('access-log', 'stdout', values.oneOf(['stdout', 'off'])),
  out: a.string('out', join(ROOT, 'benchmarks', 'results')),
};
if (opts.warmupMs >= opts.durationMs) a.problems.push('--warmup: must be shorter than --duration');
exitOnProblems('bench:soak', a.problems);

const log = (line) => process.stderr.write(`${line}\n`);
const MB = 2 ** 20;

/**
 * From the sidecar's own /metrics: heap used, old-space used, and how many major (mark-compact)
 * GCs it has run. Old space read just after a major GC is what the process really retains.
 */
async function heapState(adminUrl) {
  try {
    const text = await (await fetch(`${adminUrl}/metrics`)).text();
    const num = (re) => {
      const m = re.exec(text);
      return m ? Number(m[1]) : null;
    };
    return {
      heap: num(/^v8js_memory_heap_used(?:\{[^}]*\})? (\S+)$/m),
      oldSpace: num(/^v8js_memory_heap_space_used_size\{[^}]*v8js_heap_space_name="old_space"[^}]*\} (\S+)$/m),
      majorGcs: num(/^v8js_gc_duration_count\{[^}]*v8js_gc_type="major"[^}]*\} (\S+)$/m) ?? 0,
    };
  } catch {
    return { heap: null, oldSpace: null, majorGcs: null };
  }
}

/** Growth over the window after warm-up: the fitted line's rise relative to its value at the start. */
function growth(samples, key, fromS, toS) {
  const pts = samples.filter((s) => s.t >= fromS && s[key] !== null).map((s) => [s.t, s[key]]);
  const fit = linearFit(pts);
  const start = fit.intercept + fit.slope * fromS;
  const rise = fit.slope * (toS - fromS);
  return { samples: pts.length, slopePerMinute: fit.slope * 60, start, rise, growth: start > 0 ? rise / start : 0 };
}

async function main() {
  const startedAt = new Date();
  const machine = describeMachine();
  log(`bench:soak on ${machineLine(machine)}`);
  const upstream = await startUpstream();
  const port = await freePort();
  const admin = await freePort();
  const adminUrl = `http://127.0.0.1:${admin}`;
  const sidecar = await startProcess(
    `sidecar (--access-log ${opts.accessLog})`,
    process.execPath,
    [CLI, 'run', '--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${admin}`, '--upstream', upstream.url, '--access-log', opts.accessLog],
    port,
    // As the image runs it (its NODE_OPTIONS and MALLOC_ARENA_MAX): a leak check on other GC settings would judge another process.
    { cwd: ROOT, env: IMAGE_ENV },
  );
  const pid = sidecar.pid;
  const aborters = Math.round(opts.clients * opts.abortShare);
  const samples = [];
  /** Old space just after each major GC the sidecar ran. */
  const afterGc = [];
  let load;
  let afterLoad;
  try {
    const idleHeap = await heapState(adminUrl);
    const idle = { rssMB: rssBytes(pid) / MB, heapMB: (idleHeap.heap ?? 0) / MB, sockets: openSockets(pid) };
    log(`sidecar pid ${pid}, idle: RSS ${fixed(idle.rssMB, 1)} MB, heap ${fixed(idle.heapMB, 1)} MB, ${idle.sockets} sockets`);
    log(`load: ${opts.clients} clients (${aborters} aborting mid-request), ${opts.rate} rps, ${opts.durationMs / 1000} s; warm-up ${opts.warmupMs / 1000} s; a sample every ${opts.intervalMs / 1000} s`);
    const t0 = Date.now();
    const cpu0 = cpuSeconds(pid);
    load = createSoakLoad({ port, clients: opts.clients, aborters, rate: opts.rate });
    let prev = { ok: 0, errors: 0, aborted: 0 };
    let heapFloor = null;
    let socketFloor = null;
    let majorGcs = idleHeap.majorGcs;
    let nextSample = t0 + opts.intervalMs;
    const end = t0 + opts.durationMs;
    const seconds = () => round((Date.now() - t0) / 1000, 2);
    while (Date.now() < end) {
      await sleep(Math.min(1000, opts.intervalMs, Math.max(0, end - Date.now())));
      const h = await heapState(adminUrl);
      if (h.heap !== null) heapFloor = heapFloor === null ? h.heap : Math.min(heapFloor, h.heap);
      if (h.majorGcs !== null && majorGcs !== null && h.majorGcs > majorGcs && h.oldSpace !== null) {
        afterGc.push({ t: seconds(), oldSpace: h.oldSpace });
        log(`t=${String(seconds()).padStart(7)} s  major GC: old space ${fixed(h.oldSpace / MB, 1)} MB after it`);
      }
      if (h.majorGcs !== null) majorGcs = h.majorGcs;
      const sk = openSockets(pid);
      socketFloor = socketFloor === null ? sk : Math.min(socketFloor, sk);
      if (Date.now() < nextSample && Date.now() < end) continue;
      nextSample += opts.intervalMs;
      const c = { ...load.counts };
      const s = {
        t: seconds(),
        rss: rssBytes(pid),
        heap: heapFloor,
        sockets: socketFloor,
        ok: c.ok - prev.ok,
        aborted: c.aborted - prev.aborted,
        errors: c.errors - prev.errors,
      };
      prev = c;
      heapFloor = null;
      socketFloor = null;
      samples.push(s);
      log(`t=${String(s.t).padStart(7)} s  RSS ${fixed(s.rss / MB, 1).padStart(6)} MB  heap ${fixed(s.heap / MB, 1).padStart(6)} MB  sockets ${String(s.sockets).padStart(4)}  ok ${s.ok}  aborted ${s.aborted}  errors ${s.errors}${s.t * 1000 < opts.warmupMs ? '  (warm-up)' : ''}`);
    }
    const cpu = cpuSeconds(pid) - cpu0;
    const elapsedS = (Date.now() - t0) / 1000;
    await load.stop();
    load = undefined;
    // Idle long enough for the upstream pool's keep-alive timeout (4 s) to close its sockets.
    await sleep(5000);
    afterLoad = { rssMB: rssBytes(pid) / MB, heapMB: ((await heapState(adminUrl)).heap ?? 0) / MB, sockets: openSockets(pid) };

    const fromS = opts.warmupMs / 1000;
    const toS = samples.length ? samples[samples.length - 1].t : fromS;
    const gcAfterWarmup = afterGc.filter((g) => g.t >= fromS).length;
    // The heap judged is old space after each major GC when there were enough of them; otherwise
    // the interval floor of heap used, which also holds garbage no major GC has collected yet.
    const heapSeries = gcAfterWarmup >= MIN_GC_POINTS ? 'after major GC' : 'floor';
    const fits = {
      rss: growth(samples, 'rss', fromS, toS),
      heap: heapSeries === 'floor' ? growth(samples, 'heap', fromS, toS) : growth(afterGc, 'oldSpace', fromS, toS),
      sockets: growth(samples, 'sockets', fromS, toS),
    };
    // Sockets in use follow concurrency, which follows latency, which drifts on a shared machine;
    // a leak is sockets that are still open once the load has stopped and the pool has idled out.
    const socketsReleased = afterLoad.sockets <= idle.sockets + SOCKET_SLACK;
    const failed = [];
    if (fits.rss.growth > MAX_GROWTH) failed.push('rss');
    if (fits.heap.growth > MAX_GROWTH) failed.push('heap');
    if (fits.sockets.growth > MAX_GROWTH && fits.sockets.rise > SOCKET_SLACK && !socketsReleased) failed.push('sockets');
    const measured = samples.filter((s) => s.t >= fromS).length;
    if (measured < 3) failed.push('too few samples after warm-up');
    const totals = samples.reduce((t, s) => ({ ok: t.ok + s.ok, aborted: t.aborted + s.aborted, errors: t.errors + s.errors }), { ok: 0, aborted: 0, errors: 0 });

    const report = {
      format: 'paysidecar-bench-soak/v1',
      startedAt: startedAt.toISOString(),
      machine,
      options: { ...opts, out: undefined, aborters },
      idle,
      afterLoad: Object.fromEntries(Object.entries(afterLoad).map(([k, v]) => [k, round(v, 2)])),
      totals,
      cpuSecondsPer1000: round((cpu / Math.max(1, totals.ok + totals.aborted)) * 1000, 4),
      achievedRps: round(totals.ok / elapsedS, 1),
      fits: Object.fromEntries(Object.entries(fits).map(([k, f]) => [k, Object.fromEntries(Object.entries(f).map(([kk, v]) => [kk, round(v, 4)]))])),
      heapJudged: heapSeries,
      socketsReleased,
      verdict: { pass: failed.length === 0, maxGrowth: MAX_GROWTH, failed },
      samples,
      afterMajorGc: afterGc,
    };
    mkdirSync(opts.out, { recursive: true });
    const file = join(opts.out, `soak-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');

    const unit = { rss: ['MB', MB], heap: ['MB', MB], sockets: ['', 1] };
    const seriesName = { rss: 'rss (MB)', heap: heapSeries === 'floor' ? 'heap floor (MB)' : 'old space after GC (MB)', sockets: 'sockets' };
    const out = [];
    out.push(`bench:soak  sidecar at default settings (--access-log ${opts.accessLog}; ${Object.entries(IMAGE_ENV).map(([k, v]) => `${k}=${v}`).join(' ') || 'plain node'}), ${opts.clients} clients, ${aborters} of them aborting mid-request, ${opts.rate} rps for ${opts.durationMs / 1000} s`);
    out.push(`machine     ${machineLine(machine)}`);
    out.push(`requests    ${totals.ok} ok (${report.achievedRps} rps), ${totals.aborted} aborted by clients, ${totals.errors} errors; ${fixed(report.cpuSecondsPer1000, 3)} CPU s per 1000`);
    out.push('');
    out.push(`after warm-up (${fromS} s to ${toS} s, ${measured} samples), least-squares line:`);
    out.push(
      table(
        ['series', 'at start', 'slope /min', 'growth', 'limit', 'verdict'],
        Object.entries(fits).map(([k, f]) => [
          seriesName[k],
          fixed(f.start / unit[k][1], 1),
          signed(f.slopePerMinute / unit[k][1], 3),
          `${signed(f.growth * 100, 2)}%`,
          k === 'sockets' ? `5%, ${SOCKET_SLACK}, kept` : '5%',
          failed.includes(k) ? 'GROWING' : k === 'sockets' && f.growth > MAX_GROWTH && f.rise > SOCKET_SLACK ? 'released' : 'flat',
        ]),
      ),
    );
    out.push(
      heapSeries === 'floor'
        ? `heap: ${gcAfterWarmup} major GC(s) after warm-up, fewer than ${MIN_GC_POINTS}: judged on the lowest heap-used of each interval, which still holds garbage no major GC has collected; run longer to judge the retained heap`
        : `heap: judged on old space just after each of the ${gcAfterWarmup} major GCs after warm-up (what the process retains)`,
    );
    out.push(`sockets: a rise only counts when they stay open once the load stops (${socketsReleased ? 'they were released' : 'they were not released'})`);
    out.push(`idle before: RSS ${fixed(idle.rssMB, 1)} MB, heap ${fixed(idle.heapMB, 1)} MB, ${idle.sockets} sockets; 5 s after the load: RSS ${fixed(afterLoad.rssMB, 1)} MB, heap ${fixed(afterLoad.heapMB, 1)} MB, ${afterLoad.sockets} sockets`);
    out.push(`verdict: ${failed.length ? `FAIL (${failed.join(', ')})` : 'PASS'}`);
    out.push('');
    out.push(`results: ${displayPath(file)}`);
    process.stdout.write(out.join('\n') + '\n');
    if (failed.length) process.exitCode = 1;
  } finally {
    if (load) await load.stop();
    await stopProcess(sidecar);
    await stopProcess(upstream);
  }
}

main().catch((err) => {
  process.stderr.write(`bench:soak: ${err.stack ?? err}\n`);
  process.exit(1);
});
