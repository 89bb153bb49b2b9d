/**
 * Apps written for Linkerd or Istio forward trace headers themselves. node:http keeps one value
 * per header name (the injected one, set last, wins), but undici (and so fetch) adds injected
 * headers instead of replacing them, which would send two `traceparent` or two
 * `X-Trace-ID` values; before the agent injects, the app's copies of the single-valued headers
 * it owns are removed. The agent's values carry the same trace, so nothing is lost. `baggage`
 * is left alone: several baggage headers are legal and are merged by receivers.
 */
import { AGENT_OWNED_HEADERS } from '../../src/context/headers';
import { hasHeader } from './outbound-headers';

/** undici v6 keeps request headers as [name, value, name, value, ...]; v5 as "name: value\r\n" lines. */
export function removeOwnedHeaders(request: { headers?: unknown }): void {
  const headers = request.headers;
  if (Array.isArray(headers)) {
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      if (AGENT_OWNED_HEADERS.has(String(headers[i]).toLowerCase())) headers.splice(i, 2);
    }
  } else if (typeof headers === 'string') {
    request.headers = headers
      .split('\r\n')
      .filter((line) => {
        const at = line.indexOf(':');
        return at <= 0 || !AGENT_OWNED_HEADERS.has(line.slice(0, at).trim().toLowerCase());
      })
      .join('\r\n');
  }
}

/** Whether an undici request (v6 array or v5 string headers) already carries `name` (lower-case). */
export function undiciHasHeader(request: { headers?: unknown }, name: string): boolean {
  const headers = request.headers;
  if (Array.isArray(headers)) return hasHeader(headers, name);
  if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const at = line.indexOf(':');
      if (at > 0 && line.slice(0, at).trim().toLowerCase() === name) return true;
    }
  }
  return false;
}
