/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and must not be forwarded,
 * including any header the Connection header itself names.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade']);

export function stripHopByHop(headers: IncomingHttpHeaders | OutgoingHttpHeaders, keepUpgrade = false): void {
  const conn = headers['connection'];
  if (typeof conn === 'string' && conn.length > 0) {
    for (const name of conn.split(',')) {
      const n = name.trim().toLowerCase();
      if (n && !(keepUpgrade && n === 'upgrade')) delete headers[n];
    }
  }
  // Walking the few headers a request has is cheaper than probing eight names it mostly lacks.
  for (const h in headers) {
    if (!HOP_BY_HOP.has(h)) continue;
    if (keepUpgrade && (h === 'upgrade' || h === 'connection')) continue;
    delete headers[h];
  }
}
