/**
 * Load shedding (`--max-inflight N`, off at 0): once N requests are in flight, the next ones are
 * answered 503 PAYSIDECAR_OVERLOADED with Retry-After at once. A payment app that is already
 * saturated only gets slower with a longer queue, and every queued request still times out at the
 * client; a fast 503 tells the caller to back off (or try another replica) while the app works
 * through what it has. Shed requests still go through the record stage, so they show as 503s in
 * the RED metrics and carry a trace id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Meter } from '@opentelemetry/api';
import { ATTR_TRAFFIC, REQUESTS_SHED } from '../telemetry/names';
import { H_TRACE_ID } from '../context/headers';
import { sendJsonError } from '../net/json-error';
import type { Exchange } from './exchange';

/** What Retry-After says: long enough for a burst to pass, short enough not to idle a replica. */
const RETRY_AFTER_SECONDS = 1;

export interface ShedInstruments {
  shed: Counter;
}

export function createShedInstruments(meter: Meter): ShedInstruments {
  return { shed: meter.createCounter(REQUESTS_SHED.otel, { description: REQUESTS_SHED.description, unit: REQUESTS_SHED.unit }) };
}

export function isOverloaded(maxInflight: number, inflight: number): boolean {
  return maxInflight > 0 && inflight >= maxInflight;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function shedRequest(ex: Exchange, req: IncomingMessage, res: ServerResponse, maxInflight: number, instruments: ShedInstruments): void {
  instruments.shed.add(1, { [ATTR_TRAFFIC]: ex.stress.traffic });
  res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  // Reading an unwanted upload to keep the connection alive would spend the capacity we are
  // protecting; closing is cheaper.
  if (hasBody(req)) res.setHeader('connection', 'close');
  sendJsonError(res, 'PAYSIDECAR_OVERLOADED', {
    detail: `${maxInflight} requests already in flight (--max-inflight)`,
    traceId: ex.trace.traceId,
    headers: { [H_TRACE_ID]: ex.legacyTraceId },
  });
}
