/**
 * `--agent-metrics URL`: the in-process agent's /metrics, merged into the sidecar's /metrics so a
 * pod is one scrape target (as Istio merges the app's metrics into Envoy's).
 *
 * The agent can be slow, dead or restarting; none of that may slow or break the sidecar's
 * /metrics. Each scrape waits at most `timeoutMs` for a fresh copy, then falls back to the last
 * good copy while it is younger than `maxStaleMs`, then to nothing. A fetch that outlives the
 * scrape keeps running (bounded by `fetchTimeoutMs`) and refreshes the copy for the next scrape.
 * `paysidecar_agent_up` says whether the agent answered in time.
 *
 * Every merged series gets `paysidecar_source="agent"`: the app runs the same runtime sampler
 * as the sidecar, so without it their `nodejs_*`/`v8js_*` series would collide.
 */
import type { Meter } from '@opentelemetry/api';
import { AGENT_SCRAPE_DURATION, AGENT_UP, MERGED_SOURCE_AGENT, MERGED_SOURCE_LABEL } from '../telemetry/names/runtime';
import type { Logger } from '../telemetry/logger';

export interface AgentMetricsOptions {
  /** How long a scrape waits for the agent. Default 1000 ms. */
  timeoutMs?: number;
  /** Hard limit on one fetch. Default 10 s. */
  fetchTimeoutMs?: number;
  /** Serve the last good copy for at most this long. Default 5 minutes. */
  maxStaleMs?: number;
  /** Where paysidecar.agent.up and paysidecar.agent.scrape.duration are recorded. */
  meter?: Meter;
  /** Largest exposition accepted (bytes). Default 16 MiB. */
  maxBytes?: number;
  logger?: Logger;
}

export interface AgentMetricsSource {
  /** The agent's exposition, relabelled: fresh, else the last good copy, else "". Never rejects. */
  text(): Promise<string>;
  /** Stops the gauges; a fetch in flight is aborted. */
  close(): void;
}

const AGENT_METRICS_DEFAULTS = {
  timeoutMs: 1000,
  fetchTimeoutMs: 10_000,
  maxStaleMs: 5 * 60_000,
  maxBytes: 16 * 1024 * 1024,
} as const;

/** Adds `name="value"` to every sample line of a Prometheus text exposition. */
export function addLabel(exposition: string, name: string, value: string): string {
  const label = `${name}="${value}"`;
  const out: string[] = [];
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      out.push(line);
      continue;
    }
    const brace = line.indexOf('{');
    const space = line.search(/\s/);
    if (brace >= 0 && (space < 0 || brace < space)) {
      const rest = line.slice(brace + 1);
      out.push(`${line.slice(0, brace + 1)}${label}${rest.startsWith('}') ? '' : ','}${rest}`);
    } else if (space > 0) {
      out.push(`${line.slice(0, space)}{${label}}${line.slice(space)}`);
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}

interface Family {
  comments: string[];
  samples: string[];
}

/** Splits an exposition into metric families, keyed by the name in their HELP/TYPE lines. */
function families(exposition: string): Map<string, Family> {
  const out = new Map<string, Family>();
  let current: Family | undefined;
  let currentName = '';
  const get = (name: string) => {
    let f = out.get(name);
    if (!f) out.set(name, (f = { comments: [], samples: [] }));
    return f;
  };
  for (const line of exposition.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^#\s+(HELP|TYPE)\s+(\S+)/.exec(line);
    if (m) {
      if (m[2] !== currentName) {
        currentName = m[2];
        current = get(currentName);
      }
      current!.comments.push(line);
      continue;
    }
    if (line.startsWith('#')) continue;
    const name = /^[^\s{]+/.exec(line)?.[0] ?? '';
    // Histogram and summary samples (x_bucket, x_sum, x_count) belong to the family being read.
    if (!current || !(name === currentName || name.startsWith(currentName + '_'))) {
      currentName = name;
      current = get(name);
    }
    current.samples.push(line);
  }
  return out;
}

/**
 * Merges the sidecar's own exposition with the agent's (already relabelled) into one valid
 * exposition: a family present in both is written once, with one HELP/TYPE and both sets of
 * samples together, as the text format requires. A family whose TYPE differs is left out of the
 * agent's half rather than corrupting the sidecar's.
 */
export function mergeExpositions(own: string, agent: string): string {
  if (agent.trim() === '') return own;
  const mine = families(own);
  const theirs = families(agent);
  const typeOf = (f: Family) => f.comments.find((c) => /^#\s+TYPE\s/.test(c))?.split(/\s+/)[3];
  const lines: string[] = [];
  for (const [name, f] of mine) {
    lines.push(...f.comments, ...f.samples);
    const other = theirs.get(name);
    if (other) {
      if (typeOf(other) === undefined || typeOf(other) === typeOf(f)) lines.push(...other.samples);
      theirs.delete(name);
    }
  }
  for (const f of theirs.values()) lines.push(...f.comments, ...f.samples);
  return lines.join('\n') + '\n';
}

export function createAgentMetricsSource(url: URL | string, opts: AgentMetricsOptions = {}): AgentMetricsSource {
  const target = String(url);
  const timeoutMs = opts.timeoutMs ?? AGENT_METRICS_DEFAULTS.timeoutMs;
  const fetchTimeoutMs = Math.max(timeoutMs, opts.fetchTimeoutMs ?? AGENT_METRICS_DEFAULTS.fetchTimeoutMs);
  const maxStaleMs = opts.maxStaleMs ?? AGENT_METRICS_DEFAULTS.maxStaleMs;
  const maxBytes = opts.maxBytes ?? AGENT_METRICS_DEFAULTS.maxBytes;

  let lastGood: { text: string; at: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let up = 0;
  let lastDuration = 0;
  let failing = false;
  const controllers = new Set<AbortController>();

  const upGauge = opts.meter?.createObservableGauge(AGENT_UP.otel, { unit: AGENT_UP.unit, description: AGENT_UP.description });
  const durationGauge = opts.meter?.createObservableGauge(AGENT_SCRAPE_DURATION.otel, {
    unit: AGENT_SCRAPE_DURATION.unit,
    description: AGENT_SCRAPE_DURATION.description,
  });
  const observeUp = (r: { observe(v: number): void }) => r.observe(up);
  const observeDuration = (r: { observe(v: number): void }) => r.observe(lastDuration);
  upGauge?.addCallback(observeUp);
  durationGauge?.addCallback(observeDuration);

  const noteHealth = (ok: boolean, detail: string) => {
    if (ok === !failing) return;
    failing = !ok;
    if (failing) opts.logger?.warn({ url: target, error: detail }, 'agent metrics: the agent did not answer; serving its last good copy while fresh, then nothing');
    else opts.logger?.info({ url: target }, 'agent metrics: the agent answers again');
  };

  async function fetchOnce(): Promise<string> {
    const ac = new AbortController();
    controllers.add(ac);
    const timer = setTimeout(() => ac.abort(), fetchTimeoutMs);
    timer.unref();
    try {
      const res = await fetch(target, { signal: ac.signal, headers: { accept: 'text/plain' } });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      const len = Number(res.headers.get('content-length') ?? 0);
      if (len > maxBytes) {
        await res.body?.cancel();
        throw new Error(`exposition of ${len} bytes exceeds ${maxBytes}`);
      }
      const text = await res.text();
      if (text.length > maxBytes) throw new Error(`exposition exceeds ${maxBytes} bytes`);
      const labelled = addLabel(text, MERGED_SOURCE_LABEL, MERGED_SOURCE_AGENT);
      lastGood = { text: labelled, at: Date.now() };
      return labelled;
    } finally {
      clearTimeout(timer);
      controllers.delete(ac);
    }
  }

  function fallback(): string {
    return lastGood && Date.now() - lastGood.at <= maxStaleMs ? lastGood.text : '';
  }

  return {
    async text() {
      const started = performance.now();
      // One fetch at a time: a slow agent must not pile up requests from every scrape.
      if (!inFlight) {
        inFlight = fetchOnce().finally(() => {
          inFlight = undefined;
        });
      }
      const attempt = inFlight;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
        timer.unref();
      });
      try {
        const result = await Promise.race([attempt, timedOut]);
        if (result === 'timeout') {
          up = 0;
          lastDuration = timeoutMs / 1000;
          noteHealth(false, `no answer within ${timeoutMs} ms`);
          attempt.catch(() => {});
          return fallback();
        }
        up = 1;
        lastDuration = (performance.now() - started) / 1000;
        noteHealth(true, '');
        return result;
      } catch (err) {
        up = 0;
        lastDuration = (performance.now() - started) / 1000;
        noteHealth(false, err instanceof Error ? err.message : String(err));
        return fallback();
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      upGauge?.removeCallback(observeUp);
      durationGauge?.removeCallback(observeDuration);
      for (const ac of controllers) ac.abort();
    },
  };
}

export interface MetricsText {
  text(): Promise<string>;
  close(): void;
}

/** What the admin /metrics serves: the sidecar's own exposition, with the agent's merged in when `--agent-metrics` names it. */
export function adminMetricsText(own: () => Promise<string>, agentUrl: URL | undefined, opts: AgentMetricsOptions = {}): MetricsText {
  if (!agentUrl) return { text: own, close: () => undefined };
  const agent = createAgentMetricsSource(agentUrl, opts);
  return {
    async text() {
      // The agent first, so paysidecar_agent_up in our own exposition describes this scrape.
      const agentText = await agent.text();
      return mergeExpositions(await own(), agentText);
    },
    close: () => agent.close(),
  };
}
