/**
 * An in-process OTLP/HTTP trace receiver on 127.0.0.1:0: decodes the JSON export request (gzip or
 * not) the way a collector does and keeps the spans with their resource for assertions.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:4318 (no path). */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  readonly spans: ReceivedSpan[];
  /** Answer every later export with this status (200 decodes and keeps the spans). */
  setStatus(status: number): void;
  waitForSpans(n: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

function value(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return undefined;
}

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

export async function startReceiver(opts: { status?: number } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const spans: ReceivedSpan[] = [];
  let answer = opts.status ?? 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers });
      if (answer !== 200) {
        res.writeHead(answer, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end(`test receiver decodes OTLP JSON only, got ${req.headers['content-type']}`);
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const doc = JSON.parse(body.toString('utf8')) as {
        resourceSpans: { resource?: { attributes?: KeyValue[] }; scopeSpans: { spans: (Omit<ReceivedSpan, 'attributes' | 'resource'> & { attributes?: KeyValue[] })[] }[] }[];
      };
      for (const rs of doc.resourceSpans) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              name: s.name,
              kind: s.kind,
              attributes: attrs(s.attributes),
              resource,
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    spans,
    setStatus(status) {
      answer = status;
    },
    async waitForSpans(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (spans.length < n) {
        if (Date.now() > deadline) throw new Error(`receiver got ${spans.length} spans, expected ${n}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return spans;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bind one, then close it. */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
