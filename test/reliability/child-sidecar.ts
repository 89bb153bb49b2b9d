/**
 * `paysidecar run` as a child process for the abuse suite: a crash shows as an exit, not as a
 * failed assertion inside the test runner's own process. Driven by CLI flags only, so the same
 * suite runs against any forwarding core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

/**
 * Arguments every child sidecar of the suite gets, in one place. The forwarding core is the
 * default (undici) unless a case adds `--forwarder`: the abuse table, the fuzzer and do-no-harm's
 * forwarding cases do, once per core.
 */
export const SIDECAR_ARGS: readonly string[] = ['--host-interval', '0', '--log-level', 'info'];

export interface ChildSidecar {
  child: ChildProcess;
  port: number;
  adminPort: number;
  stdout(): string;
  stderr(): string;
  /** Access-log lines (JSON on stdout) so far. */
  accessLog(): Array<Record<string, unknown>>;
  /** Waits until `n` access-log lines match, or the timeout passes; returns the matching lines. */
  waitForLog(pred: (l: Record<string, unknown>) => boolean, n?: number, timeoutMs?: number): Promise<Array<Record<string, unknown>>>;
  alive(): boolean;
  /** GET /live on the admin listener. */
  live(): Promise<number>;
  metrics(): Promise<string>;
  /** SIGTERM and wait for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** Lines a crash leaves on stderr; none of them may ever appear. */
export const CRASH_MARKERS = /uncaught|Emitted 'error' event|ERR_STREAM_WRITE_AFTER_END|FATAL ERROR|Unhandled/i;

function getText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function startChildSidecar(upstream: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ChildSidecar> {
  const child = spawn(
    process.execPath,
    [CLI, 'run', '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--upstream', upstream, ...SIDECAR_ARGS, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = once(child, 'exit');
  const started = Date.now();
  let port = 0;
  let adminPort = 0;
  while (Date.now() - started < 15_000 && child.exitCode === null) {
    const m = /"listen":"[^"]*:(\d+)","admin":"[^"]*:(\d+)"/.exec(err);
    if (m) {
      port = Number(m[1]);
      adminPort = Number(m[2]);
      break;
    }
    await sleep(20);
  }
  if (!port) {
    child.kill('SIGKILL');
    throw new Error(`the sidecar did not start (exit ${child.exitCode}): ${err}`);
  }
  const accessLog = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes('"trace_id"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    child,
    port,
    adminPort,
    stdout: () => out,
    stderr: () => err,
    accessLog,
    async waitForLog(pred, n = 1, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lines = accessLog().filter(pred);
        if (lines.length >= n || Date.now() > deadline) return lines;
        await sleep(25);
      }
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    live: async () => (await getText(adminPort, '/live')).status,
    metrics: async () => (await getText(adminPort, '/metrics')).body,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const [code] = await exited;
      clearTimeout(t);
      return code as number | null;
    },
  };
}
