/**
 * Every error code paysidecar answers with, and its HTTP status. Codes are stable: users grep for
 * them in logs and runbooks, so never rename one.
 */

export const ERROR_CODES = {
  /** The upstream refused or reset the connection, or failed before answering. */
  PAYSIDECAR_UPSTREAM_UNAVAILABLE: { status: 502, message: 'upstream is unavailable' },
  /** The upstream accepted the request but did not answer in time. */
  PAYSIDECAR_UPSTREAM_TIMEOUT: { status: 504, message: 'upstream did not answer in time' },
  /** The upstream could not be connected to within the connect timeout. */
  PAYSIDECAR_UPSTREAM_CONNECT_TIMEOUT: { status: 504, message: 'upstream connect timed out' },
  /** Every upstream socket stayed busy for the socket-wait timeout (a queue, not a slow answer). */
  PAYSIDECAR_UPSTREAM_BUSY: { status: 503, message: 'no upstream connection became free in time' },
  /** The upstream's answer is not valid HTTP/1.1 for this request (e.g. a 101 to a plain request). */
  PAYSIDECAR_UPSTREAM_PROTOCOL_ERROR: { status: 502, message: 'upstream answered with invalid HTTP' },
  /** The request's headers exceed the configured limit. */
  PAYSIDECAR_HEADERS_TOO_LARGE: { status: 431, message: 'request header fields too large' },
  /** The client took too long to send its request headers. */
  PAYSIDECAR_REQUEST_TIMEOUT: { status: 408, message: 'request headers were not received in time' },
  /** The request could not be parsed as HTTP. */
  PAYSIDECAR_BAD_REQUEST: { status: 400, message: 'malformed HTTP request' },
  /** Still in flight, with nothing sent yet, when the drain deadline passed. */
  PAYSIDECAR_DRAINING: { status: 503, message: 'sidecar is shutting down' },
  /** Too many requests in flight (load shedding). */
  PAYSIDECAR_OVERLOADED: { status: 503, message: 'too many requests in flight' },
  /** A debug endpoint was called from a non-loopback peer without the token. */
  PAYSIDECAR_DEBUG_FORBIDDEN: { status: 403, message: 'debug endpoints need a loopback peer or the debug token' },
  /** A profile or trace capture is already running. */
  PAYSIDECAR_CAPTURE_BUSY: { status: 409, message: 'a capture is already running' },
  /** A query parameter of an admin endpoint is out of range. */
  PAYSIDECAR_BAD_PARAMETER: { status: 400, message: 'bad parameter' },
  /** Unknown admin route. */
  PAYSIDECAR_NOT_FOUND: { status: 404, message: 'not found' },
  /** An admin or debug endpoint was called with a method it does not serve. */
  PAYSIDECAR_METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed' },
  /** Anything unexpected inside the sidecar itself. */
  PAYSIDECAR_INTERNAL: { status: 500, message: 'internal sidecar error' },

} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A table of codes like ERROR_CODES; the included example keeps its own (examples/payments/gateway/errors.ts). */
export type ErrorCatalog = Record<string, { readonly status: number; readonly message: string }>;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  trace_id?: string;
}

export function errorBody(code: ErrorCode, detail?: string, traceId?: string): ErrorBody {
  const base = ERROR_CODES[code].message;
  const body: ErrorBody = { code, message: detail ? `${base}: ${detail}` : base };
  if (traceId) body.trace_id = traceId;
  return body;
}

export function errorStatus(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/** Thrown for configuration problems; the CLI prints `problems` one per line and exits 2. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
