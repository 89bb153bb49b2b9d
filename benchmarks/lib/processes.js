/** Child processes for the benchmarks: started on free loopback ports, stopped by their own pid. */
'use strict';
const { spawn } = require('node:child_process');
const net = require('node:net');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free loopback port: bind 0, read it, close. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** The environment without PAYSIDECAR_*, OTEL_* and NODE_OPTIONS, so every target runs on its defaults. */
function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PAYSIDECAR_') && !k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
  return env;
}

/**
 * Spawns `cmd` and resolves once `port` accepts connections. stdout goes to /dev/null unless
 * `stdout: 'pipe'`; stderr is kept for the error message. `env` is added to the clean environment.
 */
async function startProcess(name, cmd, args, port, { cwd, stdout = 'ignore', timeoutMs = 15_000, env = {} } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...cleanEnv(), ...env }, stdio: ['ignore', stdout, 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => {
    if (err.length < 16_384) err += c;
  });
  if (stdout === 'pipe') child.stdout.resume();
  const spawnError = new Promise((_, reject) => child.once('error', reject));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${err}`);
    if (await Promise.race([accepts(port), spawnError])) return { name, child, pid: child.pid, port, stderr: () => err };
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on ${port} within ${timeoutMs} ms:\n${err}`);
}

/** SIGTERM, then SIGKILL after `graceMs`. */
async function stopProcess(proc, graceMs = 5000) {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((r) => proc.child.once('exit', r));
  proc.child.kill('SIGTERM');
  const t = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

module.exports = { sleep, freePort, accepts, cleanEnv, startProcess, stopProcess };
