/**
 * Keeps the caller's trace on the gateway's calls to the platform. With the paysidecar agent
 * loaded, an active span exists and the agent injects `traceparent` and X-Trace-ID itself, so
 * nothing is copied; without it the inbound trace headers are forwarded verbatim.
 */
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { H_TRACEPARENT, H_TRACESTATE, H_TRACE_ID } from '../../../src/context/headers';

export function outboundTraceHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const copy = (name: string) => {
    const v = request.headers[name];
    const one = Array.isArray(v) ? v[0] : v;
    if (one) out[name] = one;
  };
  const active = trace.getSpanContext(context.active());
  if (active && isSpanContextValid(active)) return out;
  copy(H_TRACE_ID);
  copy(H_TRACEPARENT);
  copy(H_TRACESTATE);
  return out;
}
