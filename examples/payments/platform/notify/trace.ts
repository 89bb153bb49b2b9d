/**
 * The mock echoes the trace of the request that created an order onto its callbacks (same trace
 * id, a fresh parent span id), so a sidecar in front of the merchant sees the callback in the
 * same trace as the order. The real platform does not do this; it stands in for a traced hop.
 */
import { randomBytes } from 'node:crypto';
import { H_TRACEPARENT, H_TRACE_ID } from '../../../../src/context/headers';
import type { TraceCarrier } from '../store';

const TRACEPARENT_RE = /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/;

export function traceFromHeaders(headers: Record<string, string | string[] | undefined>): TraceCarrier {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const tp = one(headers[H_TRACEPARENT]);
  const xt = one(headers[H_TRACE_ID]);
  return { traceparent: tp && TRACEPARENT_RE.test(tp) ? tp : undefined, xTraceId: xt || undefined };
}

export function callbackTraceHeaders(trace: TraceCarrier): Record<string, string> {
  const out: Record<string, string> = {};
  const m = trace.traceparent ? TRACEPARENT_RE.exec(trace.traceparent) : null;
  if (m) out[H_TRACEPARENT] = `00-${m[1]}-${randomBytes(8).toString('hex')}-${m[2]}`;
  if (trace.xTraceId) out[H_TRACE_ID] = trace.xTraceId;
  return out;
}
