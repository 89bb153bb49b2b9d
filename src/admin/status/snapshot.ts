/**
 * One cumulative reading of the sidecar's own instruments, from the same collection the Prometheus
 * exposition is written from: the request-duration histogram per route and traffic (counts, 5xx,
 * bucket counts), the counters the page shows as rates, and the gauges it shows as they are. The
 * ring turns two readings into per-second figures; nothing here is recorded per request.
 */
import { DataPointType, type Histogram, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE, ATTR_REASON, ATTR_ROUTE, ATTR_STATUS, ATTR_TRAFFIC, HTTP_SERVER_ACTIVE_REQUESTS,
  HTTP_SERVER_REQUEST_DURATION, REQUESTS_SHED, ROUTE_UNMATCHED, STRESS_REJECTIONS, TRAFFIC_PROD, UPSTREAM_ERRORS, host, runtime,
} from '../../telemetry/names';

/**
 * Route series the page keeps: routes are templates (bounded by the route table), but a config
 * with hundreds of them must not grow the ring; the rest are folded into one series.
 */
export const MAX_ROUTE_SERIES = 48;
export const ROUTE_OTHER = '(other routes)';

export interface RouteReading {
  route: string;
  traffic: string;
  count: number;
  /** 5xx answers, as the dashboards' error ratio counts them. */
  errors: number;
  /** Per-bucket counts (not cumulative), one more than the boundaries. */
  buckets: number[];
}

export interface Reading {
  /** Epoch ms of the collection. */
  at: number;
  boundaries: readonly number[];
  /** Keyed `traffic route`. */
  routes: Map<string, RouteReading>;
  inflight: Record<string, number>;
  upstreamErrors: Record<string, number>;
  rejections: Record<string, number>;
  shed: Record<string, number>;
  gc: Record<string, { count: number; seconds: number }>;
  cpuSeconds: number;
  heapUsed: number;
  heapTotal: number;
  heapLimit: number;
  rss: number;
  tcp: Record<string, number>;
}

const label = (a: Attributes, name: string, fallback: string): string => {
  const v = a[name];
  return v === undefined ? fallback : String(v);
};

function addTo(record: Record<string, number>, key: string, value: number): void {
  record[key] = (record[key] ?? 0) + value;
}

export function readReading(rm: ResourceMetrics, at: number): Reading {
  const r: Reading = {
    at, boundaries: [], routes: new Map(), inflight: {}, upstreamErrors: {}, rejections: {}, shed: {}, gc: {},
    cpuSeconds: 0, heapUsed: 0, heapTotal: 0, heapLimit: 0, rss: 0, tcp: {},
  };
  for (const scope of rm.scopeMetrics) {
    for (const m of scope.metrics) {
      const name = m.descriptor.name;
      if (name === HTTP_SERVER_REQUEST_DURATION.otel && m.dataPointType === DataPointType.HISTOGRAM) {
        for (const p of m.dataPoints) {
          const h = p.value as Histogram;
          if (r.boundaries.length === 0) r.boundaries = h.buckets.boundaries;
          const traffic = label(p.attributes, ATTR_TRAFFIC, TRAFFIC_PROD);
          let route = label(p.attributes, ATTR_ROUTE, ROUTE_UNMATCHED);
          if (r.routes.size >= MAX_ROUTE_SERIES && !r.routes.has(`${traffic} ${route}`)) route = ROUTE_OTHER;
          const key = `${traffic} ${route}`;
          let into = r.routes.get(key);
          if (!into) r.routes.set(key, (into = { route, traffic, count: 0, errors: 0, buckets: new Array<number>(h.buckets.counts.length).fill(0) }));
          into.count += h.count;
          if (Number(p.attributes[ATTR_STATUS]) >= 500) into.errors += h.count;
          for (let i = 0; i < h.buckets.counts.length; i++) into.buckets[i] += h.buckets.counts[i];
        }
        continue;
      }
      for (const p of m.dataPoints) {
        if (typeof p.value !== 'number') {
          if (name === runtime.GC_DURATION.otel) {
            const h = p.value as Histogram;
            const kind = label(p.attributes, runtime.ATTR_GC_TYPE, 'other');
            const g = (r.gc[kind] ??= { count: 0, seconds: 0 });
            g.count += h.count;
            g.seconds += h.sum ?? 0;
          }
          continue;
        }
        const v = p.value;
        switch (name) {
          case HTTP_SERVER_ACTIVE_REQUESTS.otel: addTo(r.inflight, label(p.attributes, ATTR_TRAFFIC, TRAFFIC_PROD), v); break;
          case UPSTREAM_ERRORS.otel: addTo(r.upstreamErrors, label(p.attributes, ATTR_ERROR_TYPE, 'other'), v); break;
          case STRESS_REJECTIONS.otel: addTo(r.rejections, label(p.attributes, ATTR_REASON, 'other'), v); break;
          case REQUESTS_SHED.otel: addTo(r.shed, label(p.attributes, ATTR_TRAFFIC, TRAFFIC_PROD), v); break;
          case runtime.PROCESS_CPU_TIME.otel: r.cpuSeconds += v; break;
          case runtime.HEAP_USED.otel: r.heapUsed = v; break;
          case runtime.HEAP_TOTAL.otel: r.heapTotal = v; break;
          case runtime.HEAP_LIMIT.otel: r.heapLimit = v; break;
          case runtime.PROCESS_RSS.otel: r.rss = v; break;
          case host.SYSTEM_NETWORK_CONNECTIONS.otel: addTo(r.tcp, label(p.attributes, host.ATTR_CONNECTION_STATE, 'other'), v); break;
        }
      }
    }
  }
  return r;
}
