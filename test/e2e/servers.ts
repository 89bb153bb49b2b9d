/**
 * Real Prometheus and Alertmanager processes for tests: loopback ports, temp directories, bounded
 * start-up waits, killed by `stop()` (call it from `after()`). Plus a webhook receiver that records
 * what Alertmanager delivers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './tools';

import { freePort } from '../helpers/ports';

export { freePort };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value, or throws `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export interface Process {
  readonly url: string;
  readonly dir: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

async function startProcess(bin: string, args: (port: number, dir: string) => string[], files: Record<string, string>, ready: string): Promise<Process> {
  const path = requireTool(bin);
  const dir = mkdtempSync(join(tmpdir(), `paysidecar-${bin}-`));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const port = await freePort();
  const child: ChildProcess = spawn(path, args(port, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const deadline = Date.now() + 5000;
      while (!exited && Date.now() < deadline) await sleep(50);
      if (!exited) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${bin} to be ready on ${url}`, 30_000, async () => {
      if (exited) throw new Error(`${bin} exited:\n${out}`);
      const res = await fetch(`${url}${ready}`);
      return res.ok ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${bin} output:\n${out}`);
  }
  return { url, dir, output: () => out, stop };
}

/** `extraArgs` e.g. `--enable-feature=exemplar-storage`. */
export function startPrometheus(config: string, files: Record<string, string> = {}, extraArgs: string[] = []): Promise<Process> {
  return startProcess(
    'prometheus',
    (port, dir) => [
      ...extraArgs,
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { 'prometheus.yml': config, ...files },
    '/-/ready',
  );
}

export function startAlertmanager(config: string): Promise<Process> {
  return startProcess(
    'prometheus-alertmanager',
    (port, dir) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip cluster: a test instance must not bind 9094 or look for peers.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { 'alertmanager.yml': config },
    '/-/ready',
  );
}

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

export interface WebhookMessage {
  /** The path it was posted to (/pager, /ticket). */
  path: string;
  receivedAt: number;
  body: {
    version: string;
    status: 'firing' | 'resolved';
    receiver: string;
    groupLabels: Record<string, string>;
    commonLabels: Record<string, string>;
    alerts: WebhookAlert[];
  };
}

export interface WebhookReceiver {
  readonly url: string;
  readonly messages: WebhookMessage[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const messages: WebhookMessage[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        messages.push({ path: req.url ?? '', receivedAt: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookMessage['body'] });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** One PromQL instant query; returns the result vector. */
export async function instantQuery(prometheusUrl: string, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${body.error}: ${expr}`);
  return body.data!.result;
}

export interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

/** /api/v1/query_exemplars over [startSec, endSec] (Prometheus with --enable-feature=exemplar-storage). */
export async function queryExemplars(prometheusUrl: string, expr: string, startSec: number, endSec: number): Promise<ExemplarSeries[]> {
  const params = new URLSearchParams({ query: expr, start: String(startSec), end: String(endSec) });
  const res = await fetch(`${prometheusUrl}/api/v1/query_exemplars?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data?: ExemplarSeries[] };
  if (body.status !== 'success') throw new Error(`exemplar query failed: ${body.error}: ${expr}`);
  return body.data ?? [];
}

/** One PromQL range query; returns the matrix. */
export async function rangeQuery(prometheusUrl: string, expr: string, startSec: number, endSec: number, stepSec: number): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
  const params = new URLSearchParams({ query: expr, start: String(startSec), end: String(endSec), step: String(stepSec) });
  const res = await fetch(`${prometheusUrl}/api/v1/query_range?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${body.error}: ${expr}`);
  return body.data!.result;
}
