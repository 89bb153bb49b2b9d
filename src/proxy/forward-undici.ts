/**
 * Forwarding on undici: one Pool per upstream origin with the gate in front of it (the bounded
 * wait for a connection, upstream-gate.ts); each request is a Relay (relay-undici.ts), each upgrade
 * request an UpgradeRelay (upgrade-undici.ts) on the same Pool and gate, so both count toward
 * --max-sockets until they are answered or switched.
 */
// Only the Pool: undici's index loads every dispatcher, fetch, WebSocket and the mocks (about 12 MB of RSS).
import Pool = require('undici/lib/dispatcher/pool');
import type { Counter, Meter } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, UPSTREAM_ERRORS, UPSTREAM_ERROR_TYPES } from '../telemetry/names';
import type { ForwardOptions } from './forward';
import { UpstreamGate } from './upstream-gate';
import { classifyUndiciError, Relay, type Upstream } from './relay-undici';
import { UpgradeRelay } from './upgrade-undici';
import type { Forwarder } from './forwarder';

export function createUndiciForwarder(meter: Meter, opts: ForwardOptions): Forwarder {
  const upstreamErrors: Counter = meter.createCounter(UPSTREAM_ERRORS.otel, { description: UPSTREAM_ERRORS.description, unit: UPSTREAM_ERRORS.unit });
  const requestErrors = new WeakSet<Error>();
  const pools = new Map<string, { pool: Pool; gate: UpstreamGate }>();
  const entryFor = (target: URL): { pool: Pool; gate: UpstreamGate } => {
    let entry = pools.get(target.origin);
    if (!entry) {
      const pool = new Pool(target.origin, {
        connections: opts.maxSockets,
        // Never keep an idle socket longer than configured, whatever Keep-Alive hint the upstream sends.
        keepAliveTimeout: opts.keepAliveTimeoutMs,
        keepAliveMaxTimeout: opts.keepAliveTimeoutMs,
        connectTimeout: opts.connectTimeoutMs,
        headersTimeout: opts.upstreamTimeoutMs,
        bodyTimeout: opts.upstreamTimeoutMs,
        // HTTP/1.1 to the upstream, as on the http-proxy core: with h2 allowed, an https Pool holds
        // requests in its own queue while ALPN decides, outside the gate's timer.
        allowH2: false,
      });
      // Bytes past a response's end (a Content-Length counting characters, not bytes) break the
      // connection after its request finished: no request hears of it, so it is counted here, as
      // the http-proxy core counts it, and the response already sent stands.
      pool.on('disconnect', (_origin, _targets, err: Error) => {
        if (requestErrors.has(err)) return;
        const failure = classifyUndiciError(err as NodeJS.ErrnoException, opts);
        if (failure.errorType === UPSTREAM_ERROR_TYPES.protocol) upstreamErrors.add(1, { [ATTR_ERROR_TYPE]: failure.errorType });
      });
      entry = { pool, gate: new UpstreamGate(opts.maxSockets, opts.socketWaitTimeoutMs) };
      pools.set(target.origin, entry);
    }
    return entry;
  };

  const upstreams = new Map<string, Upstream>();
  const upstreamFor = (target: URL): Upstream => {
    let up = upstreams.get(target.href);
    if (!up) {
      if (upstreams.size >= 16) upstreams.clear(); // targets only change on reload; pools stay by origin
      up = { ...entryFor(target), target, opts, upstreamErrors, requestErrors };
      upstreams.set(target.href, up);
    }
    return up;
  };
  return {
    web(req, res, target, ex, onFailure) {
      new Relay(req, res, ex, onFailure, upstreamFor(target)).start();
    },
    upgrade(req, res, head, target, ex, onFailure, onSwitched) {
      new UpgradeRelay(req, res, ex, onFailure, upstreamFor(target)).upgrade(head, onSwitched);
    },
    socketCount() {
      let n = 0;
      for (const { pool } of pools.values()) n += pool.stats.connected;
      return n;
    },
    close() {
      for (const { pool } of pools.values()) pool.destroy().catch(() => undefined);
      pools.clear();
      upstreams.clear();
    },
  };
}
