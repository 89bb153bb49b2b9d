/**
 * Span export over OTLP/HTTP, shared by the sidecar and the in-process agent.
 *
 * No endpoint (no --otlp-endpoint, no OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT) means no exporter and
 * no processor: spans cost nothing beyond their ids. With an endpoint, ended spans go onto a
 * bounded queue drained in batches off the request path; when the collector is slow or down the
 * queue fills and spans are dropped and counted (paysidecar_trace_spans_dropped_total), never
 * waited for.
 */
import { createNoopMeter, type Meter } from '@opentelemetry/api';
import { BatchSpanProcessor, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Resource } from '@opentelemetry/resources';
import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { host } from './names';
import { readOtlpEnv } from './otlp-env';
import { buildSampler } from './trace-sampler';
import { buildResource } from './trace-resource';
import { countedQueue } from './span-queue';
import type { Logger } from './logger';

export interface SpanExportOptions {
  /**
   * `--otlp-endpoint`: wins over OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and _ENDPOINT. A bare
   * `http://host:4318` (no path) gets `/v1/traces`; a URL with a path is used as given.
   */
  endpoint?: URL | string;
  /** `--trace-sample-ratio`: parent-based, this ratio for roots. Unset: OTEL_TRACES_SAMPLER/_ARG. */
  sampleRatio?: number;
  /** Always sample stress traffic (`paysidecar.traffic=stress` at span start). Default true. */
  sampleStress?: boolean;
  /** service.name unless OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES set one. Default `paysidecar`. */
  serviceName?: string;
  serviceVersion?: string;
  /** service.instance.id; default a random UUID per start. */
  instanceId?: string;
  /** Gets one line when export starts failing and one when it recovers. */
  logger?: Logger;
  /** Upper bound on forceFlush/shutdown (a dead collector must not hold up a drain). Default 3 s. */
  flushTimeoutMs?: number;
  /**
   * Export the spans of failed requests whatever the head sampler said (tail-keep.ts); the tracer
   * must then be given `new RecordAllSampler(sampler)` so those spans are recorded. Default false.
   */
  keepFailed?: boolean;
}

export interface SpanExport {
  /** Hand to the tracer provider; undefined when no endpoint is configured. */
  readonly processor?: SpanProcessor;
  readonly sampler: Sampler;
  readonly resource: Resource;
  /** Where spans go, without credentials, for the start-up log; undefined when not exporting. */
  readonly endpoint?: string;
  /** Ignored or adjusted OTEL_* values, one log line each. */
  readonly notes: readonly string[];
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const DEFAULT_EXPORT_TIMEOUT_MS = 10_000;
const DEFAULT_FLUSH_TIMEOUT_MS = 3_000;

type ExporterConfig = NonNullable<ConstructorParameters<typeof OTLPTraceExporter>[0]>;

function explicitTracesUrl(endpoint: URL | string): string {
  const url = new URL(String(endpoint));
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/traces';
  return url.href;
}

/** For logs: never print user:password from a URL. */
function redactUrl(href: string): string {
  const url = new URL(href);
  if (url.username || url.password) {
    url.username = 'redacted';
    url.password = '';
  }
  return url.href;
}

/**
 * Builds the sampler, resource and (when an endpoint is configured) the export pipeline.
 * Throws ConfigError when an OTEL_* variable is malformed.
 */
export function createSpanExport(options: SpanExportOptions = {}, env: NodeJS.ProcessEnv = process.env, meter?: Meter): SpanExport {
  const otel = readOtlpEnv(env);
  const sampler = buildSampler({ ratio: options.sampleRatio, fromEnv: otel.sampler, sampleStress: options.sampleStress });
  const resource = buildResource(
    {
      serviceName: options.serviceName ?? 'paysidecar',
      serviceVersion: options.serviceVersion,
      instanceId: options.instanceId,
      resourceAttributes: otel.resourceAttributes,
      otelServiceName: otel.serviceName,
    },
    env,
  );
  const tracesUrl = options.endpoint !== undefined ? explicitTracesUrl(options.endpoint) : otel.tracesUrl;
  if (tracesUrl === undefined || otel.exportDisabled) {
    return { sampler, resource, notes: otel.notes, forceFlush: async () => {}, shutdown: async () => {} };
  }

  const m = meter ?? createNoopMeter();
  const counters = {
    dropped: m.createCounter(host.SPANS_DROPPED.otel, { unit: host.SPANS_DROPPED.unit, description: host.SPANS_DROPPED.description }),
    exported: m.createCounter(host.SPANS_EXPORTED.otel, { unit: host.SPANS_EXPORTED.unit, description: host.SPANS_EXPORTED.description }),
    keptFailed: options.keepFailed ? m.createCounter(host.SPANS_KEPT_FAILED.otel, { unit: host.SPANS_KEPT_FAILED.unit, description: host.SPANS_KEPT_FAILED.description }) : undefined,
  };
  const endpoint = redactUrl(tracesUrl);
  let failing = false;
  const onResult = (ok: boolean, error: Error | undefined) => {
    if (ok === !failing) return;
    failing = !ok;
    if (failing) {
      options.logger?.warn(
        { endpoint, error: error?.message ?? 'unknown error' },
        'span export to the OTLP collector is failing; spans are dropped and counted in paysidecar_trace_spans_dropped_total until it recovers',
      );
    } else {
      options.logger?.info({ endpoint }, 'span export to the OTLP collector recovered');
    }
  };

  // Loaded only when an endpoint is configured: a sidecar without a collector need not carry the
  // exporter and its transformer.
  const { OTLPTraceExporter: Exporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  // url, headers, timeout and compression are passed explicitly so the `env` given here decides,
  // not whatever process.env holds (the exporter would otherwise read process.env itself).
  const exporter: OTLPTraceExporter = new Exporter({
    url: tracesUrl,
    headers: otel.headers,
    timeoutMillis: otel.timeoutMillis ?? DEFAULT_EXPORT_TIMEOUT_MS,
    compression: (otel.compression ?? 'none') as unknown as ExporterConfig['compression'],
  });
  const processor = countedQueue(
    exporter,
    { maxQueueSize: otel.batch.maxQueueSize, flushTimeoutMs: options.flushTimeoutMs ?? DEFAULT_FLUSH_TIMEOUT_MS, keepFailed: options.keepFailed },
    counters,
    onResult,
    // Every BSP setting is given explicitly: the SDK's shim would otherwise read process.env.
    (counting) => new BatchSpanProcessor({ exporter: counting, ...otel.batch }),
  );
  return {
    processor,
    sampler,
    resource,
    endpoint,
    notes: otel.notes,
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
}
