/**
 * One request on the undici core: its dispatch handler, which waits at the gate for a pooled
 * connection, streams the request body (undici pauses it when the upstream socket is full) and
 * relays the response onto the ServerResponse (the controller is paused when the client's socket
 * is). Failures get the same codes and error.type values as the http-proxy core, by the one rule
 * of flight.ts: before the response head, the JSON error; after it, the client is cut.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import type { Counter } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, UPSTREAM_ERROR_TYPES } from '../telemetry/names';
import { H_TRACE_ID } from '../context/headers';
import { withoutHopByHop } from './hop-by-hop';
import type { Exchange } from './exchange';
import type { FailureHandler, ForwardOptions, UpstreamFailure } from './forward';
import { classify, protocolFailure } from './flight';
import type { UpstreamGate, Waiter } from './upstream-gate';
import { errorStatus } from '../errors';

export type Controller = Dispatcher.DispatchController;

const NO_CHUNKING: ReadonlySet<string> = new Set(['transfer-encoding']);
const NO_FRAMING: ReadonlySet<string> = new Set(['transfer-encoding', 'content-length']);

export function classifyUndiciError(err: NodeJS.ErrnoException, opts: ForwardOptions): UpstreamFailure {
  // undici's HTTPParserError: the upstream's bytes are not HTTP/1.1 (its code, when set, is llhttp's).
  if (err.name === 'HTTPParserError' || err.code?.startsWith('HPE_')) return protocolFailure((err.code ?? 'invalid_response').replace(/^HPE_/, '').toLowerCase());
  switch (err.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { code: 'PAYSIDECAR_UPSTREAM_CONNECT_TIMEOUT', errorType: UPSTREAM_ERROR_TYPES.connectTimeout, detail: `no connection within ${opts.connectTimeoutMs}ms` };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { code: 'PAYSIDECAR_UPSTREAM_TIMEOUT', errorType: UPSTREAM_ERROR_TYPES.timeout, detail: `no answer within ${opts.upstreamTimeoutMs}ms` };
    case 'ECONNREFUSED':
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.refused, detail: 'connection refused' };
    // What llhttp reports under its own codes on the http-proxy core, undici names itself: headers
    // past the parser's limit, and (for any parse error while a Content-Length body is read) a body
    // that does not match its Content-Length.
    case 'UND_ERR_HEADERS_OVERFLOW':
      return protocolFailure('header_overflow');
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return protocolFailure('content_length_mismatch');
    case 'UND_ERR_SOCKET':
      // undici's names for answers that are not HTTP for this request: a 101 to a request that
      // asked for no upgrade, and a response with no request (or a 100 nobody asked for).
      if (err.message === 'bad upgrade') return protocolFailure('101 Switching Protocols to a request that asked for no upgrade');
      if (err.message === 'bad response') return protocolFailure('a response the request did not ask for');
      // An upstream that closed mid-exchange ("other side closed"): node's client calls it ECONNRESET.
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.reset, detail: 'connection reset by upstream' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.reset, detail: 'connection reset by upstream' };
    default:
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.other, detail: err.code ?? err.message };
  }
}

/**
 * The upstream path: the target's path prefix (if any) joined with the request's, always in origin
 * form. An absolute-form request (`GET http://169.254.169.254/...`) is sent as its path only, as on
 * the http-proxy core: undici would pass it on as written, and the target is ours to pick.
 */
export function upstreamPath(target: URL, url: string): string {
  if (url.charCodeAt(0) !== 0x2f) url = originForm(url);
  if (target.pathname === '/' && target.search === '') return url;
  const path = target.pathname.replace(/\/$/, '') + url;
  if (!target.search) return path;
  return path + (url.includes('?') ? '&' + target.search.slice(1) : target.search);
}

function originForm(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return '/';
  }
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  if (length !== undefined) return length !== '0';
  return headers['transfer-encoding'] !== undefined;
}

/** What every request to one upstream origin shares. */
export interface Upstream {
  pool: Pool;
  gate: UpstreamGate;
  target: URL;
  opts: ForwardOptions;
  upstreamErrors: Counter;
  /** Errors a request was failed with: the connection's own 'disconnect' reports them again. */
  requestErrors: WeakSet<Error>;
}

/** One request's dispatch handler: relays the upstream response onto `res` with backpressure. */
export class Relay implements Dispatcher.DispatchHandler, Waiter {
  controller: Controller | undefined;
  private paused = false;
  private countBytes = false;
  /** Handed to the Pool (and counted by the gate) until undici reports its end. */
  protected holding = false;
  /** The response's 'close' has run. */
  protected closed = false;
  private readonly onDrain = (): void => {
    this.paused = false;
    this.controller?.resume();
  };

  constructor(
    protected readonly req: IncomingMessage,
    protected readonly res: ServerResponse,
    protected readonly ex: Exchange,
    private readonly onFailure: FailureHandler,
    protected readonly up: Upstream,
  ) {}

  /** Waits at the gate, then is sent; `res`'s close takes it out of the queue or aborts it. */
  start(): void {
    const { res } = this;
    res.once('close', () => this.clientClosed());
    if (res.destroyed) return;
    this.up.gate.enter(this);
  }

  send(): void {
    this.holding = true;
    try {
      this.up.pool.dispatch(this.requestOptions(), this);
    } catch (err) {
      this.onResponseError(null, err as Error);
    }
  }

  protected requestOptions(): Dispatcher.DispatchOptions {
    const { req, up } = this;
    const headers = req.headers;
    const body = hasBody(headers) ? req : null;
    // undici frames the body itself and refuses these; node answered any 100-continue already.
    delete headers['transfer-encoding'];
    delete headers['expect'];
    return { origin: up.target.origin, path: upstreamPath(up.target, req.url ?? '/'), method: req.method ?? 'GET', headers, body };
  }

  expired(): void {
    this.fail(classify(new Error('socket wait'), { timedOut: 'socketWait' }, this.up.opts));
  }

  /**
   * The client's side closed: answered, refused by the parser mid-body (answered by accept.ts while
   * the upload still streams), or gone. An exchange still running upstream is torn down, as
   * flight.ts does for the http-proxy core; one that finished has left the gate already.
   */
  protected clientClosed(): void {
    const { res, ex } = this;
    this.closed = true;
    if (!res.writableFinished && !ex.outcome) ex.clientAborted = true;
    if (!this.holding) this.up.gate.cancel(this);
    // Aborting destroys the upstream socket at once rather than waiting for the upstream's answer.
    else this.controller?.abort(new Error('client closed'));
  }

  /** Lets the next waiting request through, once. */
  protected release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.up.gate.leave();
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.closed) controller.abort(new Error('client closed'));
  }

  onResponseStart(_controller: Controller, statusCode: number, upstreamHeaders: IncomingHttpHeaders, statusText?: string): void {
    // Informational answers (103 Early Hints) are dropped, as node's client does on the http-proxy
    // core: the client gets the final answer only.
    if (statusCode < 200) return;
    const { res, ex, up } = this;
    ex.responseStarted = true;
    // The client's framing is node's to choose (content-length is kept, chunking is redone); a 204
    // has no body and carries no framing (RFC 9110 §8.6), whatever the upstream sent.
    const headers = withoutHopByHop(upstreamHeaders, false, statusCode === 204 ? NO_FRAMING : NO_CHUNKING);
    if (up.opts.isDraining?.() || (res as { shouldKeepAlive?: boolean }).shouldKeepAlive === false) headers.connection = 'close';
    headers[H_TRACE_ID] = ex.legacyTraceId;
    this.countBytes = headers['content-length'] === undefined;
    res.writeHead(statusCode, statusText || undefined, headers);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.countBytes) this.ex.countedBytes += chunk.length;
    if (!this.res.write(chunk) && !this.paused) {
      this.paused = true;
      controller.pause();
      this.res.once('drain', this.onDrain);
    }
  }

  onResponseEnd(): void {
    this.release();
    this.res.end();
  }

  onResponseError(_controller: Controller | null, err: Error): void {
    this.release();
    this.up.requestErrors.add(err);
    this.fail(classifyUndiciError(err as NodeJS.ErrnoException, this.up.opts));
  }

  protected fail(failure: UpstreamFailure): void {
    const { res, ex } = this;
    // A client gone mid-upload fails the body undici is reading, maybe before the response's
    // 'close' has run: that is the client's abort, not an upstream failure.
    if (this.closed || ex.clientAborted || res.destroyed || res.socket?.destroyed === true) return;
    ex.upstreamError = failure.errorType;
    this.up.upstreamErrors.add(1, { [ATTR_ERROR_TYPE]: failure.errorType });
    if (res.headersSent) {
      // The one rule for a started response (flight.ts): cut the client, record the failure's own
      // status and error type once.
      ex.outcome = { status: errorStatus(failure.code), errorType: failure.errorType };
      res.destroy();
    } else this.onFailure(ex, this.req, res, failure);
  }
}
