/**
 * The one JSON error writer for every listener of the product (the proxy, the admin server,
 * /debug/pprof, the agent's listener): the same headers everywhere, the body
 * `{code, message, trace_id?}` and the status from ERROR_CODES (src/errors.ts). Never throws,
 * whatever state the response is in: the agent's listener runs inside the app.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorBody, errorStatus, type ErrorCode } from '../errors';

export interface JsonErrorOptions {
  /** Appended to the code's message: what was wrong, in words the caller can act on. */
  detail?: string;
  /** The request's trace id, so the caller can find the trace. */
  traceId?: string;
  /** Extra headers, e.g. Allow on a 405; they cannot replace the ones below. */
  headers?: OutgoingHttpHeaders;
}

export interface JsonError {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
}

/** The status, headers and body, for a writer that has no ServerResponse (a raw socket). */
export function jsonError(code: ErrorCode, opts: JsonErrorOptions = {}): JsonError {
  // The newline: a terminal showing `curl` output starts the prompt on a line of its own.
  const body = JSON.stringify(errorBody(code, opts.detail, opts.traceId)) + '\n';
  return {
    status: errorStatus(code),
    headers: {
      ...opts.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      // An error is about this one request: a cache must never answer the next one with it.
      'cache-control': 'no-store',
    },
    body,
  };
}

export function sendJsonError(res: ServerResponse, code: ErrorCode, opts: JsonErrorOptions = {}): void {
  if (res.writableEnded) return;
  if (res.headersSent || res.destroyed) {
    // Part of another answer is already on the wire: the only honest signal left is to cut it.
    res.destroy();
    return;
  }
  const e = jsonError(code, opts);
  try {
    res.writeHead(e.status, e.headers);
    res.end(e.body);
  } catch {
    // An invalid extra header value: no answer is better than an exception in the caller's listener.
    res.destroy();
  }
}
