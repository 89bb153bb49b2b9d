/**
 * Runtime sampling for the agent and the sidecar alike: event-loop delay (resolution subtracted)
 * and utilisation, long blocks from a timer-drift probe, GC pauses by kind and the share of wall
 * time they took, process CPU time, heap and its spaces, external and array-buffer memory, active handles and
 * requests. Names as @opentelemetry/instrumentation-runtime-node writes them (see names/runtime.ts).
 *
 * Interval statistics cover the time since the previous collection (one scrape to the next), so
 * a scraper sees every block and every GC pause once. Nothing here ever throws into the host.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { BatchObservableResult, Meter, Observable, ObservableGauge } from '@opentelemetry/api';
import * as names from '../telemetry/names/runtime';
import type { MetricName } from '../telemetry/names/prometheus';
import { EventLoopDelay, type DelayStats } from './event-loop-delay';
import { startBlockProbe } from './block-probe';
import { observeGc } from './gc';
import { activeResources } from './resources';

export interface RuntimeSamplerOptions {
  /** monitorEventLoopDelay resolution (ms). Default 10. */
  eventLoopResolutionMs?: number;
  /** Event-loop stalls at least this long count as blocks (ms). Default 100. */
  blockThresholdMs?: number;
  /** How often the drift probe checks (ms). Default half the threshold, at most 50. */
  blockProbeIntervalMs?: number;
  /**
   * Two collections closer than this (ms) share one interval snapshot, so a second scraper does
   * not see an empty interval. Default 1000.
   */
  minIntervalMs?: number;
  /** Told about every failure the sampler swallowed; `hook` names where (names/runtime AGENT_HOOKS). */
  onError?: (hook: string, err: unknown) => void;
}

export interface RuntimeSampler {
  /**
   * Runs `collect` (a collection of the meter) without starting a new interval: its interval
   * gauges repeat the last scrape's figures. The admin status page collects every second; were
   * each of those a new interval, Prometheus would see only the last second's delay and blocks.
   */
  quietly<T>(collect: () => Promise<T>): Promise<T>;
  stop(): void;
}

const SAMPLER_DEFAULTS = {
  eventLoopResolutionMs: 10,
  blockThresholdMs: 100,
  minIntervalMs: 1000,
} as const;

interface IntervalSnapshot {
  delay: DelayStats;
  utilization: number;
  gcTimeRatio: number;
  blockMax: number;
}

function instrumentOptions(m: MetricName) {
  return { unit: m.unit, description: m.description };
}

export function startRuntimeSampler(meter: Meter, opts: RuntimeSamplerOptions = {}): RuntimeSampler {
  const onError = (hook: string, err: unknown) => {
    try {
      opts.onError?.(hook, err);
    } catch {
      // A failing error reporter must not turn into a thrown error in the host either.
    }
  };
  const resolutionMs = opts.eventLoopResolutionMs ?? SAMPLER_DEFAULTS.eventLoopResolutionMs;
  const thresholdMs = opts.blockThresholdMs ?? SAMPLER_DEFAULTS.blockThresholdMs;
  const probeMs = opts.blockProbeIntervalMs ?? Math.max(1, Math.min(50, Math.floor(thresholdMs / 2)));
  const minIntervalMs = opts.minIntervalMs ?? SAMPLER_DEFAULTS.minIntervalMs;

  const gauge = (m: MetricName): ObservableGauge => meter.createObservableGauge(m.otel, instrumentOptions(m));
  const delayGauges = names.EVENTLOOP_DELAY_STATS.map((s) => [s, gauge(names.EVENTLOOP_DELAY[s])] as const);
  const utilization = gauge(names.EVENTLOOP_UTILIZATION);
  const blockMax = gauge(names.EVENTLOOP_BLOCK_MAX);
  const gcRatio = gauge(names.GC_TIME_RATIO);
  const heapUsed = gauge(names.HEAP_USED);
  const heapTotal = gauge(names.HEAP_TOTAL);
  const heapLimit = gauge(names.HEAP_LIMIT);
  const spaceSize = gauge(names.HEAP_SPACE_SIZE);
  const spaceUsed = gauge(names.HEAP_SPACE_USED);
  const spaceAvailable = gauge(names.HEAP_SPACE_AVAILABLE);
  const spacePhysical = gauge(names.HEAP_SPACE_PHYSICAL);
  const external = gauge(names.MEMORY_EXTERNAL);
  const arrayBuffers = gauge(names.MEMORY_ARRAY_BUFFERS);
  const rss = gauge(names.PROCESS_RSS);
  const cpuTime = meter.createObservableCounter(names.PROCESS_CPU_TIME.otel, instrumentOptions(names.PROCESS_CPU_TIME));
  const handles = gauge(names.ACTIVE_HANDLES);
  const requests = gauge(names.ACTIVE_REQUESTS);
  const blocks = meter.createCounter(names.EVENTLOOP_BLOCKS.otel, instrumentOptions(names.EVENTLOOP_BLOCKS));
  // Present at 0 from the start, so `increase()` sees the first block too.
  blocks.add(0);
  const gcDuration = meter.createHistogram(names.GC_DURATION.otel, {
    ...instrumentOptions(names.GC_DURATION),
    advice: { explicitBucketBoundaries: [...names.GC_DURATION_BUCKETS] },
  });

  const delay = new EventLoopDelay(resolutionMs);
  let gcMs = 0;
  let maxBlockMs = 0;
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let lastRead = performance.now();
  let snapshot: IntervalSnapshot | undefined;
  let quiet = 0;

  const probe = startBlockProbe({
    intervalMs: probeMs,
    thresholdMs,
    onBlock: (b) => {
      try {
        maxBlockMs = Math.max(maxBlockMs, b.duration);
        blocks.add(1);
      } catch (err) {
        onError(names.AGENT_HOOKS.blockProbe, err);
      }
    },
  });

  const gc = observeGc((pause) => {
    try {
      gcMs += pause.duration;
      gcDuration.record(pause.duration / 1000, { [names.ATTR_GC_TYPE]: pause.kind });
    } catch (err) {
      onError(names.AGENT_HOOKS.gc, err);
    }
  });

  function intervalSnapshot(): IntervalSnapshot {
    const now = performance.now();
    if (snapshot && (quiet > 0 || now - lastRead < minIntervalMs)) return snapshot;
    const wallMs = Math.max(1, now - lastRead);
    const delta = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    snapshot = {
      delay: delay.read(),
      utilization: delta.utilization,
      gcTimeRatio: Math.min(1, gcMs / wallMs),
      blockMax: maxBlockMs / 1000,
    };
    gcMs = 0;
    maxBlockMs = 0;
    lastRead = now;
    return snapshot;
  }

  const observables: Observable[] = [
    ...delayGauges.map(([, g]) => g),
    utilization,
    blockMax,
    gcRatio,
    heapUsed,
    heapTotal,
    heapLimit,
    spaceSize,
    spaceUsed,
    spaceAvailable,
    spacePhysical,
    external,
    arrayBuffers,
    rss,
    cpuTime,
    handles,
    requests,
  ];

  const collect = (result: BatchObservableResult) => {
    try {
      const s = intervalSnapshot();
      for (const [stat, g] of delayGauges) result.observe(g, s.delay[stat]);
      result.observe(utilization, s.utilization);
      result.observe(blockMax, s.blockMax);
      result.observe(gcRatio, s.gcTimeRatio);

      const heap = getHeapStatistics();
      result.observe(heapUsed, heap.used_heap_size);
      result.observe(heapTotal, heap.total_heap_size);
      result.observe(heapLimit, heap.heap_size_limit);
      for (const space of getHeapSpaceStatistics()) {
        const attrs = { [names.ATTR_HEAP_SPACE]: space.space_name };
        result.observe(spaceSize, space.space_size, attrs);
        result.observe(spaceUsed, space.space_used_size, attrs);
        result.observe(spaceAvailable, space.space_available_size, attrs);
        result.observe(spacePhysical, space.physical_space_size, attrs);
      }
      const mem = process.memoryUsage();
      result.observe(external, mem.external);
      result.observe(arrayBuffers, mem.arrayBuffers);
      result.observe(rss, mem.rss);
      const cpu = process.cpuUsage();
      result.observe(cpuTime, cpu.user / 1e6, { [names.ATTR_CPU_MODE]: names.CPU_MODES.user });
      result.observe(cpuTime, cpu.system / 1e6, { [names.ATTR_CPU_MODE]: names.CPU_MODES.system });

      const active = activeResources();
      for (const [type, n] of active.handles) result.observe(handles, n, { [names.ATTR_RESOURCE_TYPE]: type });
      for (const [type, n] of active.requests) result.observe(requests, n, { [names.ATTR_RESOURCE_TYPE]: type });
    } catch (err) {
      onError(names.AGENT_HOOKS.sampler, err);
    }
  };
  meter.addBatchObservableCallback(collect, observables);

  let stopped = false;
  return {
    async quietly(collect) {
      quiet++;
      try {
        return await collect();
      } finally {
        quiet--;
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      meter.removeBatchObservableCallback(collect, observables);
      probe.stop();
      gc.stop();
      delay.stop();
    },
  };
}
