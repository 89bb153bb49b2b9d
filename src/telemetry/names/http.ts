/**
 * Request-path metrics: names, label names and bucket edges. Imported by the instrumentation and by
 * the dashboard and alert generators, so the two cannot drift.
 */
import { metric } from './prometheus';

export const HTTP_SERVER_REQUEST_DURATION = metric(
  'http.server.request.duration',
  'histogram',
  's',
  'Duration of inbound HTTP requests through the sidecar, from accept to the last byte sent.',
);

export const HTTP_SERVER_ACTIVE_REQUESTS = metric(
  'http.server.active_requests',
  'updowncounter',
  '{request}',
  'Inbound requests in flight in the sidecar.',
);

export const UPSTREAM_ERRORS = metric(
  'paysidecar.upstream.errors',
  'counter',
  '{error}',
  'Requests that failed between the sidecar and its upstream, by error.type.',
);

export const STRESS_REJECTIONS = metric(
  'paysidecar.stress.rejections',
  'counter',
  '{request}',
  'Requests whose stress-test markers were stripped because the caller was not trusted, by reason.',
);

export const TRACE_INVALID_PARENT = metric(
  'paysidecar.trace.invalid_parent',
  'counter',
  '{request}',
  'Requests whose incoming traceparent was present but invalid, so a fresh trace was started.',
);

export const CLIENT_ERRORS = metric(
  'paysidecar.client.errors',
  'counter',
  '{error}',
  'Inbound connections or requests rejected before proxying (oversized headers, header timeout, parse errors), by error.type.',
);

export const REQUESTS_SHED = metric(
  'paysidecar.requests.shed',
  'counter',
  '{request}',
  'Requests answered 503 PAYSIDECAR_OVERLOADED without reaching the upstream because --max-inflight requests were already in flight, by traffic.',
);

/** Label (attribute) names. */
export const ATTR_METHOD = 'http.request.method';
export const ATTR_STATUS = 'http.response.status_code';
export const ATTR_ROUTE = 'http.route';
export const ATTR_TRAFFIC = 'traffic';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_REASON = 'reason';

export const TRAFFIC_PROD = 'prod';
export const TRAFFIC_STRESS = 'stress';
export type Traffic = typeof TRAFFIC_PROD | typeof TRAFFIC_STRESS;

/** Route value for paths that match no template: one fixed value keeps cardinality bounded. */
export const ROUTE_UNMATCHED = '/{unmatched}';

/** Methods outside this set are reported as `_OTHER`, as the semantic conventions say. */
export const KNOWN_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
export const METHOD_OTHER = '_OTHER';

/**
 * Request-duration bucket edges (seconds). Sub-millisecond edges show the proxy's own overhead;
 * 0.3 / 0.8 / 2 are the payment thresholds the alerts and the bench verdict use.
 */
export const REQUEST_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 0.8, 1, 2, 2.5, 5, 10,
] as const;

/** Thresholds shared by the alerts and the bench verdict (seconds / ratios). */
export const LATENCY_SLO_SECONDS = 0.3;
export const LATENCY_WARNING_SECONDS = 0.8;
export const LATENCY_PAGE_SECONDS = 2;
/** Error-ratio thresholds of the bench verdict: below SLO is normal, up to WARNING is a warning, above is danger. */
export const ERROR_RATE_SLO = 0.001;
export const ERROR_RATE_WARNING = 0.01;

/** Upstream error.type values. */
export const UPSTREAM_ERROR_TYPES = {
  refused: 'connection_refused',
  reset: 'connection_reset',
  timeout: 'timeout',
  connectTimeout: 'connect_timeout',
  /** Every upstream socket stayed busy for --socket-wait-timeout. */
  socketWaitTimeout: 'socket_wait_timeout',
  /** The upstream's answer broke HTTP/1.1: a bad chunk, bytes past its end, a 101 nobody asked for. */
  protocol: 'protocol_error',
  other: 'other',
} as const;

/** error.type values of requests ended by the sidecar itself rather than by the upstream. */
export const SIDECAR_ERROR_TYPES = {
  clientAborted: 'client_aborted',
  /** The HTTP parser refused the request after it had begun (its body). */
  badRequest: 'bad_request',
  /** Still in flight when --drain-timeout passed. */
  drainTimeout: 'drain_timeout',
} as const;

/** Stress-rejection reasons. */
export const STRESS_REJECTION_REASONS = {
  untrusted: 'untrusted_peer',
  noSecret: 'no_secret_configured',
  missingToken: 'missing_token',
  malformedToken: 'malformed_token',
  expiredToken: 'expired_token',
  badSignature: 'bad_signature',
  badScenario: 'bad_scenario',
  strayMarkers: 'stray_markers',
} as const;

/**
 * Exemplar label names on the request-duration buckets (OpenMetrics), the names Grafana's exemplar
 * links read, and the access-log fields that carry the same ids.
 */
export const EXEMPLAR_TRACE_ID = 'trace_id';
export const EXEMPLAR_SPAN_ID = 'span_id';

/** Span attributes of ours (span attributes are not metric labels; samplers read these at span start). */
export const SPAN_ATTR_TRAFFIC = 'paysidecar.traffic';
export const SPAN_ATTR_SCENARIO = 'paysidecar.stress.scenario';
export const SPAN_ATTR_CLIENT_TRACE_ID = 'paysidecar.client_trace_id';
export const SPAN_ATTR_STRESS_REJECTED = 'paysidecar.stress.rejected';
export const SPAN_ATTR_INVALID_PARENT = 'paysidecar.trace.invalid_parent';
