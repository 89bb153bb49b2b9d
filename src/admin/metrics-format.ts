/**
 * Content negotiation for GET /metrics: OpenMetrics 1.0 (with exemplars) when the scraper asks for
 * it, the Prometheus 0.0.4 text otherwise, so a plain `curl` or an older scraper sees what it always did.
 * Prometheus asks with `application/openmetrics-text;version=1.0.0,...;q=0.75,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`.
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function quality(params: string[]): number {
  for (const p of params) {
    const [k, v] = p.split('=').map((x) => x.trim());
    if (k.toLowerCase() === 'q') {
      const q = Number(v);
      return Number.isFinite(q) ? q : 0;
    }
  }
  return 1;
}

/** True when `accept` ranks application/openmetrics-text (version 1.0.0 or none given) above zero and not below text/plain. */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let openMetrics = 0;
  let plain = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';');
    const mediaType = type.trim().toLowerCase();
    const q = quality(params);
    if (mediaType === 'application/openmetrics-text') {
      const version = params.find((p) => p.trim().toLowerCase().startsWith('version='))?.split('=')[1]?.trim();
      if (version === undefined || version === '1.0.0') openMetrics = Math.max(openMetrics, q);
    } else if (mediaType === 'text/plain') plain = Math.max(plain, q);
  }
  return openMetrics > 0 && openMetrics >= plain;
}
