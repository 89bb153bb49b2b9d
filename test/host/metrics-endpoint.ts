/**
 * A real Prometheus /metrics endpoint on 127.0.0.1:0 backed by an SDK MeterProvider, the way the
 * sidecar's admin server serves one, plus a small exposition parser for assertions.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Meter } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

export interface MetricsEndpoint {
  readonly meter: Meter;
  readonly url: string;
  /** GET /metrics over HTTP; resolves with the body and how long the scrape took (ms). */
  scrape(): Promise<{ text: string; ms: number }>;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(): Promise<MetricsEndpoint> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const server = http.createServer((req, res) => exporter.getMetricsRequestHandler(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  return {
    meter: provider.getMeter('paysidecar-test'),
    url,
    async scrape() {
      const started = performance.now();
      const res = await fetch(url);
      const text = await res.text();
      return { text, ms: performance.now() - started };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await provider.shutdown();
    },
  };
}

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of `name` whose labels include all of `labels`. */
export function samples(text: string, name: string, labels: Record<string, string> = {}): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m || m[1] !== name) continue;
    const parsed: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) parsed[l[1]] = l[2];
    if (Object.entries(labels).every(([k, v]) => parsed[k] === v)) out.push({ labels: parsed, value: Number(m[3]) });
  }
  return out;
}

/** The single sample of `name` with `labels`; fails loudly when absent or ambiguous. */
export function one(text: string, name: string, labels: Record<string, string> = {}): number {
  const found = samples(text, name, labels);
  if (found.length !== 1) throw new Error(`expected one ${name}${JSON.stringify(labels)} sample, found ${found.length}`);
  return found[0].value;
}

export function sum(text: string, name: string, labels: Record<string, string> = {}): number {
  return samples(text, name, labels).reduce((a, s) => a + s.value, 0);
}
