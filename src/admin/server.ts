/**
 * The admin listener (default 127.0.0.1:15090), separate from the proxy listener.
 *
 * Routes:
 *   GET /metrics        Prometheus exposition of the sidecar's metrics (plus the agent's, when merged);
 *                       OpenMetrics 1.0 with exemplars when Accept asks for it (metrics-format.ts)
 *   GET /live           200 while the process is up
 *   GET /ready          200 when serving; 503 while draining or while the upstream port refuses connections
 *   GET /config         the effective config as JSON, secrets shown as "[redacted]"
 *   GET /debug/pprof/*  profiles and traces (loopback callers, or a bearer token), when mounted
 *   GET /, /status/*    the live status page and its data (same access rule), when mounted
 * Anything else: 404 PAYSIDECAR_NOT_FOUND; a method other than GET or HEAD: 405
 * PAYSIDECAR_METHOD_NOT_ALLOWED with Allow (src/net/json-error.ts writes both).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Readiness } from './readiness';
import { sendJsonError } from '../net/json-error';
import { PROMETHEUS_CONTENT_TYPE, wantsOpenMetrics } from './metrics-format';
import { OPENMETRICS_CONTENT_TYPE } from '../telemetry/exemplars/openmetrics';

/** Returns true when it handled the request. */
export type AdminMount = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface AdminDeps {
  /** `--headers-timeout`: the admin listener is no less exposed to slow-loris clients than the proxy. */
  headersTimeoutMs?: number;
  readiness: Readiness;
  /** The exposition; OpenMetrics text (ending in `# EOF`) when `openMetrics`. */
  metricsText(openMetrics?: boolean): Promise<string>;
  config(): Record<string, unknown>;
  mounts?: AdminMount[];
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Time to receive a whole admin request (node's requestTimeout counts until the request is read,
 * not while a profile is captured): admin requests are bodiless GETs, so this is generous.
 */
const ADMIN_REQUEST_TIMEOUT_MS = 30_000;

export function createAdminServer(deps: AdminDeps): http.Server {
  const headersTimeout = deps.headersTimeoutMs ?? 10_000;
  const serverOptions = {
    headersTimeout,
    requestTimeout: Math.max(ADMIN_REQUEST_TIMEOUT_MS, headersTimeout),
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 2))),
  };
  return http.createServer(serverOptions, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    try {
      for (const mount of deps.mounts ?? []) if (mount(req, res)) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJsonError(res, 'PAYSIDECAR_METHOD_NOT_ALLOWED', { detail: `${req.method} ${path}: use GET`, headers: { allow: 'GET, HEAD' } });
      }
      switch (path) {
        case '/metrics': {
          const openMetrics = wantsOpenMetrics(req.headers.accept);
          deps.metricsText(openMetrics).then(
            (text) => {
              res.writeHead(200, { 'content-type': openMetrics ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE, vary: 'Accept' });
              res.end(text);
            },
            (err: Error) => sendJsonError(res, 'PAYSIDECAR_INTERNAL', { detail: `metrics collection failed: ${err.message}` }),
          );
          return;
        }
        case '/live':
          return json(res, 200, { status: 'live' });
        case '/ready':
          deps.readiness.check().then(
            (s) => json(res, s.ready ? 200 : 503, s.ready ? { status: 'ready' } : { status: 'not ready', reason: s.reason }),
            (err: Error) => sendJsonError(res, 'PAYSIDECAR_INTERNAL', { detail: err.message }),
          );
          return;
        case '/config':
          return json(res, 200, deps.config());
        default:
          return sendJsonError(res, 'PAYSIDECAR_NOT_FOUND', { detail: `no admin route ${path}; routes: / (status page) /metrics /live /ready /config /debug/pprof/` });
      }
    } catch (err) {
      sendJsonError(res, 'PAYSIDECAR_INTERNAL', { detail: (err as Error).message });
    }
  });
}
