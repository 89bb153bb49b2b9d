/**
 * The sidecar's tracer. It is not registered globally: contexts are passed explicitly along the
 * request path, so several sidecars (tests, the demo) can live in one process.
 */
import { BasicTracerProvider, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { Tracer } from '@opentelemetry/api';
import { packageVersion } from '../version';

export interface TracingOptions {
  serviceName: string;
  resource?: Resource;
  sampler?: Sampler;
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  readonly tracer: Tracer;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createTracing(opts: TracingOptions): Tracing {
  const provider = new BasicTracerProvider({
    resource: opts.resource ?? resourceFromAttributes({ 'service.name': opts.serviceName }),
    sampler: opts.sampler,
    spanProcessors: opts.spanProcessors ?? [],
  });
  return {
    tracer: provider.getTracer('paysidecar', packageVersion()),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
