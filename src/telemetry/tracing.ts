/**
 * The sidecar's tracer. It is not registered globally: contexts are passed explicitly along the
 * request path, so several sidecars (tests, the demo) can live in one process.
 *
 * With no span processor (no OTLP endpoint: the default) nothing ever reads a span, so the tracer
 * hands out non-recording spans carrying the ids, sampled flag and tracestate the SDK would have
 * given them: what goes upstream (traceparent, X-Trace-ID) and into the access log is unchanged,
 * and the per-request span object, its two attribute copies and its end() are not built.
 */
import {
  INVALID_SPAN_CONTEXT, SpanKind, TraceFlags, context as apiContext, trace,
  type Context, type Span, type SpanOptions, type Tracer,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { TracerProvider, RandomIdGenerator, SamplingDecision, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { packageVersion } from '../version';

export interface TracingOptions {
  serviceName: string;
  resource?: Resource;
  sampler?: Sampler;
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  readonly tracer: Tracer;
  /** False when spans are never recorded (no span processor): span attributes then only feed the sampler. */
  readonly recording: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The SDK tracer's id and sampling logic (sdk-trace Tracer.startSpan), without the span. */
class IdOnlyTracer implements Tracer {
  private readonly ids = new RandomIdGenerator();

  constructor(private readonly sampler: Sampler) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = apiContext.active()): Span {
    if (options.root) ctx = trace.deleteSpan(ctx);
    if (isTracingSuppressed(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const parent = trace.getSpanContext(ctx);
    const validParent = parent !== undefined && trace.isSpanContextValid(parent) ? parent : undefined;
    const traceId = validParent?.traceId ?? this.ids.generateTraceId();
    const result = this.sampler.shouldSample(ctx, traceId, name, options.kind ?? SpanKind.INTERNAL, options.attributes ?? {}, options.links ?? []);
    return trace.wrapSpanContext({
      traceId,
      spanId: this.ids.generateSpanId(),
      traceFlags: result.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState: result.traceState ?? validParent?.traceState,
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.pop() as F;
    const [options, ctx] = rest as [SpanOptions | undefined, Context | undefined];
    const parent = ctx ?? apiContext.active();
    const span = this.startSpan(name, options, parent);
    return apiContext.with(trace.setSpan(parent, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }
}

export function createTracing(opts: TracingOptions): Tracing {
  const spanProcessors = opts.spanProcessors ?? [];
  const provider = new TracerProvider({
    resource: opts.resource ?? resourceFromAttributes({ 'service.name': opts.serviceName }),
    sampler: opts.sampler,
    spanProcessors,
  });
  const recording = spanProcessors.length > 0 || opts.sampler === undefined;
  return {
    recording,
    tracer: recording ? provider.getTracer('paysidecar', packageVersion()) : new IdOnlyTracer(opts.sampler as Sampler),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
