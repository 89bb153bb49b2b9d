/**
 * Failed requests are always kept: with head sampling below 1, a request that fails (5xx, an
 * upstream error, a client abort, a timeout) still has its sidecar span exported, so every
 * exemplar and every error log line leads to a trace.
 *
 * Record all, export sampled + failed: the head sampler still decides the sampled flag that goes
 * upstream (the app samples as before), but a span it would not have recorded is recorded anyway,
 * and at its end the export queue lets it through when it failed. The cost is a recording span
 * per request instead of a bare span context, paid only when spans are exported at all. It is
 * bounded by the export queue: a burst of failures fills the queue and the rest are dropped and
 * counted like any other span (paysidecar_trace_spans_dropped_total{reason="queue_full"}).
 */
import { TraceFlags, SpanStatusCode, type Attributes, type Context, type Link, type SpanContext, type SpanKind } from '@opentelemetry/api';
import { SamplingDecision, type ReadableSpan, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace';
import { ATTR_ERROR_TYPE } from './names';

/** Turns the head sampler's "drop" into "record, not sampled"; its sampled decisions stand. */
export class RecordAllSampler implements Sampler {
  constructor(private readonly head: Sampler) {}

  shouldSample(context: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const result = this.head.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    return result.decision === SamplingDecision.NOT_RECORD ? { ...result, decision: SamplingDecision.RECORD } : result;
  }

  toString(): string {
    return `RecordAll{${this.head.toString()}}`;
  }
}

/** A request failed when the record stage gave its span an error.type (or an error status). */
export function spanFailed(span: ReadableSpan): boolean {
  return span.attributes[ATTR_ERROR_TYPE] !== undefined || span.status.code === SpanStatusCode.ERROR;
}

/**
 * The same span with the sampled flag set: the batch processor exports only sampled spans, and
 * an exported failure is, from here on, a kept trace. Only failed unsampled spans pay for this.
 */
export function asSampled(span: ReadableSpan): ReadableSpan {
  const sc = span.spanContext();
  const kept: SpanContext = { ...sc, traceFlags: sc.traceFlags | TraceFlags.SAMPLED };
  return Object.create(span, { spanContext: { value: () => kept } }) as ReadableSpan;
}
