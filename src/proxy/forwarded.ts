/**
 * X-Forwarded-For/-Proto/-Host from the real peer. A trusted peer's chain is extended; anyone
 * else's claims are replaced, so the upstream never sees a spoofed client address.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { H_X_FORWARDED_FOR, H_X_FORWARDED_HOST, H_X_FORWARDED_PROTO } from '../context/headers';

export function setForwardedHeaders(headers: IncomingHttpHeaders, peer: string, trustedPeer: boolean): void {
  const prior = headers[H_X_FORWARDED_FOR];
  headers[H_X_FORWARDED_FOR] = trustedPeer && prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${peer}` : peer;
  if (!trustedPeer || headers[H_X_FORWARDED_PROTO] === undefined) headers[H_X_FORWARDED_PROTO] = 'http';
  if (!trustedPeer || headers[H_X_FORWARDED_HOST] === undefined) {
    if (headers.host !== undefined) headers[H_X_FORWARDED_HOST] = headers.host;
    else delete headers[H_X_FORWARDED_HOST];
  }
}
