/**
 * Warms the client's own hot path before the clock starts. undici's parser (WebAssembly) and the
 * request path take a few hundred milliseconds of traffic to be tiered up by V8; measured, the
 * first half second of a cold closed-loop run managed a tenth of its later rate. Rather than
 * charge that to the target (or send it extra unmeasured requests), the client exercises the
 * same code against a throwaway server on loopback, once per process.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TRAFFIC_PROD } from '../telemetry/names';
import { ClosedLoop } from './closed-loop';
import { HttpClient } from './http-client';
import { Recorder } from './recorder';
import type { RunMeta } from './report';
import { SingleTarget } from './target';
import { TraceIds } from './trace-ids';

const WARM_UP_REQUESTS = 4000;
const WARM_UP_MAX_MS = 1500;
const WARM_UP_CONNECTIONS = 8;

let warmed: Promise<void> | undefined;

export function warmUpClient(): Promise<void> {
  warmed ??= run().catch(() => undefined);
  return warmed;
}

async function run(): Promise<void> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': 2 });
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const client = new HttpClient({ connections: WARM_UP_CONNECTIONS, timeoutMs: 2000 });
  const clock = () => performance.now();
  const t0 = clock();
  const meta: RunMeta = { label: 'warm-up', mode: 'closed', target: url.href, traffic: TRAFFIC_PROD, connections: WARM_UP_CONNECTIONS };
  const recorder = new Recorder({ meta, tool: 'warm-up', t0, startedAtMs: Date.now() });
  const source = new SingleTarget({ url, method: 'GET', headers: [] });
  try {
    await new ClosedLoop(
      { client, source, recorder, traceIds: new TraceIds(), clock },
      { connections: WARM_UP_CONNECTIONS, durationMs: WARM_UP_MAX_MS, maxRequests: WARM_UP_REQUESTS, drainMs: 2000 },
    ).run(t0);
  } finally {
    await client.close(true);
    server.closeAllConnections();
    server.close();
  }
}
