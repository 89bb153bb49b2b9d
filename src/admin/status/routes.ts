/**
 * The status page on the admin listener, behind the /debug/pprof access rule (loopback, or the
 * debug token): it shows code paths, trace ids and runtime state, so it is no more public.
 *
 *   GET /                       the page (static HTML, a strict Content-Security-Policy)
 *   GET /status/status.js|.css  the page's script and styles (src/admin/status/static/, shipped)
 *   GET /status/uplot.js|.css   uPlot, served from the installed package: no CDN, works offline
 *   GET /status/data.json?since=SEQ   frames after SEQ (all for 0), recent requests, kernel advice
 *
 * The page polls data.json every second rather than holding a server-sent-events stream: a fetch
 * can carry the debug token's Authorization header where EventSource cannot, and a closed tab
 * leaves nothing open on the admin listener.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJsonError } from '../../net/json-error';
import { checkDebugAccess } from '../../runtime/pprof/access';
import type { Logger } from '../../telemetry/logger';
import type { AdminMount } from '../server';
import type { Status } from './status';

/** Where the page's own files live: beside the sources, listed in package.json "files". */
export const STATIC_DIR = join(__dirname, '..', '..', '..', '..', 'src', 'admin', 'status', 'static');

export const STATUS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  file: () => string;
  type: string;
}

const ASSETS: Record<string, Asset> = {
  '/': { file: () => join(STATIC_DIR, 'status.html'), type: 'text/html; charset=utf-8' },
  '/status/status.js': { file: () => join(STATIC_DIR, 'status.js'), type: 'text/javascript; charset=utf-8' },
  '/status/status.css': { file: () => join(STATIC_DIR, 'status.css'), type: 'text/css; charset=utf-8' },
  '/status/uplot.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/status/uplot.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

function send(req: IncomingMessage, res: ServerResponse, body: Buffer | string, type: string): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'content-security-policy': STATUS_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function createStatusMount(status: Status, opts: { token?: string; logger?: Logger }): AdminMount {
  const cache = new Map<string, Buffer>();
  const read = (path: string, asset: Asset) => {
    let body = cache.get(path);
    if (!body) cache.set(path, (body = readFileSync(asset.file())));
    return body;
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const path = url.pathname;
    if (path !== '/' && !path.startsWith('/status/')) return false;
    const access = checkDebugAccess(req, opts.token);
    if (!access.ok) {
      opts.logger?.warn({ peer: req.socket.remoteAddress, path }, 'status page refused');
      sendJsonError(res, 'PAYSIDECAR_DEBUG_FORBIDDEN', { detail: access.detail });
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJsonError(res, 'PAYSIDECAR_METHOD_NOT_ALLOWED', { detail: `${req.method} ${path}: use GET`, headers: { allow: 'GET, HEAD' } });
      return true;
    }
    if (path === '/status/data.json') {
      const since = Number(url.searchParams.get('since') ?? '0');
      if (!Number.isSafeInteger(since) || since < 0) {
        sendJsonError(res, 'PAYSIDECAR_BAD_PARAMETER', { detail: `since=${url.searchParams.get('since')}: a frame number (0 for all)` });
        return true;
      }
      send(req, res, JSON.stringify(status.data(since)), 'application/json; charset=utf-8');
      return true;
    }
    const asset = ASSETS[path];
    if (!asset) {
      sendJsonError(res, 'PAYSIDECAR_NOT_FOUND', { detail: `no status route ${path}; the page is at /` });
      return true;
    }
    send(req, res, read(path, asset), asset.type);
    return true;
  };
}
