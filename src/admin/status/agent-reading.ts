/**
 * The app's runtime from the in-process agent's /metrics (`--agent-metrics`), shown beside the
 * sidecar's. Read with `?quiet=1`, so a page read never ends the agent's scrape interval (the
 * merged /metrics stays what Prometheus expects). Only cumulative series and instant gauges are
 * used: GC time and count, CPU time, heap and RSS; the interval gauges would repeat the last scrape.
 * Fetched only while someone watches the page, at most one fetch at a time.
 */
import { parsePromText } from '../../telemetry/prom-text';
import { prom, promLabel, runtime } from '../../telemetry/names';

export interface AgentReading {
  at: number;
  up: boolean;
  gc: Record<string, { count: number; seconds: number }>;
  cpuSeconds: number;
  heapUsed: number;
  heapLimit: number;
  rss: number;
}

const GC_SUM = `${prom(runtime.GC_DURATION)}_sum`;
const GC_COUNT = `${prom(runtime.GC_DURATION)}_count`;
const GC_TYPE = promLabel(runtime.ATTR_GC_TYPE);
const CPU = prom(runtime.PROCESS_CPU_TIME);
const HEAP_USED = prom(runtime.HEAP_USED);
const HEAP_LIMIT = prom(runtime.HEAP_LIMIT);
const RSS = prom(runtime.PROCESS_RSS);

export function agentReadingFrom(text: string, at: number): AgentReading {
  const r: AgentReading = { at, up: true, gc: {}, cpuSeconds: 0, heapUsed: 0, heapLimit: 0, rss: 0 };
  for (const s of parsePromText(text)) {
    switch (s.name) {
      case GC_SUM:
        (r.gc[s.labels[GC_TYPE] ?? 'other'] ??= { count: 0, seconds: 0 }).seconds += s.value;
        break;
      case GC_COUNT:
        (r.gc[s.labels[GC_TYPE] ?? 'other'] ??= { count: 0, seconds: 0 }).count += s.value;
        break;
      case CPU: r.cpuSeconds += s.value; break;
      case HEAP_USED: r.heapUsed = s.value; break;
      case HEAP_LIMIT: r.heapLimit = s.value; break;
      case RSS: r.rss = s.value; break;
    }
  }
  return r;
}

/** The agent's last reading, refreshed in the background; a failed fetch reads as `up: false`. */
export class AgentReader {
  private latest: AgentReading | undefined;
  private inFlight = false;
  private readonly url: string;

  constructor(metricsUrl: URL, private readonly timeoutMs = 900) {
    const u = new URL(metricsUrl);
    u.searchParams.set('quiet', '1');
    this.url = u.href;
  }

  /** Starts a fetch unless one runs; returns the last reading (undefined before the first). */
  poll(): AgentReading | undefined {
    if (!this.inFlight) {
      this.inFlight = true;
      fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'text/plain' } })
        .then(async (res) => {
          if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
          this.latest = agentReadingFrom(await res.text(), Date.now());
        })
        .catch(() => {
          this.latest = this.latest ? { ...this.latest, at: Date.now(), up: false } : undefined;
        })
        .finally(() => {
          this.inFlight = false;
        });
    }
    return this.latest;
  }
}
