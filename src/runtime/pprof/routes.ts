/**
 * /debug/pprof on any node:http listener (the agent's, the sidecar's admin):
 *
 *   GET /debug/pprof/                   index page (endpoints, defaults, access rule)
 *   GET /debug/pprof/profile?seconds=N  CPU profile, gzipped pprof (default 30 s, max 300)
 *   GET /debug/pprof/heap?seconds=N&interval=B   sampling heap profile, gzipped pprof
 *   GET /debug/pprof/trace?seconds=N    Chrome Trace Event JSON timeline (Perfetto)
 *   GET /debug/pprof/goroutine          active handles and requests, text
 *
 * Loopback or bearer token (access.ts); one capture at a time (409 while busy); a capture whose
 * caller disconnects is stopped. The inspector, pprof-format and the timeline are loaded on the
 * first capture, not at start-up.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJsonError } from '../../net/json-error';
import { checkDebugAccess } from './access';
import { currentCapture, tryAcquireCapture } from './capture-lock';
import { indexPage } from './index-page';
import { intParam } from './params';
import type { Logger } from '../../telemetry/logger';

export interface DebugHandlerOptions {
  /** PAYSIDECAR_DEBUG_TOKEN: lets non-loopback callers in. Never logged or echoed. */
  token?: string;
  logger?: Logger;
  /** CPU sampling interval (µs). Default 10000 (100 Hz, as Go). */
  cpuIntervalUs?: number;
  /** Heap profile: average bytes between samples. Default 524288, overridable per request with ?interval=. */
  heapIntervalBytes?: number;
}

const DEBUG_PREFIX = '/debug/pprof';

const DEBUG_DEFAULTS = {
  profileSeconds: 30,
  heapSeconds: 10,
  traceSeconds: 5,
  maxSeconds: 300,
  // 100 Hz, as Go's profiler: at 1 ms the V8 sampler cost the gateway about 20% CPU, at 10 ms a few percent.
  cpuIntervalUs: 10_000,
  heapIntervalBytes: 512 * 1024,
} as const;

type Handler = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => Promise<void> | void;

function sendBody(req: IncomingMessage, res: ServerResponse, body: Buffer | string, headers: Record<string, string>): void {
  res.writeHead(200, { 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Aborts when the caller goes away before the answer is sent. */
function abortOnDisconnect(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

async function gzip(bytes: Uint8Array): Promise<Buffer> {
  const { gzip: gz } = require('node:zlib') as typeof import('node:zlib');
  const { promisify } = require('node:util') as typeof import('node:util');
  // Off the event loop: the thread pool compresses.
  return promisify(gz)(bytes);
}

export function createDebugHandler(opts: DebugHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const cpuIntervalUs = opts.cpuIntervalUs ?? DEBUG_DEFAULTS.cpuIntervalUs;
  const heapIntervalBytes = opts.heapIntervalBytes ?? DEBUG_DEFAULTS.heapIntervalBytes;
  const log = opts.logger;

  /** Runs one capture under the process-wide lock, answering 409 when another is running. */
  async function capture(kind: string, req: IncomingMessage, res: ServerResponse, seconds: number, run: (signal: AbortSignal) => Promise<boolean>) {
    const release = tryAcquireCapture(kind);
    if (!release) {
      sendJsonError(res, 'PAYSIDECAR_CAPTURE_BUSY', { detail: `a ${currentCapture() ?? 'capture'} capture is running; retry when it ends` });
      return;
    }
    const started = Date.now();
    const peer = req.socket.remoteAddress;
    log?.info({ capture: kind, seconds, peer }, 'debug capture started');
    try {
      const answered = await run(abortOnDisconnect(res));
      log?.info({ capture: kind, seconds, peer, ms: Date.now() - started, completed: answered }, answered ? 'debug capture sent' : 'debug capture abandoned: the caller went away');
    } catch (err) {
      log?.error({ capture: kind, err: err instanceof Error ? err.message : String(err) }, 'debug capture failed');
      sendJsonError(res, 'PAYSIDECAR_INTERNAL', { detail: `${kind} capture failed: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      release();
    }
  }

  const seconds = (query: URLSearchParams, res: ServerResponse, dflt: number): number | undefined => {
    const p = intParam(query, 'seconds', dflt, 1, DEBUG_DEFAULTS.maxSeconds);
    if (!p.ok) sendJsonError(res, 'PAYSIDECAR_BAD_PARAMETER', { detail: p.detail });
    return p.ok ? p.value : undefined;
  };

  const routes: Record<string, Handler> = {
    '': (req, res) =>
      sendBody(
        req,
        res,
        indexPage({
          tokenConfigured: opts.token !== undefined,
          capturing: currentCapture(),
          defaults: {
            profileSeconds: DEBUG_DEFAULTS.profileSeconds,
            heapSeconds: DEBUG_DEFAULTS.heapSeconds,
            traceSeconds: DEBUG_DEFAULTS.traceSeconds,
            cpuIntervalUs,
            heapIntervalBytes,
          },
        }),
        { 'content-type': 'text/html; charset=utf-8' },
      ),

    '/profile': async (req, res, query) => {
      const s = seconds(query, res, DEBUG_DEFAULTS.profileSeconds);
      if (s === undefined) return;
      await capture('profile', req, res, s, async (signal) => {
        const { captureCpuProfile } = require('./cpu') as typeof import('./cpu');
        const { cpuProfileToPprof } = require('./cpu-to-pprof') as typeof import('./cpu-to-pprof');
        const cpu = await captureCpuProfile(s, cpuIntervalUs, signal);
        if (!cpu) return false;
        const bytes = await cpuProfileToPprof(cpu.profile, cpu).encodeAsync();
        sendBody(req, res, await gzip(bytes), {
          'content-type': 'application/octet-stream',
          'content-disposition': 'attachment; filename="profile.pb.gz"',
        });
        return true;
      });
    },

    '/heap': async (req, res, query) => {
      const s = seconds(query, res, DEBUG_DEFAULTS.heapSeconds);
      if (s === undefined) return;
      const interval = intParam(query, 'interval', heapIntervalBytes, 1024, 64 * 1024 * 1024);
      if (!interval.ok) return sendJsonError(res, 'PAYSIDECAR_BAD_PARAMETER', { detail: interval.detail });
      await capture('heap', req, res, s, async (signal) => {
        const { captureHeapProfile } = require('./heap') as typeof import('./heap');
        const { heapProfileToPprof } = require('./heap-to-pprof') as typeof import('./heap-to-pprof');
        const heap = await captureHeapProfile(s, interval.value, signal);
        if (!heap) return false;
        const bytes = await heapProfileToPprof(heap.profile, heap).encodeAsync();
        sendBody(req, res, await gzip(bytes), {
          'content-type': 'application/octet-stream',
          'content-disposition': 'attachment; filename="heap.pb.gz"',
        });
        return true;
      });
    },

    '/trace': async (req, res, query) => {
      const s = seconds(query, res, DEBUG_DEFAULTS.traceSeconds);
      if (s === undefined) return;
      await capture('trace', req, res, s, async (signal) => {
        const { captureTimeline } = require('./timeline') as typeof import('./timeline');
        const server = (req.socket as { server?: unknown }).server;
        const doc = await captureTimeline({ seconds: s, signal, excludeServer: server });
        if (!doc) return false;
        sendBody(req, res, JSON.stringify(doc), {
          'content-type': 'application/json',
          'content-disposition': 'attachment; filename="trace.json"',
        });
        return true;
      });
    },

    '/goroutine': (req, res) => {
      const { activeResourcesText } = require('./goroutine') as typeof import('./goroutine');
      sendBody(req, res, activeResourcesText(), { 'content-type': 'text/plain; charset=utf-8' });
    },
  };

  return (req, res) => {
    const url = req.url ?? '/';
    if (url !== DEBUG_PREFIX && !url.startsWith(DEBUG_PREFIX + '/') && !url.startsWith(DEBUG_PREFIX + '?')) return false;
    try {
      const parsed = new URL(url, 'http://debug.invalid');
      const sub = parsed.pathname.slice(DEBUG_PREFIX.length).replace(/\/+$/, '');
      const access = checkDebugAccess(req, opts.token);
      if (!access.ok) {
        log?.warn({ peer: req.socket.remoteAddress, path: parsed.pathname }, 'debug endpoint refused');
        sendJsonError(res, 'PAYSIDECAR_DEBUG_FORBIDDEN', { detail: access.detail });
        return true;
      }
      const route = routes[sub];
      if (!route) {
        sendJsonError(res, 'PAYSIDECAR_NOT_FOUND', { detail: `${parsed.pathname}: known profiles are ${Object.keys(routes).filter(Boolean).map((r) => DEBUG_PREFIX + r).join(', ')}` });
        return true;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJsonError(res, 'PAYSIDECAR_METHOD_NOT_ALLOWED', { detail: `${req.method} ${parsed.pathname}: use GET`, headers: { allow: 'GET, HEAD' } });
        return true;
      }
      Promise.resolve(route(req, res, parsed.searchParams)).catch((err: unknown) => {
        log?.error({ err: err instanceof Error ? err.message : String(err) }, 'debug endpoint failed');
        sendJsonError(res, 'PAYSIDECAR_INTERNAL');
      });
    } catch (err) {
      log?.error({ err: err instanceof Error ? err.message : String(err) }, 'debug endpoint failed');
      sendJsonError(res, 'PAYSIDECAR_INTERNAL');
    }
    return true;
  };
}
