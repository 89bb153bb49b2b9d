/**
 * Who may profile: loopback callers, or anyone with `Authorization: Bearer <PAYSIDECAR_DEBUG_TOKEN>`.
 * Profiling endpoints leak code paths and memory and can slow the process, so they are never
 * public (the kubelet's CVE-2019-11248 exposed Go's pprof exactly this way). A loopback peer that
 * forwards for someone else (X-Forwarded-For / Forwarded, e.g. a local reverse proxy) counts as
 * remote.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopback } from '../../net/peer';

export type AccessVerdict = { ok: true } | { ok: false; detail: string };

function sameSecret(given: string, expected: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

export function checkDebugAccess(req: IncomingMessage, token: string | undefined): AccessVerdict {
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  if (isLoopback(req.socket.remoteAddress) && !proxied) return { ok: true };
  if (token === undefined) {
    return { ok: false, detail: 'no debug token is configured (PAYSIDECAR_DEBUG_TOKEN), so only loopback callers are served' };
  }
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (!m) return { ok: false, detail: 'non-loopback callers must send Authorization: Bearer <PAYSIDECAR_DEBUG_TOKEN>' };
  if (!sameSecret(m[1], token)) return { ok: false, detail: 'the bearer token does not match PAYSIDECAR_DEBUG_TOKEN' };
  return { ok: true };
}
