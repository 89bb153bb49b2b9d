/**
 * `bench --watch`: while the load runs, scrape each target's /metrics once a second (the sidecar's
 * admin listener and/or the agent's), note the load generator's own CPU beside them, and in the
 * steady window take a CPU profile (and, when asked, a heap profile and a timeline trace) from
 * each target's /debug/pprof. Everything is best effort: a target that does not answer is a
 * warning in the report, never a failed run.
 *
 * One scrape per target at a time: a slow target skips a tick rather than piling up requests.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { join } from 'node:path';
import { captureFileName, captureProfile, type CaptureKind } from './profile-capture';
import { decodePprof, summarizeCpuProfile } from './cpu-profile';
import type { ProfileWindow } from './profile-window';
import { parsePromText } from '../telemetry/prom-text';
import type { LoadGeneratorPoint, ServerReport, WatchedTarget } from './server-report';
import { describeTarget, serverPoint, type Scrape } from './server-series';

export const WATCH_INTERVAL_MS = 1000;

export interface WatchOptions {
  /** Base URLs of the targets' listeners (no /metrics). */
  targets: readonly URL[];
  intervalMs?: number;
  /** The steady part of the run, where profiles are taken and the diagnosis looks. */
  window: ProfileWindow;
  /** Absent: watch only, no profiles. */
  profile?: {
    heap: boolean;
    trace: boolean;
    /** Directory the files go to, and a prefix for their names. */
    dir: string;
    prefix: string;
  };
  /** PAYSIDECAR_DEBUG_TOKEN for the targets' /debug/pprof; sent as a bearer token, never shown. */
  token?: string;
  /** Told once per target and problem, as it happens (the CLI prints it as a warning). */
  onWarning?: (message: string) => void;
}

export interface Watch {
  /** Stops scraping, waits for captures under way, and returns the server side of the report. */
  finish(): Promise<ServerReport>;
}

/** Heap and trace captures follow the CPU profile (a target runs one capture at a time), briefly. */
const HEAP_SECONDS = 5;
const TRACE_SECONDS = 3;

interface TargetState {
  url: string;
  report: WatchedTarget;
  prev?: Scrape;
  busy: boolean;
  warned: Set<string>;
}

export function baseUrl(u: URL): string {
  const path = u.pathname.replace(/\/+$/, '').replace(/\/metrics$/, '');
  return `${u.protocol}//${u.host}${path}`;
}

function slug(s: string): string {
  return s.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
}

export function startWatch(o: WatchOptions): Watch {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const seconds = () => (performance.now() - t0) / 1000;
  const intervalMs = o.intervalMs ?? WATCH_INTERVAL_MS;
  const states: TargetState[] = o.targets.map((u) => {
    const url = baseUrl(u);
    return { url, busy: false, warned: new Set(), report: { url, name: `target:${u.port || 80}`, scrapes: { ok: 0, tried: 0 }, warnings: [], series: [], profiles: [] } };
  });
  const warn = (s: TargetState, kind: string, message: string) => {
    if (s.warned.has(kind)) return;
    s.warned.add(kind);
    s.report.warnings.push(message);
    o.onWarning?.(message);
  };

  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  async function scrape(s: TargetState): Promise<void> {
    s.busy = true;
    s.report.scrapes.tried++;
    try {
      // A loaded target answers late; a late scrape still counts (its rates are per second of the
      // time between scrapes), and the tick skips this target until it has answered.
      const res = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(Math.max(2000, intervalMs * 3)) });
      if (res.status !== 200) {
        warn(s, `http-${res.status}`, `${s.url}/metrics answered HTTP ${res.status}`);
        await res.arrayBuffer().catch(() => undefined);
        return;
      }
      const cur: Scrape = { t: seconds(), samples: parsePromText(await res.text()) };
      if (s.report.scrapes.ok === 0) {
        const d = describeTarget(cur.samples);
        s.report.role = d.role;
        // The SDK's fallback (unknown_service:node) names nothing; the role does better.
        const service = d.service && !d.service.startsWith('unknown_service') ? d.service : undefined;
        if (service) s.report.service = service;
        s.report.name = `${service ?? d.role}:${new URL(s.url).port || 80}`;
      }
      s.report.scrapes.ok++;
      if (s.prev) s.report.series.push(serverPoint(s.prev, cur));
      s.prev = cur;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      warn(s, 'no-answer', `${s.url}/metrics did not answer (${cause}); the report has no server-side figures from it while it does not`);
    } finally {
      s.busy = false;
    }
  }

  // The load generator's own CPU and event loop: a client-bound run looks like a slow server.
  const loadGenerator: LoadGeneratorPoint[] = [];
  let cpu = process.cpuUsage();
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let lastT = 0;
  const sampleSelf = () => {
    const t = seconds();
    const dCpu = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const dElu = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    const dt = t - lastT;
    lastT = t;
    if (dt > 0) loadGenerator.push({ t: Math.round(t * 1000) / 1000, cpuCores: Math.round(((dCpu.user + dCpu.system) / 1e6 / dt) * 1e4) / 1e4, utilization: Math.round(dElu.utilization * 1e4) / 1e4 });
  };

  const tick = () => {
    sampleSelf();
    for (const s of states) if (!s.busy) track(scrape(s));
  };
  for (const s of states) track(scrape(s));
  const timer = setInterval(tick, intervalMs);

  const captures = new AbortController();
  let profileTimer: NodeJS.Timeout | undefined;
  let profileStarted = false;
  const profile = o.profile;
  async function captureAll(s: TargetState): Promise<void> {
    if (!profile) return;
    const kinds: [CaptureKind, number][] = [['cpu', o.window.seconds]];
    if (profile.heap) kinds.push(['heap', Math.min(HEAP_SECONDS, o.window.seconds)]);
    if (profile.trace) kinds.push(['trace', Math.min(TRACE_SECONDS, o.window.seconds)]);
    for (const [kind, secs] of kinds) {
      if (captures.signal.aborted) return;
      const fromT = Math.round(seconds() * 1000) / 1000;
      const file = join(profile.dir, captureFileName(`${profile.prefix}${slug(s.report.name)}`, kind));
      const r = await captureProfile({ baseUrl: s.url, kind, seconds: secs, token: o.token, file, signal: captures.signal });
      if (!r.ok) {
        warn(s, `capture-${kind}`, r.warning);
        continue;
      }
      s.report.profiles.push({ kind, file: r.file, fromT, seconds: secs });
      if (kind === 'cpu') {
        try {
          s.report.cpu = summarizeCpuProfile(decodePprof(r.bytes));
        } catch (err) {
          warn(s, 'decode', `${s.url}: the CPU profile could not be decoded (${(err as Error).message}); the file is kept`);
        }
      }
    }
  }
  if (profile) {
    profileTimer = setTimeout(() => {
      profileStarted = true;
      for (const s of states) track(captureAll(s));
    }, o.window.startMs);
  }

  return {
    async finish() {
      clearInterval(timer);
      if (profileTimer) clearTimeout(profileTimer);
      sampleSelf();
      if (profile && !profileStarted) {
        for (const s of states) warn(s, 'capture-late', `${s.url}: the run ended before the profile window (${o.window.startMs / 1000} s in), so no profile was taken`);
      }
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      const report: ServerReport = { startedAt, targets: states.map((s) => s.report), loadGenerator };
      for (const s of states) {
        if (s.report.scrapes.ok === 0 && s.report.scrapes.tried > 0 && !s.warned.has('no-answer')) warn(s, 'no-answer', `${s.url}/metrics never answered`);
      }
      const cpu = report.targets.flatMap((t) => t.profiles.filter((p) => p.kind === 'cpu'));
      const fromT = cpu.length ? Math.min(...cpu.map((p) => p.fromT)) : o.window.startMs / 1000;
      report.steady = { fromT, toT: fromT + o.window.seconds };
      return report;
    },
  };
}
