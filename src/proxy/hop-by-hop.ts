/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and must not be forwarded,
 * including any header the Connection header itself names.
 *
 * The headers for the next hop are a new object, copied in one pass, rather than the old one with
 * these deleted: `delete` of a property a request or response has (every keep-alive peer sends
 * `connection`, node servers add `keep-alive`) turns the object into a slow dictionary for every
 * later read, write and walk (undici and node's writeHead walk it again). Same-run A/B in the
 * README's performance section.
 */
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade']);
const NONE: ReadonlySet<string> = new Set();

/** The names a Connection header lists, lower-cased; none for the usual `keep-alive` / `close`. */
function connectionNamed(conn: unknown): Set<string> | undefined {
  if (typeof conn !== 'string' || conn.length === 0) return undefined;
  const plain = conn.toLowerCase();
  if (plain === 'keep-alive' || plain === 'close') return undefined;
  const names = new Set<string>();
  for (const name of plain.split(',')) {
    const n = name.trim();
    if (n) names.add(n);
  }
  return names;
}

/**
 * `headers` without the hop-by-hop ones (an upgrade request keeps `connection` and `upgrade`) and
 * without the names in `drop` (framing the next hop redoes).
 */
export function withoutHopByHop(headers: IncomingHttpHeaders, keepUpgrade = false, drop: ReadonlySet<string> = NONE): IncomingHttpHeaders {
  const named = connectionNamed(headers['connection']);
  const out: IncomingHttpHeaders = {};
  for (const h in headers) {
    if (drop.has(h)) continue;
    if (HOP_BY_HOP.has(h) || named?.has(h)) {
      if (!(keepUpgrade && (h === 'upgrade' || h === 'connection'))) continue;
    }
    out[h] = headers[h];
  }
  return out;
}
