/**
 * The load client: undici driven through `dispatch` with a minimal handler (no streams, no
 * promises per request) so the client is not the bottleneck it is measuring. The open loop shares
 * one Pool per origin; a closed-loop worker pins its own Client (one connection), which spares
 * the pool's search for a free connection and its drain events on every request.
 */
import { Client, Pool, type Dispatcher } from 'undici';
import { UPSTREAM_ERROR_TYPES } from '../telemetry/names';
import type { Outcome, PlannedRequest } from './request';

export interface HttpClientOptions {
  /** Max connections per origin. */
  connections: number;
  /** Per-request headers/body timeout, ms. */
  timeoutMs: number;
}

/** Short, stable names for transport failures; the sidecar's upstream error types where they overlap. */
function classifyError(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string } };
  const code = e?.code === 'UND_ERR_SOCKET' && e.cause?.code ? e.cause.code : e?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return UPSTREAM_ERROR_TYPES.refused;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return UPSTREAM_ERROR_TYPES.reset;
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return UPSTREAM_ERROR_TYPES.timeout;
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return UPSTREAM_ERROR_TYPES.connectTimeout;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
      return 'aborted';
    default:
      return typeof code === 'string' ? code.toLowerCase() : UPSTREAM_ERROR_TYPES.other;
  }
}

/** undici's DispatchHandler (the controller API, undici 7+): the bench reads status and, when asked, the body. */
class Handler implements Dispatcher.DispatchHandler {
  private status = 0;
  private readonly chunks: Buffer[] | undefined;
  private readonly req: PlannedRequest;
  private readonly done: (o: Outcome) => void;

  constructor(req: PlannedRequest, done: (o: Outcome) => void) {
    this.req = req;
    this.done = done;
    this.chunks = req.onResponse ? [] : undefined;
  }

  // undici 8 checks that a handler has every controller-API method, used or not.
  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks?.push(chunk);
  }

  onResponseEnd(): void {
    if (this.chunks && this.req.onResponse) {
      try {
        this.req.onResponse(this.status, Buffer.concat(this.chunks));
      } catch {
        // A source failing to read one body must not take the run down; the status still counts.
      }
    }
    this.done({ status: this.status });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.done({ error: classifyError(err) });
  }
}

export class HttpClient {
  private readonly dispatchers = new Map<string, Dispatcher>();
  /** lane → origin → its Client: looked up per request, so no key string is built on the hot path. */
  private readonly lanes: Map<string, Dispatcher>[] = [];
  private readonly options: HttpClientOptions;

  constructor(options: HttpClientOptions) {
    this.options = options;
  }

  private connectionOptions(pipelining: number) {
    return {
      pipelining,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
      connectTimeout: Math.min(this.options.timeoutMs, 10_000),
    };
  }

  /** The shared pool for `origin`, or worker `lane`'s own connection to it. */
  private dispatcher(origin: string, lane: number | undefined): Dispatcher {
    const byOrigin = lane === undefined ? this.dispatchers : (this.lanes[lane] ??= new Map());
    let d = byOrigin.get(origin);
    if (!d) {
      // A worker's Client never has a second request to pipeline (the next is sent when the last
      // answer is in), but with pipelining 1 undici waits an extra event-loop turn before reusing
      // the socket; 2 skips that turn (its idle-socket check before each write still runs),
      // halving the loop iterations per request. The shared pool stays at 1: there a second
      // request could really queue behind a slow one on the same connection.
      d = lane === undefined ? new Pool(origin, { connections: this.options.connections, ...this.connectionOptions(1) }) : new Client(origin, this.connectionOptions(2));
      byOrigin.set(origin, d);
    }
    return d;
  }

  /** `headers` is the complete flat list to send; `lane` pins a closed-loop worker to its connection. */
  send(req: PlannedRequest, headers: string[], done: (o: Outcome) => void, lane?: number): void {
    try {
      this.dispatcher(req.origin, lane).dispatch({ origin: req.origin, method: req.method, path: req.path, headers, body: req.body ?? null }, new Handler(req, done));
    } catch (err) {
      done({ error: classifyError(err) });
    }
  }

  /** Closes every connection; `force` aborts requests still in flight. */
  async close(force = false): Promise<void> {
    const all = [...this.dispatchers.values(), ...this.lanes.flatMap((m) => [...m.values()])];
    this.dispatchers.clear();
    this.lanes.length = 0;
    await Promise.all(all.map((d) => (force ? d.destroy() : d.close()).catch(() => undefined)));
  }
}
