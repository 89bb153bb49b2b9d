/**
 * Forwarding through http-proxy with a keep-alive agent. http-proxy only aborts the upstream request
 * on the incoming request's 'aborted' event, which Node >= 15.5 no longer emits reliably once the
 * body has been read; the response's 'close' is watched instead so a client abort always destroys
 * the upstream request. Timeouts are ours (not http-proxy's proxyTimeout) so a timeout is told apart
 * from a reset.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import type { Counter, Meter } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, UPSTREAM_ERRORS, UPSTREAM_ERROR_TYPES } from '../telemetry/names';
import type { ErrorCode } from '../errors';
import { stripHopByHop } from './hop-by-hop';
import type { Exchange } from './exchange';
import { H_TRACE_ID } from '../context/headers';

export interface ForwardOptions {
  upstreamTimeoutMs: number;
  connectTimeoutMs: number;
  maxSockets: number;
  keepAliveTimeoutMs: number;
  /** True once the sidecar drains: responses then say `Connection: close`, even for requests that started before. */
  isDraining?: () => boolean;
}

export interface UpstreamFailure {
  code: ErrorCode;
  errorType: string;
  detail: string;
}

export type FailureHandler = (ex: Exchange, req: IncomingMessage, res: ServerResponse, failure: UpstreamFailure) => void;

export interface Forwarder {
  web(req: IncomingMessage, res: ServerResponse, target: URL, ex: Exchange, onFailure: FailureHandler): void;
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, target: URL): void;
  /** Open upstream sockets (in use + idle), for leak checks and the soak benchmark. */
  socketCount(): number;
  close(): void;
}

interface ProxyState {
  ex: Exchange;
  onFailure: FailureHandler;
  timedOut?: 'timeout' | 'connect';
  upstreamReq?: http.ClientRequest;
}

const STATE = Symbol('paysidecar.forward');
type WithState = IncomingMessage & { [STATE]?: ProxyState };

function classify(err: NodeJS.ErrnoException, state: ProxyState, opts: ForwardOptions): UpstreamFailure {
  if (state.timedOut === 'connect') {
    return { code: 'PAYSIDECAR_UPSTREAM_CONNECT_TIMEOUT', errorType: UPSTREAM_ERROR_TYPES.connectTimeout, detail: `no connection within ${opts.connectTimeoutMs}ms` };
  }
  if (state.timedOut === 'timeout') {
    return { code: 'PAYSIDECAR_UPSTREAM_TIMEOUT', errorType: UPSTREAM_ERROR_TYPES.timeout, detail: `no answer within ${opts.upstreamTimeoutMs}ms` };
  }
  switch (err.code) {
    case 'ECONNREFUSED':
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.refused, detail: 'connection refused' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.reset, detail: 'connection reset by upstream' };
    default:
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.other, detail: err.code ?? err.message };
  }
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
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const upstreamErrors: Counter = meter.createCounter(UPSTREAM_ERRORS.otel, { description: UPSTREAM_ERRORS.description, unit: UPSTREAM_ERRORS.unit });
  const proxy = httpProxy.createProxyServer({ xfwd: false, ws: true, changeOrigin: false, preserveHeaderKeyCase: false });
  // http-proxy runs url.parse on a string target for every request: give it the parsed fields it
  // reads, once per target, and one options object per target. Built from WHATWG URL: url.parse is
  // deprecated (DEP0169, a warning on Node 24).
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

  proxy.on('proxyReq', (proxyReq: http.ClientRequest, req: IncomingMessage, res: ServerResponse) => {
    const state = (req as WithState)[STATE];
    if (!state) return;
    state.upstreamReq = proxyReq;
    if (state.ex.clientAborted) {
      proxyReq.destroy();
      return;
    }
    const socket = proxyReq.socket;
    if (socket && (socket as unknown as { connecting: boolean }).connecting) {
      const t = setTimeout(() => {
        state.timedOut = 'connect';
        proxyReq.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
      }, opts.connectTimeoutMs);
      socket.once('connect', () => clearTimeout(t));
      socket.once('close', () => clearTimeout(t));
    }
    proxyReq.setTimeout(opts.upstreamTimeoutMs, () => {
      state.timedOut ??= 'timeout';
      proxyReq.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' }));
    });
    void res;
  });

  proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) => {
    const state = (req as WithState)[STATE];
    stripHopByHop(proxyRes.headers);
    // http-proxy copies proxyRes' Connection onto the response, defaulting to keep-alive since the
    // client's own Connection header was stripped as hop-by-hop; keep node's decision instead, so a
    // client that asked to close (or any client while draining) is answered `Connection: close`.
    const closing = opts.isDraining?.() || (res as { shouldKeepAlive?: boolean }).shouldKeepAlive === false;
    const connection = closing ? 'close' : res.getHeader('connection');
    if (connection !== undefined) proxyRes.headers.connection = String(connection);
    if (!state) return;
    proxyRes.headers[H_TRACE_ID] = state.ex.legacyTraceId;
    // http-proxy pipes the upstream body but ignores its premature end: without this, a reset
    // mid-body would leave the client waiting forever for bytes that will never come.
    proxyRes.once('close', () => {
      if (proxyRes.complete || state.ex.clientAborted) return;
      state.ex.upstreamError = UPSTREAM_ERROR_TYPES.reset;
      upstreamErrors.add(1, { [ATTR_ERROR_TYPE]: UPSTREAM_ERROR_TYPES.reset });
      res.destroy();
    });
    if (proxyRes.headers['content-length'] === undefined) {
      proxyRes.on('data', (chunk: Buffer) => {
        state.ex.countedBytes += chunk.length;
      });
    }
  });

  // http-proxy pipes the two upgraded sockets but never closes one when the other goes away
  // (node's HTTP sockets allow half-open), which would leak both connections: tie their lifetimes.
  proxy.on('proxyReqWs', (proxyReq: http.ClientRequest, _req: IncomingMessage, socket: Duplex) => {
    proxyReq.once('upgrade', (_res: IncomingMessage, proxySocket: Duplex) => {
      const closeBoth = () => {
        socket.destroy();
        proxySocket.destroy();
      };
      socket.once('end', closeBoth);
      socket.once('close', closeBoth);
      proxySocket.once('end', closeBoth);
      proxySocket.once('close', closeBoth);
    });
  });

  // WebSocket and any error not routed to a per-request callback: never let it reach 'uncaughtException'.
  proxy.on('error', (err: Error, _req: IncomingMessage, target: ServerResponse | Duplex) => {
    if (target && 'destroy' in target && typeof target.destroy === 'function') target.destroy();
    void err;
  });

  return {
    web(req, res, target, ex, onFailure) {
      const state: ProxyState = { ex, onFailure };
      (req as WithState)[STATE] = state;
      res.once('close', () => {
        if (!res.writableFinished) {
          ex.clientAborted = true;
          state.upstreamReq?.destroy();
        }
      });
      proxy.web(req, res, optionsFor(target), (err: NodeJS.ErrnoException) => {
        if (ex.clientAborted || res.destroyed) {
          state.upstreamReq?.destroy();
          return;
        }
        const failure = classify(err, state, opts);
        ex.upstreamError = failure.errorType;
        upstreamErrors.add(1, { [ATTR_ERROR_TYPE]: failure.errorType });
        onFailure(ex, req, res, failure);
      });
    },
    ws(req, socket, head, target) {
      // Upgraded sockets never return to a pool, so WebSockets use a fresh connection each.
      proxy.ws(req, socket, head, { target: target.href }, () => {
        upstreamErrors.add(1, { [ATTR_ERROR_TYPE]: UPSTREAM_ERROR_TYPES.other });
        socket.destroy();
      });
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
