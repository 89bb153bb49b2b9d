/**
 * Runtime metrics, named as @opentelemetry/instrumentation-runtime-node names them so existing
 * dashboards work, plus a few of ours (timer drift, GC time share) under `paysidecar.runtime.*`.
 */
import { metric } from './prometheus';

export const EVENTLOOP_DELAY_STATS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;
export type EventLoopDelayStat = (typeof EVENTLOOP_DELAY_STATS)[number];

/** `nodejs.eventloop.delay.<stat>` gauges, seconds, resolution subtracted. */
export const EVENTLOOP_DELAY = Object.fromEntries(
  EVENTLOOP_DELAY_STATS.map((s) => [s, metric(`nodejs.eventloop.delay.${s}`, 'gauge', 's', `Event loop delay ${s} over the last sampling interval.`)]),
) as Record<EventLoopDelayStat, ReturnType<typeof metric>>;

export const EVENTLOOP_UTILIZATION = metric('nodejs.eventloop.utilization', 'gauge', '1', 'Event loop utilization over the last sampling interval (0..1).');
export const EVENTLOOP_BLOCK_MAX = metric('paysidecar.runtime.eventloop.block.max', 'gauge', 's', 'Longest event-loop block seen by the timer-drift probe in the last interval.');
export const EVENTLOOP_BLOCKS = metric('paysidecar.runtime.eventloop.blocks', 'counter', '{block}', 'Event-loop blocks longer than the block threshold, seen by the timer-drift probe.');
export const GC_DURATION = metric('v8js.gc.duration', 'histogram', 's', 'Garbage collection pause durations by kind.');
export const GC_TIME_RATIO = metric('paysidecar.runtime.gc.time_ratio', 'gauge', '1', 'Share of wall time spent in GC pauses over the last sampling interval.');
export const HEAP_USED = metric('v8js.memory.heap.used', 'gauge', 'By', 'V8 heap used.');
export const HEAP_TOTAL = metric('v8js.memory.heap.total', 'gauge', 'By', 'V8 heap total (committed).');
export const HEAP_LIMIT = metric('v8js.memory.heap.limit', 'gauge', 'By', 'V8 heap size limit.');
export const HEAP_SPACE_SIZE = metric('v8js.memory.heap.space.size', 'gauge', 'By', 'V8 heap space size, by space.');
export const HEAP_SPACE_USED = metric('v8js.memory.heap.space.used_size', 'gauge', 'By', 'V8 heap space used, by space.');
export const HEAP_SPACE_AVAILABLE = metric('v8js.memory.heap.space.available_size', 'gauge', 'By', 'V8 heap space available, by space.');
export const HEAP_SPACE_PHYSICAL = metric('v8js.memory.heap.space.physical_size', 'gauge', 'By', 'V8 heap space physical size, by space.');
export const MEMORY_EXTERNAL = metric('nodejs.memory.external', 'gauge', 'By', 'Memory of C++ objects bound to JavaScript objects.');
export const MEMORY_ARRAY_BUFFERS = metric('nodejs.memory.array_buffers', 'gauge', 'By', 'Memory allocated for ArrayBuffers and SharedArrayBuffers.');
export const PROCESS_RSS = metric('paysidecar.runtime.memory.rss', 'gauge', 'By', 'Resident set size of this process (the watched payment process is reported by the host collector as process.memory.usage).');
/** Counter rather than a utilisation gauge: any reader (Prometheus' rate(), bench --watch) divides by its own interval. */
export const PROCESS_CPU_TIME = metric('process.cpu.time', 'counter', 's', 'CPU time used by this process, by cpu.mode (user, system).');
export const ACTIVE_HANDLES = metric('nodejs.active_handles', 'gauge', '{handle}', 'Active libuv handles, by type.');
export const ACTIVE_REQUESTS = metric('nodejs.active_requests', 'gauge', '{request}', 'Active libuv requests, by type.');

export const ATTR_GC_TYPE = 'v8js.gc.type';
export const ATTR_HEAP_SPACE = 'v8js.heap.space.name';
export const ATTR_RESOURCE_TYPE = 'type';
export const ATTR_CPU_MODE = 'cpu.mode';
export const CPU_MODES = { user: 'user', system: 'system' } as const;

/** GC kinds as PerformanceObserver reports them (entry.detail.kind), mapped to label values. */
export const GC_KINDS: Readonly<Record<number, string>> = { 1: 'minor', 2: 'major', 4: 'major', 8: 'incremental', 16: 'weakcb' };

/** GC pauses are mostly under 5 ms: start at 0.1 ms. */
export const GC_DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const;

/** Alert thresholds shared by the alerts generator and the runbooks. */
export const EVENTLOOP_P99_ALERT_SECONDS = 0.1;
export const GC_TIME_RATIO_ALERT = 0.1;
export const HEAP_LIMIT_ALERT_RATIO = 0.9;

/** The in-process agent's own health, and the sidecar's merge of the agent's /metrics. */
export const AGENT_HOOK_ERRORS = metric('paysidecar.agent.hook.errors', 'counter', '{error}', 'Errors the agent caught in its own hooks instead of throwing into the app, by hook.');
export const AGENT_UP = metric('paysidecar.agent.up', 'gauge', '1', '1 when the agent answered the last /metrics merge within the timeout, else 0.');
export const AGENT_SCRAPE_DURATION = metric('paysidecar.agent.scrape.duration', 'gauge', 's', 'How long the last fetch of the agent /metrics took (the timeout when it did not answer).');
export const ATTR_HOOK = 'hook';
/** Label added to every series merged from the agent, so the app's runtime series never collide with the sidecar's own. */
export const MERGED_SOURCE_LABEL = 'paysidecar_source';
export const MERGED_SOURCE_AGENT = 'agent';

/** Hooks named in paysidecar.agent.hook.errors. */
export const AGENT_HOOKS = {
  sampler: 'sampler',
  gc: 'gc',
  blockProbe: 'block_probe',
  propagation: 'propagation',
  listener: 'listener',
} as const;
