/** Writes a JSON error body with a stable code; never throws, whatever state the response is in. */
import http, { type ServerResponse } from 'node:http';
import { errorBody, errorStatus, type ErrorCode } from '../errors';
import { H_TRACE_ID } from '../context/headers';

export function sendError(res: ServerResponse, code: ErrorCode, detail?: string, traceId?: string, legacyTraceId?: string): void {
  if (res.writableEnded) return;
  if (res.headersSent || res.destroyed) {
    // Part of the upstream's response is already on the wire: the only honest signal left is to cut it.
    res.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(code, detail, traceId));
  res.writeHead(errorStatus(code), {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(legacyTraceId ? { [H_TRACE_ID]: legacyTraceId } : {}),
  });
  res.end(body);
}

/** The same JSON error on a raw socket, for failures before an HTTP response object exists. */
export function sendSocketError(socket: import('node:stream').Duplex, code: ErrorCode): void {
  if (socket.destroyed || !socket.writable) return;
  const body = JSON.stringify(errorBody(code));
  const status = errorStatus(code);
  const reason = http.STATUS_CODES[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
