/**
 * Upgrade requests (WebSocket, h2c): a request like any other until the upstream answers 101. The
 * handler binds a ServerResponse to the client's socket, so until the switch the request is shed,
 * timed, aborted with its client and answered (a plain answer, or the JSON error) like every other;
 * it takes a socket from the same pool, so it counts toward --max-sockets. Only on 101 does the
 * socket become a tunnel, and the two sockets' lifetimes are then tied together.
 */
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Counter } from '@opentelemetry/api';
import { H_TRACE_ID } from '../context/headers';
import { withoutHopByHop } from './hop-by-hop';
import { classify, failFlight, responseStarted, watchUpstream, type Flight, type FlightTimeouts } from './flight';

/** The upstream path: the target's base path plus the request's origin-form path and query. */
function upstreamPath(target: URL, url: string | undefined): string {
  let path = url ?? '/';
  if (!path.startsWith('/')) {
    try {
      const u = new URL(path);
      path = u.pathname + u.search;
    } catch {
      path = '/';
    }
  }
  const base = target.pathname.endsWith('/') ? target.pathname.slice(0, -1) : target.pathname;
  return base + path;
}

/** The 101 head for the client, from the upstream's raw headers (case kept) plus our trace id. */
export function switchHead(res: Pick<IncomingMessage, 'statusMessage' | 'rawHeaders'>, legacyTraceId: string): string {
  const lines = [`HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}`];
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() === H_TRACE_ID) continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  lines.push(`${H_TRACE_ID}: ${legacyTraceId}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/** What a client may send before the switch; a client must wait for the 101, so this is generous. */
export const MAX_EARLY_BYTES = 64 * 1024;

export function tie(a: Duplex, b: Duplex): void {
  // Node's HTTP sockets allow half-open: without this, one side leaving would leak both.
  const closeBoth = () => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on('error', closeBoth);
    s.once('end', closeBoth);
    s.once('close', closeBoth);
  }
  a.pipe(b).pipe(a);
}

export function forwardUpgrade(
  f: Flight,
  head: Buffer,
  target: URL,
  agent: http.Agent | https.Agent,
  timeouts: FlightTimeouts,
  upstreamErrors: Counter,
  onSwitched: () => void,
): void {
  const { req, res, ex } = f;
  const client = res.socket;
  if (!client) return;
  // Node hands over the socket paused: unread, a client that leaves is never noticed. Read it until
  // the switch, keeping what a client sends early (bounded) for the tunnel.
  const early: Buffer[] = [head];
  let earlyBytes = head.length;
  const onEarlyData = (chunk: Buffer) => {
    earlyBytes += chunk.length;
    if (earlyBytes > MAX_EARLY_BYTES) client.destroy();
    else early.push(chunk);
  };
  const onEarlyEnd = () => client.destroy();
  client.on('data', onEarlyData);
  client.once('end', onEarlyEnd);
  const send = target.protocol === 'https:' ? (require('node:https') as typeof https).request : http.request;
  const upstreamReq = send({
    protocol: target.protocol,
    hostname: target.hostname.replace(/^\[|\]$/g, ''),
    port: target.port || undefined,
    method: req.method,
    path: upstreamPath(target, req.url),
    headers: req.headers as OutgoingHttpHeaders,
    agent,
  });
  upstreamReq.on('error', (err: NodeJS.ErrnoException) => failFlight(f, classify(err, f, timeouts), upstreamErrors));
  watchUpstream(f, upstreamReq, timeouts, upstreamErrors);

  upstreamReq.on('upgrade', (upstreamRes: IncomingMessage, upstream: Duplex, upstreamHead: Buffer) => {
    upstream.on('error', () => upstream.destroy());
    if (f.settled || ex.clientAborted || res.destroyed || !client.writable) {
      upstream.destroy();
      return;
    }
    f.settled = true;
    ex.responseStarted = true;
    ex.outcome = { status: 101 };
    (upstream as import('node:net').Socket).setTimeout(0);
    // From here the client socket is a tunnel, not an HTTP response.
    res.detachSocket(client as import('node:net').Socket);
    client.write(switchHead(upstreamRes, ex.legacyTraceId));
    if (upstreamHead.length > 0) client.write(upstreamHead);
    client.removeListener('data', onEarlyData);
    client.removeListener('end', onEarlyEnd);
    for (const chunk of early) if (chunk.length > 0) upstream.write(chunk);
    tie(client, upstream);
    onSwitched();
  });

  upstreamReq.on('response', (upstreamRes: IncomingMessage) => {
    responseStarted(f, upstreamRes);
    const headers: OutgoingHttpHeaders = { ...withoutHopByHop(upstreamRes.headers), [H_TRACE_ID]: ex.legacyTraceId, connection: 'close' };
    upstreamRes.once('close', () => {
      if (upstreamRes.complete) return;
      failFlight(f, classify(Object.assign(new Error('upstream closed mid-body'), { code: 'ECONNRESET' }), f, timeouts), upstreamErrors);
    });
    if (res.destroyed) return;
    try {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
    } catch (err) {
      failFlight(f, classify(err as NodeJS.ErrnoException, f, timeouts), upstreamErrors);
      return;
    }
    upstreamRes.on('data', (chunk: Buffer) => (ex.countedBytes += chunk.length));
    upstreamRes.pipe(res);
  });
  upstreamReq.end();
}
