/**
 * Load generators, each returning the same shape:
 *   { requests, seconds, rps, errors, latencyMs: { p50, p90, p99, max, mean } }
 * wrk (closed loop) when it is installed; `paysidecar bench` otherwise and for the open loop at a
 * fixed rate (bench corrects for coordinated omission: latency counts from each intended send).
 */
'use strict';
const { execFile } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { CLI, ROOT } = require('./targets');

// wrk hands its summary to a Lua `done`; print it as one JSON line (latency in microseconds).
const WRK_REPORT_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"socket_errors":%d,"non2xx":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;

function findWrk() {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/local/bin']) {
    if (dir && existsSync(join(dir, 'wrk'))) return join(dir, 'wrk');
  }
  return undefined;
}

function run(cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function createWrk(bin) {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-bench-wrk-'));
  const script = join(dir, 'report.lua');
  writeFileSync(script, WRK_REPORT_LUA);
  return {
    name: 'wrk',
    async closedLoop(url, { connections, threads, durationMs }) {
      const secs = Math.max(1, Math.round(durationMs / 1000));
      const out = await run(bin, ['-t', String(threads), '-c', String(connections), '-d', `${secs}s`, '--timeout', '5s', '-s', script, url], durationMs + 30_000);
      const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
      if (!line) throw new Error(`wrk printed no report:\n${out}`);
      const r = JSON.parse(line.slice('WRK_JSON '.length));
      const seconds = r.duration_us / 1e6;
      return {
        requests: r.requests,
        seconds,
        rps: r.requests / seconds,
        errors: r.socket_errors + r.non2xx,
        latencyMs: { p50: r.p50 / 1000, p90: r.p90 / 1000, p99: r.p99 / 1000, max: r.max / 1000, mean: r.mean / 1000 },
      };
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function createBench() {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-bench-'));
  let n = 0;
  const runBench = async (url, extra, durationMs) => {
    const json = join(dir, `run-${++n}.json`);
    await run(process.execPath, [CLI, 'bench', '--target', url, '--duration', `${durationMs}ms`, '--json', json, '--quiet', ...extra], durationMs + 60_000);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    rmSync(json, { force: true });
    const { p50, p90, p99, max, mean } = r.latencyMs;
    return { requests: r.requests, seconds: r.durationSeconds, rps: r.rps, errors: r.errors, latencyMs: { p50, p90, p99, max, mean } };
  };
  return {
    name: 'paysidecar bench',
    closedLoop: (url, { connections, durationMs }) => runBench(url, ['--connections', String(connections)], durationMs),
    openLoop: (url, { rate, durationMs }) => runBench(url, ['--rate', String(rate)], durationMs),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `auto`: wrk when installed, else bench. */
function createLoader(kind) {
  if (kind === 'bench') return createBench();
  const wrk = findWrk();
  if (kind === 'wrk' && !wrk) throw new Error('--loader wrk: wrk is not installed (apt-get install wrk, or scripts/ensure-test-tools.sh)');
  return wrk ? createWrk(wrk) : createBench();
}

module.exports = { createLoader, createBench, findWrk };
