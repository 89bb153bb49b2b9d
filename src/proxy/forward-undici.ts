/**
 * Forwarding on undici: one Pool per upstream origin, the request body streamed from the
 * IncomingMessage and the response streamed to the ServerResponse, each side paced by the other
 * (undici pauses the body when the upstream socket is full; the controller is paused when the
 * client's is). Failures get the same codes and error.type values as the http-proxy core.
 * WebSocket upgrades are handed to the http-proxy core given at creation.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
// Only the Pool: undici's index loads every dispatcher, fetch, WebSocket and the mocks (about 12 MB of RSS).
import Pool = require('undici/lib/dispatcher/pool');
import type { Counter, Meter } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, UPSTREAM_ERRORS, UPSTREAM_ERROR_TYPES } from '../telemetry/names';
import { H_TRACE_ID } from '../context/headers';
import { stripHopByHop } from './hop-by-hop';
import type { Exchange } from './exchange';
import type { FailureHandler, ForwardOptions, UpstreamFailure } from './forward';
import { protocolFailure } from './flight';
import { errorStatus } from '../errors';
import type { Forwarder } from './forwarder';

type Controller = Dispatcher.DispatchController;

export function classifyUndiciError(err: NodeJS.ErrnoException, opts: ForwardOptions): UpstreamFailure {
  // undici's HTTPParserError: the upstream's bytes are not HTTP/1.1 (its code, when set, is llhttp's).
  if (err.name === 'HTTPParserError' || err.code?.startsWith('HPE_')) return protocolFailure((err.code ?? 'invalid_response').replace(/^HPE_/, '').toLowerCase());
  switch (err.code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { code: 'PAYSIDECAR_UPSTREAM_CONNECT_TIMEOUT', errorType: UPSTREAM_ERROR_TYPES.connectTimeout, detail: `no connection within ${opts.connectTimeoutMs}ms` };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { code: 'PAYSIDECAR_UPSTREAM_TIMEOUT', errorType: UPSTREAM_ERROR_TYPES.timeout, detail: `no answer within ${opts.upstreamTimeoutMs}ms` };
    case 'ECONNREFUSED':
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.refused, detail: 'connection refused' };
    // undici reports an upstream that closed the connection mid-exchange as UND_ERR_SOCKET
    // ("other side closed"); node's client calls the same event ECONNRESET.
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.reset, detail: 'connection reset by upstream' };
    default:
      return { code: 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', errorType: UPSTREAM_ERROR_TYPES.other, detail: err.code ?? err.message };
  }
}

/** The upstream path: the target's path prefix (if any) joined with the request's. */
function upstreamPath(target: URL, url: string): string {
  if (target.pathname === '/' && target.search === '') return url;
  const path = target.pathname.replace(/\/$/, '') + url;
  if (!target.search) return path;
  return path + (url.includes('?') ? '&' + target.search.slice(1) : target.search);
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  if (length !== undefined) return length !== '0';
  return headers['transfer-encoding'] !== undefined;
}

/** One request's dispatch handler: relays the upstream response onto `res` with backpressure. */
class Relay implements Dispatcher.DispatchHandler {
  controller: Controller | undefined;
  private paused = false;
  private countBytes = false;
  private readonly onDrain = (): void => {
    this.paused = false;
    this.controller?.resume();
  };

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly ex: Exchange,
    private readonly onFailure: FailureHandler,
    private readonly opts: ForwardOptions,
    private readonly upstreamErrors: Counter,
  ) {}

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.ex.clientAborted) controller.abort(new Error('client aborted'));
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusText?: string): void {
    const { res, ex, opts } = this;
    stripHopByHop(headers);
    // The client's framing is node's to choose (content-length is kept, chunking is redone).
    delete headers['transfer-encoding'];
    if (opts.isDraining?.() || (res as { shouldKeepAlive?: boolean }).shouldKeepAlive === false) headers.connection = 'close';
    headers[H_TRACE_ID] = ex.legacyTraceId;
    this.countBytes = headers['content-length'] === undefined;
    res.writeHead(statusCode, statusText || undefined, headers);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.countBytes) this.ex.countedBytes += chunk.length;
    if (!this.res.write(chunk) && !this.paused) {
      this.paused = true;
      controller.pause();
      this.res.once('drain', this.onDrain);
    }
  }

  onResponseEnd(): void {
    this.res.end();
  }

  onResponseError(_controller: Controller | null, err: Error): void {
    const { res, ex } = this;
    // A client gone mid-upload fails the body undici is reading, maybe before the response's
    // 'close' has run: that is the client's abort, not an upstream failure.
    if (ex.clientAborted || res.destroyed || res.socket?.destroyed === true) return;
    const failure = classifyUndiciError(err as NodeJS.ErrnoException, this.opts);
    ex.upstreamError = failure.errorType;
    this.upstreamErrors.add(1, { [ATTR_ERROR_TYPE]: failure.errorType });
    if (res.headersSent) {
      // The one rule for a started response (flight.ts): cut the client, record the failure's own
      // status and error type once.
      ex.outcome = { status: errorStatus(failure.code), errorType: failure.errorType };
      res.destroy();
    } else this.onFailure(ex, this.req, res, failure);
  }
}

export function createUndiciForwarder(meter: Meter, opts: ForwardOptions, upgrades: Forwarder): Forwarder {
  const upstreamErrors: Counter = meter.createCounter(UPSTREAM_ERRORS.otel, { description: UPSTREAM_ERRORS.description, unit: UPSTREAM_ERRORS.unit });
  const pools = new Map<string, Pool>();
  const poolFor = (target: URL): Pool => {
    let pool = pools.get(target.origin);
    if (!pool) {
      pool = new Pool(target.origin, {
        connections: opts.maxSockets,
        // Never keep an idle socket longer than configured, whatever Keep-Alive hint the upstream sends.
        keepAliveTimeout: opts.keepAliveTimeoutMs,
        keepAliveMaxTimeout: opts.keepAliveTimeoutMs,
        connectTimeout: opts.connectTimeoutMs,
        headersTimeout: opts.upstreamTimeoutMs,
        bodyTimeout: opts.upstreamTimeoutMs,
      });
      pools.set(target.origin, pool);
    }
    return pool;
  };

  return {
    web(req, res, target, ex, onFailure) {
      const relay = new Relay(req, res, ex, onFailure, opts, upstreamErrors);
      res.once('close', () => {
        if (res.writableFinished) return;
        ex.clientAborted = true;
        // Aborting destroys the upstream socket at once rather than waiting for the upstream's answer.
        relay.controller?.abort(new Error('client aborted'));
      });
      const headers = req.headers;
      const body = hasBody(headers) ? req : null;
      // undici frames the body itself and refuses these; node answered any 100-continue already.
      delete headers['transfer-encoding'];
      delete headers['expect'];
      try {
        poolFor(target).dispatch({ origin: target.origin, path: upstreamPath(target, req.url ?? '/'), method: req.method ?? 'GET', headers, body }, relay);
      } catch (err) {
        relay.onResponseError(null, err as Error);
      }
    },
    upgrade(req, res, head, target, ex, onFailure, onSwitched) {
      upgrades.upgrade(req, res, head, target, ex, onFailure, onSwitched);
    },
    socketCount() {
      let n = upgrades.socketCount();
      for (const pool of pools.values()) n += pool.stats.connected;
      return n;
    },
    close() {
      for (const pool of pools.values()) pool.destroy().catch(() => undefined);
      pools.clear();
      upgrades.close();
    },
  };
}
