/**
 * The last stage: once the response is done (or abandoned) record the RED metrics, end the span
 * and write the access log line. Runs exactly once per request: on the response's 'close', or when
 * an upgrade request switches protocols.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanStatusCode, type Attributes, type Histogram, type Meter } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE, ATTR_METHOD, ATTR_ROUTE, ATTR_STATUS, ATTR_TRAFFIC,
  HTTP_SERVER_ACTIVE_REQUESTS, HTTP_SERVER_REQUEST_DURATION, SIDECAR_ERROR_TYPES, TRAFFIC_STRESS,
} from '../telemetry/names';
import type { Logs } from '../telemetry/logs';
import { exemplarRank, type RequestExemplars } from '../telemetry/exemplars/request-exemplars';
import type { Exchange } from './exchange';
import type { RecentRequests } from './recent-requests';

/** nginx's convention for "client closed the request before the response was sent". */
const STATUS_CLIENT_CLOSED = 499;

/**
 * In-flight requests, counted here and read by the SDK only at collection: an UpDownCounter would
 * hash an attribute set in the SDK twice per request (+1, -1) for a figure scraped every 15 s.
 * Keyed by identity, so `attributes` must come from activeAttributes().
 */
class ActiveRequests {
  private readonly counts = new Map<Attributes, number>();

  constructor(meter: Meter) {
    meter
      .createObservableUpDownCounter(HTTP_SERVER_ACTIVE_REQUESTS.otel, { description: HTTP_SERVER_ACTIVE_REQUESTS.description, unit: HTTP_SERVER_ACTIVE_REQUESTS.unit })
      .addCallback((result) => {
        for (const [attributes, n] of this.counts) result.observe(n, attributes);
      });
  }

  add(delta: number, attributes: Attributes): void {
    this.counts.set(attributes, (this.counts.get(attributes) ?? 0) + delta);
  }
}

export interface RecordInstruments {
  duration: Histogram;
  active: ActiveRequests;
  exemplars?: RequestExemplars;
  /** The admin status page's slowest and failed requests. */
  recent?: RecentRequests;
}

export function createRecordInstruments(meter: Meter, extras: { exemplars?: RequestExemplars; recent?: RecentRequests } = {}): RecordInstruments {
  return {
    exemplars: extras.exemplars,
    recent: extras.recent,
    duration: meter.createHistogram(HTTP_SERVER_REQUEST_DURATION.otel, { description: HTTP_SERVER_REQUEST_DURATION.description, unit: HTTP_SERVER_REQUEST_DURATION.unit }),
    active: new ActiveRequests(meter),
  };
}

export interface RecordSettings {
  /** Share of successful (status < 400) requests written to the access log. */
  accessLogSample: number;
}

/** One frozen attribute set per method and traffic (both bounded), reused by every request. */
const activeSets = new Map<string, Map<string, Attributes>>();

export function activeAttributes(ex: Exchange): Attributes {
  let byTraffic = activeSets.get(ex.method);
  if (!byTraffic) activeSets.set(ex.method, (byTraffic = new Map()));
  let attributes = byTraffic.get(ex.stress.traffic);
  if (!attributes) byTraffic.set(ex.stress.traffic, (attributes = Object.freeze({ [ATTR_METHOD]: ex.method, [ATTR_TRAFFIC]: ex.stress.traffic })));
  return attributes;
}

export function recordExchange(
  ex: Exchange,
  req: IncomingMessage,
  res: ServerResponse,
  instruments: RecordInstruments,
  logs: Logs,
  settings: RecordSettings,
  nowMs: number,
): void {
  const seconds = (nowMs - ex.startMs) / 1000;
  const finished = res.writableFinished;
  if (!finished && !ex.upstreamError && !ex.outcome) ex.clientAborted = true;
  // How the exchange ended, when the response cannot tell (cut, refused, drained, switched), wins.
  const status = ex.outcome?.status ?? (finished ? res.statusCode : ex.upstreamError && res.headersSent ? 502 : STATUS_CLIENT_CLOSED);
  const errorType =
    ex.outcome?.errorType ?? ex.upstreamError ?? (ex.clientAborted ? SIDECAR_ERROR_TYPES.clientAborted : status >= 500 ? String(status) : undefined);

  const attrs: Attributes = {
    [ATTR_METHOD]: ex.method,
    [ATTR_STATUS]: status,
    [ATTR_ROUTE]: ex.route,
    [ATTR_TRAFFIC]: ex.stress.traffic,
  };
  if (errorType) attrs[ATTR_ERROR_TYPE] = errorType;
  instruments.duration.record(seconds, attrs);
  instruments.active.add(-1, activeAttributes(ex));
  instruments.recent?.offer(ex.method, ex.route, status, seconds * 1000, ex.stress.traffic, ex.trace.traceId, errorType);

  const span = ex.trace.span;
  span.setAttribute(ATTR_STATUS, status);
  if (errorType) {
    span.setAttribute(ATTR_ERROR_TYPE, errorType);
    if (status >= 500 || ex.upstreamError) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
  }
  const endEpochMs = ex.startEpochMs + (nowMs - ex.startMs);
  span.end(endEpochMs);

  const success = status < 400 && !errorType;
  const log = ex.stress.traffic === TRAFFIC_STRESS ? logs.stressAccess : logs.access;
  const logged = !!log && !(success && settings.accessLogSample < 1 && Math.random() >= settings.accessLogSample);
  instruments.exemplars?.offer(ex.route, status, ex.method, ex.stress.traffic, errorType ?? '', seconds, ex.trace.traceId, ex.trace.spanId, endEpochMs, exemplarRank(span.spanContext().traceFlags, errorType !== undefined, logged));
  if (!logged || !log) return;
  const contentLength = res.getHeader('content-length');
  const line: Record<string, string | number> = {
    method: ex.method,
    route: ex.route,
    status,
    duration_ms: Math.round(seconds * 1e6) / 1e3,
    bytes: contentLength !== undefined ? Number(contentLength) : ex.countedBytes,
    peer: ex.peer,
    trace_id: ex.trace.traceId,
    span_id: ex.trace.spanId,
    traffic: ex.stress.traffic,
  };
  if (ex.stress.scenario) line.scenario = ex.stress.scenario;
  if (errorType) line['error.type'] = errorType;
  if (ex.stress.rejection) line.stress_rejected = ex.stress.rejection;
  if (ex.stress.clientTraceId) line.client_trace_id = ex.stress.clientTraceId.slice(0, 128);
  if (req.httpVersion !== '1.1') line.http_version = req.httpVersion;
  log.info(line);
}
