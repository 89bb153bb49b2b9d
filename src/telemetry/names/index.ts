/**
 * The one place metric names, label names and bucket edges are defined. Each area keeps its own
 * file; this index is an explicit export list.
 */
export { metric, prom, promLabel, promName } from './prometheus';
export type { InstrumentKind, MetricName } from './prometheus';
export {
  ATTR_ERROR_TYPE,
  ATTR_METHOD,
  ATTR_REASON,
  ATTR_ROUTE,
  ATTR_STATUS,
  ATTR_TRAFFIC,
  CLIENT_ERRORS,
  ERROR_RATE_SLO,
  ERROR_RATE_WARNING,
  EXEMPLAR_SPAN_ID,
  EXEMPLAR_TRACE_ID,
  HTTP_SERVER_ACTIVE_REQUESTS,
  HTTP_SERVER_REQUEST_DURATION,
  KNOWN_METHODS,
  LATENCY_PAGE_SECONDS,
  LATENCY_SLO_SECONDS,
  LATENCY_WARNING_SECONDS,
  METHOD_OTHER,
  REQUEST_DURATION_BUCKETS,
  REQUESTS_SHED,
  ROUTE_UNMATCHED,
  SIDECAR_ERROR_TYPES,
  SPAN_ATTR_CLIENT_TRACE_ID,
  SPAN_ATTR_INVALID_PARENT,
  SPAN_ATTR_SCENARIO,
  SPAN_ATTR_STRESS_REJECTED,
  SPAN_ATTR_TRAFFIC,
  STRESS_REJECTION_REASONS,
  STRESS_REJECTIONS,
  TRACE_INVALID_PARENT,
  TRAFFIC_PROD,
  TRAFFIC_STRESS,
  UPSTREAM_ERROR_TYPES,
  UPSTREAM_ERRORS,
} from './http';
export type { Traffic } from './http';
export * as runtime from './runtime';
export * as host from './host';
export * as admin from './admin';
