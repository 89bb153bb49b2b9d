/**
 * The slowest recent prod request the demo can name by its exemplar: from Prometheus'
 * /api/v1/query_exemplars when the demo runs a Prometheus, else from the sidecar's own OpenMetrics
 * exposition (what Prometheus would have scraped).
 */
import { ATTR_ROUTE, ATTR_STATUS, ATTR_TRAFFIC, HTTP_SERVER_REQUEST_DURATION, TRAFFIC_PROD, prom, promLabel } from '../../../src/telemetry/names';
import { parseLabels } from '../../../src/telemetry/exemplars/openmetrics';

export interface SlowRequest {
  traceId: string;
  seconds: number;
  route: string;
  status: string;
  /** Where the exemplar was read. */
  from: 'prometheus' | 'sidecar';
}

const BUCKET = `${prom(HTTP_SERVER_REQUEST_DURATION)}_bucket`;
export const PROD_BUCKETS = `${BUCKET}{${promLabel(ATTR_TRAFFIC)}="${TRAFFIC_PROD}"}`;

interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string }[];
}

function slowest(found: SlowRequest[]): SlowRequest | undefined {
  return found.reduce<SlowRequest | undefined>((a, b) => (a && a.seconds >= b.seconds ? a : b), undefined);
}

export async function slowestFromPrometheus(url: string, startSec: number, waitMs = 5000): Promise<SlowRequest | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const params = new URLSearchParams({ query: PROD_BUCKETS, start: String(startSec), end: String(Date.now() / 1000 + 1) });
    try {
      const body = (await (await fetch(`${url}/api/v1/query_exemplars?${params}`, { signal: AbortSignal.timeout(3000) })).json()) as { data?: ExemplarSeries[] };
      const found = (body.data ?? []).flatMap((s) =>
        s.exemplars.map((e) => ({ traceId: e.labels.trace_id, seconds: Number(e.value), route: s.seriesLabels[promLabel(ATTR_ROUTE)], status: s.seriesLabels[promLabel(ATTR_STATUS)], from: 'prometheus' as const })),
      );
      const pick = slowest(found.filter((f) => f.traceId));
      if (pick) return pick;
    } catch {
      /* not ready yet */
    }
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const EXEMPLAR = / # \{([^}]*)\} (\S+)/;

export async function slowestFromSidecar(adminUrl: string): Promise<SlowRequest | undefined> {
  try {
    const res = await fetch(`${adminUrl}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' }, signal: AbortSignal.timeout(3000) });
    const found: SlowRequest[] = [];
    for (const line of (await res.text()).split('\n')) {
      const m = EXEMPLAR.exec(line);
      if (!m || !line.startsWith(BUCKET)) continue;
      const labels = parseLabels(line.slice(0, m.index));
      const exemplar = parseLabels(`{${m[1]}}`);
      if (labels?.get(promLabel(ATTR_TRAFFIC)) !== TRAFFIC_PROD || !exemplar?.get('trace_id')) continue;
      found.push({ traceId: exemplar.get('trace_id')!, seconds: Number(m[2]), route: labels.get(promLabel(ATTR_ROUTE)) ?? '', status: labels.get(promLabel(ATTR_STATUS)) ?? '', from: 'sidecar' });
    }
    return slowest(found);
  } catch {
    return undefined;
  }
}
