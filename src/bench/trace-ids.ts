/**
 * W3C traceparent for bench requests, so a slow request in the report can be looked up in the
 * sidecar's logs and traces by its trace id. Ids are a random per-run prefix plus a counter:
 * unique without paying for 16 random bytes per request.
 */
import { randomBytes } from 'node:crypto';
import { H_TRACEPARENT } from '../context/headers';

export class TraceIds {
  readonly #prefix = randomBytes(8).toString('hex');
  readonly #spanPrefix = randomBytes(4).toString('hex');
  #n = 0;

  /** A new trace id (32 lower-case hex) and its traceparent header value, sampled. */
  next(): { traceId: string; traceparent: string } {
    const n = ++this.#n;
    const counter = n.toString(16).padStart(16, '0');
    const traceId = this.#prefix + counter;
    const spanId = this.#spanPrefix + (n & 0xffffffff).toString(16).padStart(8, '0');
    return { traceId, traceparent: `00-${traceId}-${spanId}-01` };
  }

  static readonly header = H_TRACEPARENT;
}
