/**
 * One request through the stages, top to bottom:
 * accept → context/stress → context/trace → context/route → proxy/shed → proxy/forward → proxy/record.
 * Upgrade requests take the same path until the upstream switches protocols.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Attributes, Tracer } from '@opentelemetry/api';
import {
  ATTR_METHOD, ATTR_ROUTE, KNOWN_METHODS, METHOD_OTHER, SIDECAR_ERROR_TYPES, SPAN_ATTR_CLIENT_TRACE_ID, SPAN_ATTR_INVALID_PARENT,
  SPAN_ATTR_SCENARIO, SPAN_ATTR_STRESS_REJECTED, SPAN_ATTR_TRAFFIC, TRAFFIC_STRESS,
} from '../telemetry/names';
import type { Logs } from '../telemetry/logs';
import { decideStress, type StressDecision, type StressInstruments, type StressPolicy } from '../context/stress';
import { injectTraceHeaders, legacyTraceId, startRequestTrace, type TraceInstruments } from '../context/trace';
import type { RouteTable } from '../context/route';
import { H_TRACE_ID } from '../context/headers';
import { normalizePeer } from '../net/peer';
import { withoutHopByHop } from './hop-by-hop';
import { setForwardedHeaders } from './forwarded';
import { sendJsonError } from '../net/json-error';
import type { Forwarder, UpstreamFailure } from './forwarder';
import { attachExchange, type Exchange } from './exchange';
import { errorStatus } from '../errors';
import { activeAttributes, recordExchange, type RecordInstruments, type RecordSettings } from './record';
import { InFlightRequest, type InFlight } from './drain';
import { isOverloaded, shedRequest, type ShedInstruments } from './shed';

/** Settings a config reload may replace between requests. */
export interface LiveSettings extends RecordSettings {
  policy: StressPolicy;
  routes: RouteTable;
  /** `--max-inflight`: 0 = never shed. */
  maxInflight: number;
}

export interface HandlerDeps {
  tracer: Tracer;
  /** False when no span is ever recorded: attributes then only feed the sampler, so skip them. */
  recording: boolean;
  forwarder: Forwarder;
  logs: Logs;
  upstream: URL;
  stressUpstream?: URL;
  live: LiveSettings;
  inflight: InFlight;
  instruments: { trace: TraceInstruments; stress: StressInstruments; record: RecordInstruments; shed: ShedInstruments };
  isDraining(): boolean;
}

const KNOWN = new Set<string>(KNOWN_METHODS);

function onUpstreamFailure(ex: Exchange, _req: IncomingMessage, res: ServerResponse, failure: UpstreamFailure): void {
  sendJsonError(res, failure.code, { detail: failure.detail, traceId: ex.trace.traceId, headers: { [H_TRACE_ID]: ex.legacyTraceId } });
}

/** The span's semantic-convention attributes; only built when spans are recorded. */
function spanAttributes(req: IncomingMessage, method: string, route: string, peer: string, stress: StressDecision): Attributes {
  const headers = req.headers;
  const attrs: Attributes = {
    [ATTR_METHOD]: method,
    [ATTR_ROUTE]: route,
    'url.scheme': 'http',
    'url.path': (req.url ?? '/').split('?', 1)[0].slice(0, 512),
    'client.address': peer,
    [SPAN_ATTR_TRAFFIC]: stress.traffic,
  };
  const ua = headers['user-agent'];
  if (ua) attrs['user_agent.original'] = ua.slice(0, 256);
  if (headers.host) attrs['server.address'] = headers.host;
  if (stress.scenario) attrs[SPAN_ATTR_SCENARIO] = stress.scenario;
  if (stress.rejection) attrs[SPAN_ATTR_STRESS_REJECTED] = stress.rejection;
  if (stress.clientTraceId) attrs[SPAN_ATTR_CLIENT_TRACE_ID] = stress.clientTraceId.slice(0, 128);

  return attrs;
}

/** Rewrites the request's headers for the upstream hop and starts its span. */
function prepare(deps: HandlerDeps, req: IncomingMessage, keepUpgrade: boolean): Exchange {
  const startMs = performance.now();
  const startEpochMs = Date.now();
  const { live, tracer, instruments } = deps;
  const peer = normalizePeer(req.socket.remoteAddress);
  const method = KNOWN.has(req.method ?? '') ? (req.method as string) : METHOD_OTHER;
  const route = live.routes.match(req.url);
  // The upstream hop's headers, on the request where both cores read them.
  const headers = (req.headers = withoutHopByHop(req.headers, keepUpgrade));

  const stress = decideStress(live.policy, instruments.stress, peer, headers);
  const attrs = deps.recording ? spanAttributes(req, method, route, peer, stress) : { [SPAN_ATTR_TRAFFIC]: stress.traffic };

  const trace = startRequestTrace(tracer, instruments.trace, headers, `${method} ${route}`, attrs, startEpochMs);
  if (trace.invalidParent) trace.span.setAttribute(SPAN_ATTR_INVALID_PARENT, true);
  injectTraceHeaders(trace, headers);
  const legacy = legacyTraceId(trace.traceId, stress.traffic === TRAFFIC_STRESS);
  headers[H_TRACE_ID] = legacy;
  setForwardedHeaders(headers, peer, live.policy.trusted.has(peer));

  return { startMs, startEpochMs, method, route, peer, stress, trace, legacyTraceId: legacy, clientAborted: false, countedBytes: 0 };
}

/** The drain deadline passed with this request still in flight: answer it if nothing was sent yet, else cut it. */
function abandonAtDrain(ex: Exchange, res: ServerResponse): void {
  if (res.writableEnded || res.destroyed) return;
  ex.outcome = { status: errorStatus('PAYSIDECAR_DRAINING'), errorType: SIDECAR_ERROR_TYPES.drainTimeout };
  if (ex.responseStarted || res.headersSent) {
    res.destroy();
    return;
  }
  res.setHeader('connection', 'close');
  sendJsonError(res, 'PAYSIDECAR_DRAINING', { detail: 'still in flight after --drain-timeout', traceId: ex.trace.traceId, headers: { [H_TRACE_ID]: ex.legacyTraceId } });
}

/** A request counted in flight: how the drain deadline reaches it. */
class TrackedExchange extends InFlightRequest {
  constructor(
    private readonly ex: Exchange,
    private readonly res: ServerResponse,
  ) {
    super();
  }

  abandonAtDrain(): void {
    abandonAtDrain(this.ex, this.res);
  }
}

type Dispatch = (ex: Exchange, target: URL, done: () => void) => void;

/** The stages every request goes through, whichever way it is forwarded; `dispatch` forwards it. */
function runExchange(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse, keepUpgrade: boolean, dispatch: Dispatch): void {
  const { instruments, inflight, logs } = deps;
  // Errors on either side end the exchange through res 'close'; none may reach the process.
  req.on('error', () => undefined);
  res.on('error', () => res.destroy());
  const ex = prepare(deps, req, keepUpgrade);
  attachExchange(res, ex);
  if (deps.isDraining()) res.setHeader('connection', 'close');
  res.setHeader(H_TRACE_ID, ex.legacyTraceId);
  const { maxInflight } = deps.live;
  // A shed request is answered at once and never counts toward the limit it enforces.
  const shed = isOverloaded(maxInflight, inflight.size);
  const tracked = shed ? undefined : new TrackedExchange(ex, res);
  if (tracked) inflight.enter(tracked);
  instruments.record.active.add(1, activeAttributes(ex));
  let recorded = false;
  const done = () => {
    // Once per request, whatever ends it: the response's close, or an upgrade's switch.
    if (recorded) return;
    recorded = true;
    try {
      recordExchange(ex, req, res, instruments.record, logs, deps.live, performance.now());
    } catch (err) {
      logs.logger.error({ err }, 'recording a request failed');
    } finally {
      if (tracked) inflight.leave(tracked);
    }
  };
  res.once('close', done);
  if (shed) {
    shedRequest(ex, req, res, maxInflight, instruments.shed);
    return;
  }
  const target = ex.stress.traffic === TRAFFIC_STRESS && deps.stressUpstream ? deps.stressUpstream : deps.upstream;
  dispatch(ex, target, done);
}

export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return function handleRequest(req, res) {
    runExchange(deps, req, res, false, (ex, target) => deps.forwarder.web(req, res, target, ex, onUpstreamFailure));
  };
}

/**
 * net.Socket's destroySoon for any Duplex: end, and destroy once the writes are flushed. Node 26
 * passes an upgrade request whose body is still arriving as an UpgradeStream, which has no
 * destroySoon.
 */
function closeWhenWritten(socket: Duplex): void {
  if (socket.writable) socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}

export function createUpgradeHandler(deps: HandlerDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return function handleUpgrade(req, socket, head) {
    // Until the upstream switches protocols this is an ordinary request: an ordinary response on
    // the client's socket, shed, timed and recorded like any other; never kept alive.
    // Already gone: its 'close' has passed, so a response bound to it would never end.
    if (socket.destroyed) return;
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => closeWhenWritten(socket));
    runExchange(deps, req, res, true, (ex, target, done) => deps.forwarder.upgrade(req, res, head, target, ex, onUpstreamFailure, done));
  };
}
