/**
 * Forwarding through http-proxy with a keep-alive agent. http-proxy only aborts the upstream request
 * on the incoming request's 'aborted' event, which Node >= 15.5 no longer emits reliably once the
 * body has been read; the response's 'close' is watched instead so a client abort always destroys
 * the upstream request. Timeouts are ours (not http-proxy's proxyTimeout) so a timeout is told apart
 * from a reset; the waits, the failure rule and the record of each request are in flight.ts.
 * Upgrade requests go through upgrade.ts on the same agent, so they count toward --max-sockets.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import type { Counter, Meter } from '@opentelemetry/api';
import { UPSTREAM_ERRORS } from '../telemetry/names';
import { withoutHopByHop } from './hop-by-hop';
import type { Exchange } from './exchange';
import { H_TRACE_ID } from '../context/headers';
import { classify, failFlight, flightOfUpstream, onClientClose, protocolFailure, responseStarted, watchUpstream, type FailureHandler, type Flight, type FlightTimeouts } from './flight';
import { forwardUpgrade } from './upgrade';
import { createUpstreamAgents, sendClaimed } from './upstream-agent';

export type { FailureHandler, UpstreamFailure } from './flight';

export interface ForwardOptions extends FlightTimeouts {
  maxSockets: number;
  keepAliveTimeoutMs: number;
  /** True once the sidecar drains: responses then say `Connection: close`, even for requests that started before. */
  isDraining?: () => boolean;
}

export interface Forwarder {
  web(req: IncomingMessage, res: ServerResponse, target: URL, ex: Exchange, onFailure: FailureHandler): void;
  /**
   * An upgrade request, answered through `res` (bound to the client's socket) until the upstream
   * switches protocols; `onSwitched` runs then, when the socket becomes a tunnel.
   */
  upgrade(req: IncomingMessage, res: ServerResponse, head: Buffer, target: URL, ex: Exchange, onFailure: FailureHandler, onSwitched: () => void): void;
  /** Open upstream sockets (in use + idle), for leak checks and the soak benchmark. */
  socketCount(): number;
  close(): void;
}

const STATE = Symbol('paysidecar.forward');
type WithState = IncomingMessage & { [STATE]?: Flight };

function onResponseClose(this: ServerResponse): void {
  const f = (this.req as WithState)[STATE];
  if (f) onClientClose(f);
}

/** The url.parse() fields http-proxy reads from a target object (common.js setupOutgoing). */
function legacyTarget(u: URL): httpProxy.ServerOptions['target'] {
  const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const auth = u.username ? decodeURIComponent(u.username) + (u.password ? ':' + decodeURIComponent(u.password) : '') : undefined;
  const target = { protocol: u.protocol, host: u.host, hostname, port: u.port || null, path: u.pathname + u.search, auth: auth ?? null };
  return target as unknown as httpProxy.ServerOptions['target'];
}

export function createForwarder(meter: Meter, opts: ForwardOptions): Forwarder {
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets, maxFreeSockets: Math.min(256, opts.maxSockets), timeout: opts.keepAliveTimeoutMs, scheduling: 'lifo' as const };
  const { http: httpAgent, https: httpsAgent } = createUpstreamAgents(agentOptions);
  const upstreamErrors: Counter = meter.createCounter(UPSTREAM_ERRORS.otel, { description: UPSTREAM_ERRORS.description, unit: UPSTREAM_ERRORS.unit });
  const proxy = httpProxy.createProxyServer({ xfwd: false, ws: true, changeOrigin: false, preserveHeaderKeyCase: false });
  // http-proxy runs url.parse on a string target for every request: give it the parsed form (the
  // same url.parse, once per target) and one options object per target instead.
  const webOptions = new Map<string, httpProxy.ServerOptions>();
  const optionsFor = (target: URL): httpProxy.ServerOptions => {
    let o = webOptions.get(target.href);
    if (!o) {
      if (webOptions.size >= 16) webOptions.clear(); // upstreams only change on reload
      o = { target: legacyTarget(target), agent: target.protocol === 'https:' ? httpsAgent : httpAgent };
      webOptions.set(target.href, o);
    }
    return o;
  };

  proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) => {
    const f = (req as WithState)[STATE];
    proxyRes.headers = withoutHopByHop(proxyRes.headers);
    // http-proxy copies proxyRes' Connection onto the response, defaulting to keep-alive since the
    // client's own Connection header was stripped as hop-by-hop; keep node's decision instead, so a
    // client that asked to close (or any client while draining) is answered `Connection: close`.
    const closing = opts.isDraining?.() || (res as { shouldKeepAlive?: boolean }).shouldKeepAlive === false;
    const connection = closing ? 'close' : res.getHeader('connection');
    if (connection !== undefined) proxyRes.headers.connection = String(connection);
    if (!f) return;
    responseStarted(f, proxyRes);
    proxyRes.headers[H_TRACE_ID] = f.ex.legacyTraceId;
    // http-proxy pipes the upstream body but ignores its premature end: without this, a reset
    // mid-body would leave the client waiting forever for bytes that will never come.
    proxyRes.once('close', () => {
      if (proxyRes.complete) return;
      failFlight(f, classify(Object.assign(new Error('upstream closed mid-body'), { code: 'ECONNRESET' }), f, opts), upstreamErrors);
    });
    if (proxyRes.headers['content-length'] === undefined) {
      proxyRes.on('data', (chunk: Buffer) => {
        f.ex.countedBytes += chunk.length;
      });
    }
  });

  // Any error not routed to a per-request callback: never let it reach 'uncaughtException'.
  proxy.on('error', (err: Error, _req: IncomingMessage, target: ServerResponse | Duplex) => {
    if (target && 'destroy' in target && typeof target.destroy === 'function') target.destroy();
    void err;
  });

  // Made once, not per request: each finds its flight on the request (STATE) or the upstream request.
  const claim = (upstreamReq: http.ClientRequest, f: Flight) => {
    watchUpstream(f, upstreamReq, opts, upstreamErrors);
    // A 101 to a request that asked for no upgrade: without a listener node detaches the
    // socket and the request never ends; with one, the stray tunnel is closed and the client told.
    upstreamReq.once('upgrade', onStrayUpgrade);
  };
  function onStrayUpgrade(this: http.ClientRequest, _res: IncomingMessage, socket: Duplex): void {
    socket.destroy();
    const f = flightOfUpstream(this);
    if (f) failFlight(f, protocolFailure('101 Switching Protocols to a request that asked for no upgrade'), upstreamErrors);
  }
  const onProxyError = (err: NodeJS.ErrnoException, req: IncomingMessage) => {
    const f = (req as WithState)[STATE];
    if (f) failFlight(f, classify(err, f, opts), upstreamErrors);
  };
  const send = (f: Flight) => proxy.web(f.req, f.res, optionsFor(f.target as URL), onProxyError);

  return {
    web(req, res, target, ex, onFailure) {
      const f: Flight = { ex, req, res, onFailure, target };
      (req as WithState)[STATE] = f;
      res.once('close', onResponseClose);
      if (res.destroyed) return;
      sendClaimed(target.protocol === 'https:' ? httpsAgent : httpAgent, claim, f, send);
    },
    upgrade(req, res, head, target, ex, onFailure, onSwitched) {
      const f: Flight = { ex, req, res, onFailure };
      res.once('close', () => onClientClose(f));
      if (res.destroyed) return;
      forwardUpgrade(f, head, target, target.protocol === 'https:' ? httpsAgent : httpAgent, opts, upstreamErrors, onSwitched);
    },
    socketCount() {
      let n = 0;
      for (const agent of [httpAgent, httpsAgent]) {
        for (const list of Object.values(agent.sockets)) n += list?.length ?? 0;
        for (const list of Object.values(agent.freeSockets)) n += list?.length ?? 0;
      }
      return n;
    },
    close() {
      proxy.close();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
