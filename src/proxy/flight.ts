/**
 * One upstream request in flight, whichever core sends it: its three bounded waits (a free socket,
 * the connection, the answer), how a failure is classified, and the one rule for ending it.
 *
 * The rule: before the upstream's response head has arrived, a failure is answered with the JSON
 * error and its code; after it, the client connection is destroyed, so the client sees a truncated
 * response and never the sidecar's error on top of the app's status and headers. Either way the
 * exchange is settled once and the record stage reads how it ended from the Exchange.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Counter } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, UPSTREAM_ERROR_TYPES } from '../telemetry/names';
import { errorStatus, type ErrorCode } from '../errors';
import type { Exchange } from './exchange';

export interface FlightTimeouts {
  upstreamTimeoutMs: number;
  connectTimeoutMs: number;
  /** How long a request may queue for a pooled upstream socket (0 = unbounded). */
  socketWaitTimeoutMs: number;
}

export interface UpstreamFailure {
  code: ErrorCode;
  errorType: string;
  detail: string;
}

export type FailureHandler = (ex: Exchange, req: IncomingMessage, res: ServerResponse, failure: UpstreamFailure) => void;

export interface Flight {
  ex: Exchange;
  req: IncomingMessage;
  res: ServerResponse;
  onFailure: FailureHandler;
  upstreamReq?: ClientRequest;
  upstreamRes?: IncomingMessage;
  timedOut?: 'timeout' | 'connect' | 'socketWait';
  /** Set once the outcome is decided; later errors of the same request are echoes. */
  settled?: boolean;
  /** What watchUpstream() was given: its listeners are shared functions that find the flight on the request. */
  timeouts?: FlightTimeouts;
  upstreamErrors?: Counter;
  socketWait?: NodeJS.Timeout;
  /** Where the request goes (the http-proxy core reads it in its shared send function). */
  target?: URL;
}

export function protocolFailure(detail: string): UpstreamFailure {
  return { code: 'PAYSIDECAR_UPSTREAM_PROTOCOL_ERROR', errorType: UPSTREAM_ERROR_TYPES.protocol, detail };
}

export function classify(err: NodeJS.ErrnoException, f: Pick<Flight, 'timedOut'>, t: FlightTimeouts): UpstreamFailure {
  switch (f.timedOut) {
    case 'socketWait':
      return { code: 'PAYSIDECAR_UPSTREAM_BUSY', errorType: UPSTREAM_ERROR_TYPES.socketWaitTimeout, detail: `every upstream socket stayed busy for ${t.socketWaitTimeoutMs}ms (--socket-wait-timeout; --max-sockets)` };
    case 'connect':
      return { code: 'PAYSIDECAR_UPSTREAM_CONNECT_TIMEOUT', errorType: UPSTREAM_ERROR_TYPES.connectTimeout, detail: `no connection within ${t.connectTimeoutMs}ms` };
    case 'timeout':
      return { code: 'PAYSIDECAR_UPSTREAM_TIMEOUT', errorType: UPSTREAM_ERROR_TYPES.timeout, detail: `no answer within ${t.upstreamTimeoutMs}ms` };
  }
  // llhttp's codes: the upstream's bytes are not HTTP/1.1 (bad chunk, bad status line, bytes past the end).
  if (err.code?.startsWith('HPE_')) return protocolFailure(err.code.slice(4).toLowerCase());
  switch (err.code) {
    case 'ECONNREFUSED':
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.refused, detail: 'connection refused' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.reset, detail: 'connection reset by upstream' };
    default:
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.other, detail: err.code ?? 'upstream request failed' };
  }
}

const FLIGHT = Symbol('paysidecar.flight');
type Watched = ClientRequest & { [FLIGHT]?: Flight };

/**
 * Starts the three timers on a request just handed to the agent; each names what it waited for.
 * Every listener here is one shared function that finds its flight on the request, not a closure
 * per request: this runs for every forwarded request, and its allocations showed in the garbage
 * collector's share of a saturated profile.
 */
export function watchUpstream(f: Flight, upstreamReq: ClientRequest, t: FlightTimeouts, upstreamErrors: Counter): void {
  f.upstreamReq = upstreamReq;
  f.timeouts = t;
  f.upstreamErrors = upstreamErrors;
  (upstreamReq as Watched)[FLIGHT] = f;
  // http.Agent queues requests beyond maxSockets with no timer of its own: 'socket' is the end of the queue.
  if (t.socketWaitTimeoutMs > 0) f.socketWait = setTimeout(expireSocketWait, t.socketWaitTimeoutMs, f);
  upstreamReq.once('socket', onUpstreamSocket);
  upstreamReq.once('close', onUpstreamClose);
  // An idle timer on the socket once connected: covers both the wait for the head and stalls mid-body.
  upstreamReq.setTimeout(t.upstreamTimeoutMs);
  upstreamReq.once('timeout', onUpstreamIdle);
}

/** The flight an upstream request belongs to, for listeners shared by every request. */
export function flightOfUpstream(upstreamReq: ClientRequest): Flight | undefined {
  return (upstreamReq as Watched)[FLIGHT];
}

function expire(f: Flight, why: NonNullable<Flight['timedOut']>): void {
  const upstreamReq = f.upstreamReq;
  if (!upstreamReq || !f.timeouts || !f.upstreamErrors) return;
  f.timedOut ??= why;
  const err = Object.assign(new Error(`upstream ${why} timeout`), { code: 'ETIMEDOUT' });
  // Settled here, not on the request's 'error': a request still queued in the agent emits
  // nothing until a socket frees, which is the very wait that timed out.
  failFlight(f, classify(err, f, f.timeouts), f.upstreamErrors);
  upstreamReq.destroy(err);
}

function expireSocketWait(f: Flight): void {
  expire(f, 'socketWait');
}

function expireConnect(f: Flight): void {
  expire(f, 'connect');
}

function onUpstreamIdle(this: Watched): void {
  const f = this[FLIGHT];
  if (f) expire(f, 'timeout');
}

function onUpstreamClose(this: Watched): void {
  clearTimeout(this[FLIGHT]?.socketWait);
}

function onUpstreamSocket(this: Watched, socket: Socket): void {
  const f = this[FLIGHT];
  if (!f) return;
  clearTimeout(f.socketWait);
  // Only a new connection waits to connect; a pooled one is already there (the common case).
  if (!socket.connecting || !f.timeouts) return;
  const connect = setTimeout(expireConnect, f.timeouts.connectTimeoutMs, f);
  const clear = () => clearTimeout(connect);
  socket.once('connect', clear);
  socket.once('close', clear);
}

/**
 * The response head arrived. A 204 never has a body and neither carries framing headers (RFC 9110
 * §8.6, RFC 9112 §6.1): passed on, they would make a client wait for a body that never comes.
 */
export function responseStarted(f: Flight, upstreamRes: IncomingMessage): void {
  f.upstreamRes = upstreamRes;
  f.ex.responseStarted = true;
  const status = upstreamRes.statusCode ?? 0;
  if (status === 204 || status === 304) delete upstreamRes.headers['transfer-encoding'];
  if (status === 204) delete upstreamRes.headers['content-length'];
}

/** Ends the flight with a failure, exactly once, by the rule above. */
export function failFlight(f: Flight, failure: UpstreamFailure, upstreamErrors: Counter): void {
  if (f.settled) return;
  const { ex, res } = f;
  if (ex.clientAborted || res.destroyed) {
    f.settled = true;
    f.upstreamReq?.destroy();
    return;
  }
  upstreamErrors.add(1, { [ATTR_ERROR_TYPE]: failure.errorType });
  if (f.upstreamRes?.complete) {
    // The response already arrived whole as framed (e.g. bytes past its Content-Length): it is
    // passed on as framed, the broken upstream connection is dropped, and the excess counted.
    f.settled = true;
    return;
  }
  f.settled = true;
  f.upstreamReq?.destroy();
  ex.upstreamError = failure.errorType;
  if (f.upstreamRes || res.headersSent) {
    ex.outcome = { status: errorStatus(failure.code), errorType: failure.errorType };
    res.destroy();
    return;
  }
  f.onFailure(ex, f.req, res, failure);
}

/**
 * The client side ended (answered, or gone): an upstream request still running is torn down, but a
 * finished one is left alone, as its socket may already be back in the pool.
 */
export function onClientClose(f: Flight): void {
  if (!f.res.writableFinished && !f.ex.outcome) f.ex.clientAborted = true;
  if (f.upstreamRes?.complete) return;
  f.settled = true;
  f.upstreamReq?.destroy();
}
