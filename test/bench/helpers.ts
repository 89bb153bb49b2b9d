/** Bench test helpers: a loopback target with a scriptable stall, header capture, and a CLI runner. */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TRAFFIC_PROD } from '../../src/telemetry/names';
import type { BenchPlan } from '../../src/bench/run';
import { RateSchedule } from '../../src/bench/schedule';
import { SingleTarget } from '../../src/bench/target';
import { DEFAULT_THRESHOLDS } from '../../src/bench/verdict';

export const REPO = join(__dirname, '..', '..', '..');
export const CLI = join(REPO, 'dist', 'src', 'cli', 'main.js');

export interface Target {
  url: string;
  port: number;
  /** Headers of every request received, in order (only when `keepHeaders`). */
  headers: IncomingHttpHeaders[];
  count(): number;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** Added to every response, ms (bounds CPU in closed-loop tests). */
  delayMs?: number;
  /** Hold every response from `stall.fromMs` to `stall.toMs` after the first request arrives. */
  stall?: { fromMs: number; toMs: number };
  keepHeaders?: boolean;
  status?: number;
}

export async function startTarget(o: TargetOptions = {}): Promise<Target> {
  let first: number | undefined;
  let n = 0;
  const headers: IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    const now = performance.now();
    first ??= now;
    n++;
    if (o.keepHeaders) headers.push(req.headers);
    let wait = o.delayMs ?? 0;
    if (o.stall) {
      const since = now - first;
      if (since >= o.stall.fromMs && since < o.stall.toMs) wait = Math.max(wait, o.stall.toMs - since);
    }
    const answer = () => {
      res.writeHead(o.status ?? 200, { 'content-type': 'text/plain', 'content-length': 2 });
      res.end('ok');
    };
    req.resume();
    if (wait > 0) setTimeout(answer, wait);
    else answer();
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    headers,
    count: () => n,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A plan as the CLI would build it, for in-process runs. */
export function plan(url: string, o: { rate?: number; connections?: number; durationMs?: number; requests?: number } = {}): BenchPlan {
  const connections = o.connections ?? (o.rate ? 100 : 10);
  const durationMs = o.durationMs ?? (o.requests ? Infinity : 2000);
  return {
    meta: { label: 'test', mode: o.rate ? 'open' : 'closed', target: `GET ${url}`, traffic: TRAFFIC_PROD, connections, ...(o.rate ? { rate: o.rate } : {}) },
    source: new SingleTarget({ url: new URL(url), method: 'GET', headers: [] }),
    schedule: o.rate ? new RateSchedule([{ rate: o.rate, durationMs }]) : undefined,
    durationMs,
    maxRequests: o.requests ?? Infinity,
    timeoutMs: 5000,
    maxOutstanding: 10_000,
    traceIds: true,
    thresholds: DEFAULT_THRESHOLDS,
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `paysidecar <args>` with pipes (so not a TTY); killed after `timeoutMs`. */
export function runCli(args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
