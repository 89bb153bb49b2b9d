/**
 * Trace context for one request: continue a valid incoming `traceparent` (a new span id goes
 * upstream), start a fresh trace for an absent or invalid one, and derive the legacy X-Trace-ID.
 */
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace, defaultTextMapGetter, type Context, type Counter, type Meter, type Span, type Tracer, type Attributes } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { IncomingHttpHeaders } from 'node:http';
import { TRACE_INVALID_PARENT } from '../telemetry/names';
import { H_TRACEPARENT, H_TRACESTATE, TRACE_ID_PREFIX_PROD, TRACE_ID_PREFIX_STRESS } from './headers';

const w3c = new W3CTraceContextPropagator();

export interface TraceInstruments {
  invalidParent: Counter;
}

export function createTraceInstruments(meter: Meter): TraceInstruments {
  return {
    invalidParent: meter.createCounter(TRACE_INVALID_PARENT.otel, { description: TRACE_INVALID_PARENT.description, unit: TRACE_INVALID_PARENT.unit }),
  };
}

export interface RequestTrace {
  span: Span;
  /** Context holding `span`, built on first read (the request path itself never needs it). */
  readonly context: Context;
  traceId: string;
  spanId: string;
  /** An incoming traceparent was present but invalid. */
  invalidParent: boolean;
}

export function startRequestTrace(
  tracer: Tracer,
  instruments: TraceInstruments,
  headers: IncomingHttpHeaders,
  name: string,
  attributes: Attributes,
  startTime: number,
): RequestTrace {
  const hasParent = headers[H_TRACEPARENT] !== undefined;
  const parent = hasParent ? w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) : ROOT_CONTEXT;
  const invalidParent = hasParent && trace.getSpanContext(parent) === undefined;
  if (invalidParent) instruments.invalidParent.add(1);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes, startTime }, parent);
  const sc = span.spanContext();
  return {
    span,
    get context() {
      return trace.setSpan(parent, span);
    },
    traceId: sc.traceId,
    spanId: sc.spanId,
    invalidParent,
  };
}

/**
 * Replaces traceparent/tracestate in `headers` with the ones for the upstream hop: what the W3C
 * propagator's inject writes, from the span context directly (no context object per request).
 */
export function injectTraceHeaders(rt: RequestTrace, headers: IncomingHttpHeaders): void {
  const sc = rt.span.spanContext();
  // Overwritten in place where they exist: a delete would make the headers a slow dictionary
  // (see proxy/hop-by-hop.ts); only what has no value upstream is deleted.
  if (!trace.isSpanContextValid(sc)) {
    if (headers[H_TRACEPARENT] !== undefined) delete headers[H_TRACEPARENT];
    if (headers[H_TRACESTATE] !== undefined) delete headers[H_TRACESTATE];
    return;
  }
  headers[H_TRACEPARENT] = `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags === TraceFlags.SAMPLED ? '01' : (sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  if (sc.traceState) headers[H_TRACESTATE] = sc.traceState.serialize();
  else if (headers[H_TRACESTATE] !== undefined) delete headers[H_TRACESTATE];
}

export function legacyTraceId(traceId: string, stress: boolean): string {
  return (stress ? TRACE_ID_PREFIX_STRESS : TRACE_ID_PREFIX_PROD) + traceId;
}
