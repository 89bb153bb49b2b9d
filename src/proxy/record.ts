/**
 * The last stage: once the response is done (or abandoned) record the RED metrics, end the span
 * and write the access log line. Runs exactly once per request, on the response's 'close'.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanStatusCode, type Attributes, type Histogram, type Meter, type UpDownCounter } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE, ATTR_METHOD, ATTR_ROUTE, ATTR_STATUS, ATTR_TRAFFIC,
  HTTP_SERVER_ACTIVE_REQUESTS, HTTP_SERVER_REQUEST_DURATION, TRAFFIC_STRESS,
} from '../telemetry/names';
import type { Logs } from '../telemetry/logs';
import type { Exchange } from './exchange';

/** nginx's convention for "client closed the request before the response was sent". */
export const STATUS_CLIENT_CLOSED = 499;

export interface RecordInstruments {
  duration: Histogram;
  active: UpDownCounter;
}

export function createRecordInstruments(meter: Meter): RecordInstruments {
  return {
    duration: meter.createHistogram(HTTP_SERVER_REQUEST_DURATION.otel, { description: HTTP_SERVER_REQUEST_DURATION.description, unit: HTTP_SERVER_REQUEST_DURATION.unit }),
    active: meter.createUpDownCounter(HTTP_SERVER_ACTIVE_REQUESTS.otel, { description: HTTP_SERVER_ACTIVE_REQUESTS.description, unit: HTTP_SERVER_ACTIVE_REQUESTS.unit }),
  };
}

export interface RecordSettings {
  /** Share of successful (status < 400) requests written to the access log. */
  accessLogSample: number;
}

export function activeAttributes(ex: Exchange): Attributes {
  return { [ATTR_METHOD]: ex.method, [ATTR_TRAFFIC]: ex.stress.traffic };
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
  if (!res.writableFinished && !ex.upstreamError) ex.clientAborted = true;
  const status = res.writableFinished ? res.statusCode : ex.upstreamError && res.headersSent ? 502 : STATUS_CLIENT_CLOSED;
  const errorType = ex.upstreamError ?? (ex.clientAborted ? 'client_aborted' : status >= 500 ? String(status) : undefined);

  const attrs: Attributes = {
    [ATTR_METHOD]: ex.method,
    [ATTR_STATUS]: status,
    [ATTR_ROUTE]: ex.route,
    [ATTR_TRAFFIC]: ex.stress.traffic,
  };
  if (errorType) attrs[ATTR_ERROR_TYPE] = errorType;
  instruments.duration.record(seconds, attrs);
  instruments.active.add(-1, activeAttributes(ex));

  const span = ex.trace.span;
  span.setAttribute(ATTR_STATUS, status);
  if (errorType) {
    span.setAttribute(ATTR_ERROR_TYPE, errorType);
    if (status >= 500 || ex.upstreamError) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
  }
  span.end(ex.startEpochMs + (nowMs - ex.startMs));

  const success = status < 400 && !errorType;
  const log = ex.stress.traffic === TRAFFIC_STRESS ? logs.stressAccess : logs.access;
  if (!log || (success && settings.accessLogSample < 1 && Math.random() >= settings.accessLogSample)) return;
  const contentLength = res.getHeader('content-length');
  log.info({
    method: ex.method,
    route: ex.route,
    status,
    duration_ms: Math.round(seconds * 1e6) / 1e3,
    bytes: contentLength !== undefined ? Number(contentLength) : ex.countedBytes,
    peer: ex.peer,
    trace_id: ex.trace.traceId,
    span_id: ex.trace.spanId,
    traffic: ex.stress.traffic,
    ...(ex.stress.scenario ? { scenario: ex.stress.scenario } : {}),
    ...(errorType ? { 'error.type': errorType } : {}),
    ...(ex.stress.rejection ? { stress_rejected: ex.stress.rejection } : {}),
    ...(ex.stress.clientTraceId ? { client_trace_id: ex.stress.clientTraceId.slice(0, 128) } : {}),
    ...(req.httpVersion !== '1.1' ? { http_version: req.httpVersion } : {}),
  });
}
