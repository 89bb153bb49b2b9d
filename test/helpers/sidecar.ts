/** Starts a real sidecar on loopback port 0 for a test, with spans captured in memory. */
import { describe, type TestOptions as DescribeOptions } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { loadConfig } from '../../src/config/load';
import type { ConfigKey } from '../../src/config/keys';
import { startSidecar, type Sidecar } from '../../src/sidecar';
import { createLogs } from '../../src/telemetry/logs';
import { silentLogger } from '../../src/telemetry/logs';

export interface TestSidecar extends Sidecar {
  spans: InMemorySpanExporter;
  base: string;
  admin: string;
}

/** An app's own API, given with --route as a user would (only WeChat Pay v3 paths are built in). */
export const APP_ROUTES: readonly string[] = ['/api/orders', '/api/orders/{out_trade_no}'];

export async function startTestSidecar(flags: Partial<Record<ConfigKey, unknown>>): Promise<TestSidecar> {
  const { config } = loadConfig({
    env: {},
    flags: { listen: '127.0.0.1:0', admin: '127.0.0.1:0', accessLog: 'off', logLevel: 'silent', hostInterval: '0', route: [...APP_ROUTES], ...flags },
  });
  const spans = new InMemorySpanExporter();
  const logs = { ...(await createLogs({ ...config, accessLog: 'off' })), logger: silentLogger() };
  const sidecar = await startSidecar(config, { spanProcessors: [new SimpleSpanProcessor({ exporter: spans })], logs });
  return Object.assign(sidecar, {
    spans,
    base: `http://127.0.0.1:${sidecar.proxyAddress.port}`,
    admin: `http://127.0.0.1:${sidecar.adminAddress.port}`,
  });
}

/** One HTTP request with node's http module, returning status, headers and text body. */
export async function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: string }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sum of a Prometheus series' values whose label set contains every given label. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Both forwarding cores: request-path suites run once per core. */
export const FORWARDERS = ['http-proxy', 'undici'] as const;
export type ForwarderKind = (typeof FORWARDERS)[number];

/** `describe` once per forwarding core, the core's name appended to the suite's. */
export function describeEachForwarder(name: string, options: DescribeOptions, fn: (forwarder: ForwarderKind) => void): void;
export function describeEachForwarder(name: string, fn: (forwarder: ForwarderKind) => void): void;
export function describeEachForwarder(name: string, a: DescribeOptions | ((f: ForwarderKind) => void), b?: (f: ForwarderKind) => void): void {
  const options = typeof a === 'function' ? {} : a;
  const fn = typeof a === 'function' ? a : (b as (f: ForwarderKind) => void);
  for (const forwarder of FORWARDERS) describe(`${name} [${forwarder}]`, options, () => fn(forwarder));
}
