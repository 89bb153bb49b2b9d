/**
 * The sidecar's MeterProvider and its Prometheus exposition. The exporter's own HTTP server is never
 * started: /metrics is served by the admin listener so one port carries every admin route.
 */
import { MeterProvider, AggregationType, type ResourceMetrics, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Meter } from '@opentelemetry/api';
import { HTTP_SERVER_REQUEST_DURATION, REQUEST_DURATION_BUCKETS } from './names';
import { GC_DURATION, GC_DURATION_BUCKETS } from './names/runtime';
import { RequestExemplars } from './exemplars/request-exemplars';
import { requestExemplarSource } from './exemplars/request-source';
import type { ExemplarSource } from './exemplars/openmetrics';

export interface Metrics {
  readonly meter: Meter;
  /** Prometheus text exposition of everything recorded so far. */
  exposition(): Promise<string>;
  /** Exemplar slots of http.server.request.duration, filled by the record stage. */
  readonly requestExemplars: RequestExemplars;
  /** What the OpenMetrics exposition reads exemplars from. */
  readonly exemplarSources: readonly ExemplarSource[];
  /**
   * The same cumulative values the exposition is written from, as data (the admin status page
   * reads them every second). Read through the exporter rather than a second reader: the SDK keeps
   * every reader's unread deltas, and a Prometheus that never scrapes would make them grow.
   */
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

function histogramView(name: string, boundaries: readonly number[]): ViewOptions {
  return {
    instrumentName: name,
    aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [...boundaries] } },
  };
}

export function createMetrics(serviceName: string): Metrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    readers: [exporter],
    views: [
      histogramView(HTTP_SERVER_REQUEST_DURATION.otel, REQUEST_DURATION_BUCKETS),
      histogramView(GC_DURATION.otel, GC_DURATION_BUCKETS),
    ],
  });
  const serializer = new PrometheusSerializer();
  const requestExemplars = new RequestExemplars(REQUEST_DURATION_BUCKETS);
  return {
    meter: provider.getMeter('paysidecar'),
    requestExemplars,
    exemplarSources: [requestExemplarSource(requestExemplars)],
    async exposition() {
      const { resourceMetrics } = await exporter.collect();
      return serializer.serialize(resourceMetrics);
    },
    async collect() {
      return (await exporter.collect()).resourceMetrics;
    },
    shutdown: () => provider.shutdown(),
  };
}
