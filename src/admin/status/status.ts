/**
 * The status page's data: once a second the sidecar's instruments are collected (the same
 * cumulative values /metrics is written from, read without ending the runtime sampler's scrape
 * interval), turned into a frame of the ring, and served as JSON with the recent slowest and
 * failed requests and the kernel advice. Nothing runs per request: the ring reads what the
 * instruments already hold. The agent is read only while the page is watched.
 */
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Advice } from '../../telemetry/host';
import type { RecentRequests, RecentRequest } from '../../proxy/recent-requests';
import { readReading } from './snapshot';
import { LoopSampler } from './loop-figures';
import { AgentReader } from './agent-reading';
import { RING_DEFAULTS, StatusRing, type Frame, type RouteFrame } from './ring';

export interface StatusDeps {
  /** One collection of the sidecar's meter, without starting a new runtime interval. */
  collect(): Promise<ResourceMetrics>;
  recent: RecentRequests;
  /** The kernel advice logged at start-up. */
  advice?: Promise<Advice[]>;
  /** `--agent-metrics`. */
  agentMetrics?: URL;
  intervalMs?: number;
  capacity?: number;
  onError?(err: unknown): void;
}

export interface StatusData {
  intervalMs: number;
  capacity: number;
  agent: boolean;
  frames: Frame[];
  /** Each route and traffic as of the newest frame. */
  routes: RouteFrame[];
  recent: { slowest: RecentRequest[]; failed: RecentRequest[] };
  advice: Pick<Advice, 'name' | 'value' | 'recommended' | 'fix' | 'message'>[];
}

export interface Status {
  /** Frames after `since`, the recent requests and the advice; marks the page as watched. */
  data(since: number): StatusData;
  /** Takes one reading now (tests; the timer does this every interval). */
  tick(): Promise<void>;
  close(): void;
}

/** The agent is fetched while a page asked for data within this long. */
const WATCHED_MS = 5_000;

export function createStatus(deps: StatusDeps): Status {
  const intervalMs = deps.intervalMs ?? RING_DEFAULTS.intervalMs;
  const ring = new StatusRing(deps.capacity ?? RING_DEFAULTS.capacity);
  const loop = new LoopSampler();
  const agent = deps.agentMetrics ? new AgentReader(deps.agentMetrics) : undefined;
  let advice: StatusData['advice'] = [];
  deps.advice?.then(
    (list) => (advice = list.map(({ name, value, recommended, fix, message }) => ({ name, value, recommended, fix, message }))),
    () => undefined,
  );
  let watchedAt = 0;
  let running: Promise<void> | undefined;

  const tick = () =>
    (running ??= (async () => {
      try {
        const rm = await deps.collect();
        const agentReading = agent && Date.now() - watchedAt < WATCHED_MS ? agent.poll() : undefined;
        ring.push(readReading(rm, Date.now()), loop.read(), agentReading);
      } catch (err) {
        deps.onError?.(err);
      } finally {
        running = undefined;
      }
    })());

  // Off the request path and never keeping the process alive.
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  void tick();

  return {
    data(since) {
      watchedAt = Date.now();
      return { intervalMs, capacity: ring.capacity, agent: agent !== undefined, frames: ring.since(since), routes: ring.routes, recent: deps.recent.read(), advice };
    },
    tick,
    close() {
      clearInterval(timer);
      loop.stop();
    },
  };
}
