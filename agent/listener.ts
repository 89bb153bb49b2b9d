/**
 * The agent's own listener (PAYSIDECAR_AGENT_ADMIN, default 127.0.0.1:15091):
 *
 *   GET /metrics         runtime metrics and the app's OpenTelemetry metrics, Prometheus text
 *                        (`?quiet=1`: without ending the runtime sampler's scrape interval)
 *   GET /debug/pprof/... profiles and timeline (src/runtime/pprof/routes.ts)
 *   GET /                this list
 * Anything else: 404 PAYSIDECAR_NOT_FOUND; a method other than GET or HEAD on a route: 405
 * PAYSIDECAR_METHOD_NOT_ALLOWED with Allow (src/net/json-error.ts writes both).
 *
 * A port already in use (two app processes, a restart racing the old one) is one warning and the
 * app runs on without the listener.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort, type HostPort } from '../src/config/address';
import { sendJsonError } from '../src/net/json-error';
import { AGENT_HOOKS } from '../src/telemetry/names/runtime';
import type { Logger } from '../src/telemetry/logger';

export interface AgentListenerOptions {
  address: HostPort;
  metrics(req: IncomingMessage, res: ServerResponse): void;
  debug(req: IncomingMessage, res: ServerResponse): boolean;
  logger: Logger;
  onError(hook: string, err: unknown): void;
}

export interface AgentListener {
  readonly server: Server;
  /** Resolves with the bound address, or undefined when the listener could not bind. */
  readonly ready: Promise<AddressInfo | undefined>;
  close(): Promise<void>;
}

const INDEX = 'paysidecar agent\n\n/metrics        runtime and app metrics (Prometheus text)\n/debug/pprof/   profiles, heap, timeline, active resources\n';

export function startAgentListener(opts: AgentListenerOptions): AgentListener {
  const server = createServer((req, res) => {
    try {
      if (opts.debug(req, res)) return;
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics' && path !== '/') {
        return sendJsonError(res, 'PAYSIDECAR_NOT_FOUND', { detail: `${path}: the agent serves /metrics and /debug/pprof/` });
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJsonError(res, 'PAYSIDECAR_METHOD_NOT_ALLOWED', { detail: `${req.method} ${path}: use GET`, headers: { allow: 'GET, HEAD' } });
      }
      if (path === '/metrics') return opts.metrics(req, res);
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(INDEX);
    } catch (err) {
      opts.onError(AGENT_HOOKS.listener, err);
      sendJsonError(res, 'PAYSIDECAR_INTERNAL');
    }
  });
  // The listener is a window into the app, not part of it: it must not keep a finished app alive.
  server.unref();
  const where = formatHostPort(opts.address);
  const ready = new Promise<AddressInfo | undefined>((resolve) => {
    server.once('listening', () => resolve(server.address() as AddressInfo));
    // `on`, not `once`: an unhandled 'error' on a server would crash the app.
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (server.listening) return opts.onError(AGENT_HOOKS.listener, err);
      opts.logger.warn(
        { address: where, code: err.code },
        err.code === 'EADDRINUSE'
          ? `agent listener: ${where} is already in use; the app runs on without /metrics and /debug/pprof (set PAYSIDECAR_AGENT_ADMIN to another host:port, or off)`
          : `agent listener: cannot listen on ${where} (${err.code ?? err.message}); the app runs on without it`,
      );
      resolve(undefined);
    });
  });
  server.listen(opts.address.port, opts.address.host);
  return {
    server,
    ready,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
