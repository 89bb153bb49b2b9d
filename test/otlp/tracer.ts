/** A tracer provider wired the way the sidecar and the agent wire createSpanExport's parts. */
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { Tracer } from '@opentelemetry/api';
import type { SpanExport } from '../../src/telemetry/otlp';

export function providerFor(exp: SpanExport): { tracer: Tracer; provider: TracerProvider } {
  const provider = new TracerProvider({
    sampler: exp.sampler,
    resource: exp.resource,
    spanProcessors: exp.processor ? [exp.processor] : [],
  });
  return { tracer: provider.getTracer('paysidecar-test'), provider };
}
