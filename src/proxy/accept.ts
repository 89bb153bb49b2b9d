/**
 * The proxy listener: limits on what a client may send before a request is proxied. Oversized
 * headers get 431 and headers that never finish arriving (slow loris) get 408, both as JSON with a
 * stable code, and both counted; a parse error never reaches the process.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Counter, Meter } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, CLIENT_ERRORS } from '../telemetry/names';
import { sendSocketError } from './error-response';
import { sendJsonError } from '../net/json-error';
import { H_TRACE_ID } from '../context/headers';
import { exchangeOf } from './exchange';
import { errorStatus, type ErrorCode } from '../errors';

/** llhttp's reason for a refusal: a fixed phrase of the parser's, never the client's bytes. */
function parserReason(err: { reason?: unknown; code?: string }): string | undefined {
  const reason = typeof err.reason === 'string' ? err.reason : undefined;
  return reason && /^[\x20-\x7e]{1,120}$/.test(reason) ? reason : err.code;
}

export interface AcceptOptions {
  maxHeaderSize: number;
  headersTimeoutMs: number;
}

export interface AcceptHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/**
 * Upgraded (WebSocket) sockets leave node's HTTP connection tracking, so closeAllConnections()
 * never reaches them and server.close() would wait on them forever; the drain closes them itself.
 */
export const UPGRADED = Symbol('paysidecar.upgraded');
export type UpgradeTracking = http.Server & { [UPGRADED]?: Set<Duplex> };

/** The accept backlog the listener asks for (the kernel caps it at net.core.somaxconn). */
export const LISTEN_BACKLOG = 511;

export function createProxyListener(meter: Meter, opts: AcceptOptions, handlers: AcceptHandlers): http.Server {
  const clientErrors: Counter = meter.createCounter(CLIENT_ERRORS.otel, { description: CLIENT_ERRORS.description, unit: CLIENT_ERRORS.unit });
  const server = http.createServer({
    maxHeaderSize: opts.maxHeaderSize,
    headersTimeout: opts.headersTimeoutMs,
    // Bodies may legitimately stream for a long time (large uploads); only header arrival is bounded.
    requestTimeout: 0,
    // How often node checks headersTimeout: the default 30 s would let a slow-loris client hold a
    // connection for up to headersTimeout + 30 s.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(opts.headersTimeoutMs / 2))),
  });
  server.on('request', handlers.request);
  const upgraded = new Set<Duplex>();
  (server as UpgradeTracking)[UPGRADED] = upgraded;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removes its own error listener from an upgraded socket: a client leaving (EPIPE,
    // ECONNRESET) would otherwise be an unhandled 'error' that ends the process.
    socket.on('error', () => socket.destroy());
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    handlers.upgrade(req, socket, head);
  });
  // A sidecar in front of one app is no forward proxy: CONNECT tunnels are refused, and counted.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    sendSocketError(socket, 'PAYSIDECAR_METHOD_NOT_ALLOWED');
    clientErrors.add(1, { [ATTR_ERROR_TYPE]: 'connect_refused' });
  });
  server.on('clientError', (err: NodeJS.ErrnoException & { reason?: unknown }, socket: Duplex) => {
    let type = 'bad_request';
    let code: ErrorCode | undefined = 'PAYSIDECAR_BAD_REQUEST';
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      type = 'headers_too_large';
      code = 'PAYSIDECAR_HEADERS_TOO_LARGE';
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      type = 'headers_timeout';
      code = 'PAYSIDECAR_REQUEST_TIMEOUT';
    } else if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'HPE_INVALID_EOF_STATE') {
      // The client left mid-request (a reset, or its end of the connection mid-body): nothing to answer.
      type = 'client_reset';
      code = undefined;
    }
    clientErrors.add(1, { [ATTR_ERROR_TYPE]: type });
    // The parser can refuse a request after its head was accepted (its body: a bad chunk, an
    // unknown Transfer-Encoding): that request is in flight and must end through its own record.
    const res = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    const ex = exchangeOf(res);
    if (res && ex && code && !res.headersSent && !res.writableEnded) {
      ex.outcome = { errorType: type };
      res.setHeader('connection', 'close');
      sendJsonError(res, code, { detail: parserReason(err), traceId: ex.trace.traceId, headers: { [H_TRACE_ID]: ex.legacyTraceId } });
      return;
    }
    if (res && ex) {
      // Too late to answer: cut. A client that reset is recorded by the request as its abort.
      if (code) ex.outcome ??= { status: errorStatus(code), errorType: type };
      socket.destroy();
      return;
    }
    if (code) sendSocketError(socket, code);
    else socket.destroy();
  });
  return server;
}
