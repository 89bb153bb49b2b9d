/**
 * The proxy listener's errors before an HTTP response object exists (a parse error, oversized or
 * slow headers, a CONNECT): the same JSON error as src/net/json-error.ts, written on the raw
 * socket with `Connection: close`, since the connection's framing can no longer be trusted.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../errors';
import { jsonError } from '../net/json-error';

export function sendSocketError(socket: Duplex, code: ErrorCode): void {
  if (socket.destroyed || !socket.writable) return;
  const e = jsonError(code, { headers: { connection: 'close' } });
  const head = Object.entries(e.headers).map(([name, value]) => `${name}: ${String(value)}\r\n`).join('');
  socket.end(`HTTP/1.1 ${e.status} ${http.STATUS_CODES[e.status] ?? 'Error'}\r\n${head}\r\n${e.body}`);
}
