/**
 * The proxy listener with its request path assembled: each stage's instruments created on the
 * sidecar's meter and handed to the request and upgrade handlers (handler.ts lists the stages).
 */
import type { Server } from 'node:http';
import type { Meter } from '@opentelemetry/api';
import type { Config } from '../config/schema';
import { createTraceInstruments } from '../context/trace';
import { createStressInstruments } from '../context/stress';
import { createProxyListener } from './accept';
import { createRequestHandler, createUpgradeHandler, type HandlerDeps } from './handler';
import { createRecordInstruments } from './record';
import { createShedInstruments } from './shed';
import type { RequestExemplars } from '../telemetry/exemplars/request-exemplars';
import type { RecentRequests } from './recent-requests';

/** `extras`: what the record stage also feeds (OpenMetrics exemplars, the status page's recent requests). */
export function createProxyPipeline(
  meter: Meter,
  config: Pick<Config, 'maxHeaderSize' | 'headersTimeout'>,
  deps: Omit<HandlerDeps, 'instruments'>,
  extras: { exemplars?: RequestExemplars; recent?: RecentRequests } = {},
): Server {
  const instruments = { trace: createTraceInstruments(meter), stress: createStressInstruments(meter), record: createRecordInstruments(meter, extras), shed: createShedInstruments(meter) };
  const full: HandlerDeps = { ...deps, instruments };
  return createProxyListener(
    meter,
    { maxHeaderSize: config.maxHeaderSize, headersTimeoutMs: config.headersTimeout },
    { request: createRequestHandler(full), upgrade: createUpgradeHandler(full) },
  );
}
