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
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    handlers.upgrade(req, socket, head);
  });
  // A sidecar in front of one app is no forward proxy: CONNECT tunnels are refused, and counted.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    sendSocketError(socket, 'PAYSIDECAR_METHOD_NOT_ALLOWED');
    clientErrors.add(1, { [ATTR_ERROR_TYPE]: 'connect_refused' });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    let type = 'bad_request';
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      type = 'headers_too_large';
      sendSocketError(socket, 'PAYSIDECAR_HEADERS_TOO_LARGE');
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      type = 'headers_timeout';
      sendSocketError(socket, 'PAYSIDECAR_REQUEST_TIMEOUT');
    } else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      // The client left mid-request: nothing to answer.
      type = 'client_reset';
      socket.destroy();
    } else {
      sendSocketError(socket, 'PAYSIDECAR_BAD_REQUEST');
    }
    clientErrors.add(1, { [ATTR_ERROR_TYPE]: type });
  });
  return server;
}
