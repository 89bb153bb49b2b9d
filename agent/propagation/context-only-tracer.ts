/**
 * The tracer the agent uses when no span exporter is configured: every span is a non-recording
 * span with fresh ids, so the app's outbound calls get a new parent span id and roots get a new
 * trace id, and the parent's sampled flag passes through untouched. Nothing is stored, timed or
 * ended: the SDK tracer would build, fill and drop a full span per request for nobody, which
 * measured at about a quarter of the gateway's per-request CPU on a cheap route.
 */
import { context as contextApi, isSpanContextValid, trace, TraceFlags, type Context, type Span, type SpanOptions, type Tracer, type TracerProvider } from '@opentelemetry/api';

const buf = Buffer.allocUnsafe(16);

/** Random lower-case hex id of `bytes` bytes, never all zeros (an invalid W3C id). Not crypto: ids are not secrets. */
export function randomId(bytes: 8 | 16): string {
  for (let i = 0; i < bytes; i += 4) buf.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, i);
  if (buf.subarray(0, bytes).every((b) => b === 0)) buf[bytes - 1] = 1;
  return buf.toString('hex', 0, bytes);
}

export class ContextOnlyTracer implements Tracer {
  startSpan(_name: string, options?: SpanOptions, ctx: Context = contextApi.active()): Span {
    const parent = options?.root ? undefined : trace.getSpanContext(ctx);
    const valid = parent !== undefined && isSpanContextValid(parent);
    return trace.wrapSpanContext({
      traceId: valid ? parent.traceId : randomId(16),
      spanId: randomId(8),
      traceFlags: valid ? parent.traceFlags : TraceFlags.SAMPLED,
      traceState: valid ? parent.traceState : undefined,
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, a: F | SpanOptions, b?: F | Context, c?: F): ReturnType<F> {
    const fn = (typeof a === 'function' ? a : typeof b === 'function' ? b : c) as F;
    const options = typeof a === 'function' ? undefined : a;
    const ctx = b !== undefined && typeof b !== 'function' ? b : contextApi.active();
    const span = this.startSpan(name, options, ctx);
    return contextApi.with(trace.setSpan(ctx, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }
}

export class ContextOnlyTracerProvider implements TracerProvider {
  private readonly tracer = new ContextOnlyTracer();
  getTracer(): Tracer {
    return this.tracer;
  }
}
