/**
 * Span export for the app (issue 5's src/telemetry/otlp.ts), the same pipeline the sidecar uses.
 * Only loaded when an OTLP endpoint is configured through the standard OTEL_* variables, so an
 * agent without a collector never loads the exporter. A malformed OTEL_* value is one warning and
 * no export: the app still starts.
 */
import type { Meter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Logger } from '../src/telemetry/logger';

export interface AgentSpanExport {
  spanProcessors?: SpanProcessor[];
  sampler?: Sampler;
  resource?: Resource;
  endpoint?: string;
  shutdown(): Promise<void>;
}

const NONE: AgentSpanExport = { shutdown: async () => {} };

export function agentSpanExport(env: NodeJS.ProcessEnv, meter: Meter, logger: Logger): AgentSpanExport {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return NONE;
  try {
    const { createSpanExport } = require('../src/telemetry/otlp') as typeof import('../src/telemetry/otlp');
    const exp = createSpanExport({ serviceName: 'unknown_service:node', logger }, env, meter);
    for (const note of exp.notes) logger.warn({}, note);
    return {
      spanProcessors: exp.processor ? [exp.processor] : [],
      sampler: exp.sampler,
      resource: exp.resource,
      endpoint: exp.endpoint,
      shutdown: () => exp.shutdown(),
    };
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'agent: span export is off, the OTLP settings were refused');
    return NONE;
  }
}
