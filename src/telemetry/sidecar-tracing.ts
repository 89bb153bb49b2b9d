/**
 * The sidecar's spans: OTLP export when an endpoint is configured (otlp.ts), a tracer provider
 * (tracing.ts), and between them a sampler slot a config reload can swap (reloadable-sampler.ts).
 */
import type { Meter } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import type { Config } from '../config/schema';
import { createSpanExport } from './otlp';
import { createTracing, type Tracing } from './tracing';
import { ReloadableSampler } from './reloadable-sampler';
import { RecordAllSampler } from './tail-keep';
import { packageVersion } from '../version';

export interface SidecarTracingOptions {
  /** OTEL_* variables (the standard SDK ones) are read from here, at start and on reload. */
  env: NodeJS.ProcessEnv;
  meter: Meter;
  logger: Logger;
  /** Extra span processors (tests use an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

export function createSidecarTracing(config: Config, opts: SidecarTracingOptions): { tracing: Tracing; sampler: ReloadableSampler } {
  const { logger } = opts;
  const spanExport = createSpanExport(
    {
      endpoint: config.otlpEndpoint,
      sampleRatio: config.traceSampleRatio,
      sampleStress: config.sampleStress,
      serviceName: config.serviceName,
      serviceVersion: packageVersion(),
      logger,
      // Failed requests are always exported (tail-keep.ts): every exemplar and error log line leads to a trace.
      keepFailed: true,
    },
    opts.env,
    opts.meter,
  );
  for (const note of spanExport.notes) logger.warn(note);
  if (spanExport.endpoint) logger.info({ endpoint: spanExport.endpoint }, 'exporting spans over OTLP/HTTP');
  const sampler = new ReloadableSampler(spanExport.sampler, opts.env);
  const tracing = createTracing({
    serviceName: config.serviceName,
    resource: spanExport.resource,
    sampler: spanExport.processor ? new RecordAllSampler(sampler) : sampler,
    spanProcessors: [...(spanExport.processor ? [spanExport.processor] : []), ...(opts.spanProcessors ?? [])],
  });
  return { tracing, sampler };
}
