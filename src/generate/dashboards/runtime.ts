/**
 * Node runtime of the sidecar and of the app (through the agent): event loop, GC, heap, handles.
 * Series merged from the agent into the sidecar's /metrics are told apart by `paysidecar_source`.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { prom, promLabel, runtime, type MetricName } from '../../telemetry/names';
import type { GeneratorConfig } from '../config';
import { INSTANCE, JOB, LE, histogram, quantile, rate, sel, sumBy } from '../promql';
import { RUNTIME } from './catalog';
import { TARGET, finish, frame } from './frame';
import { RATE_INTERVAL, heatmapPanel, row, timeSeries } from './panels';
import { SOURCE, orZero, sumRate, withSource } from './queries';

const BY = [JOB, INSTANCE, SOURCE];
const WHO = '{{job}} {{instance}} {{paysidecar_source}}';

/** A runtime gauge per process, aggregated (max by default: a worst case is what matters). */
function gauge(m: MetricName, agg = 'max'): string {
  return withSource(sumBy(BY, sel(prom(m), ...TARGET), agg));
}

export function runtimeDashboard(config: GeneratorConfig): dashboard.Dashboard {
  const gc = histogram(runtime.GC_DURATION);
  const gcType = promLabel(runtime.ATTR_GC_TYPE);
  const space = promLabel(runtime.ATTR_HEAP_SPACE);
  const type = promLabel(runtime.ATTR_RESOURCE_TYPE);
  const b = frame(config, {
    ref: RUNTIME,
    description: 'Node runtime of the sidecar and of the payment app (through the paysidecar agent): event loop, garbage collection, heap, handles.',
    jobMetric: prom(runtime.EVENTLOOP_UTILIZATION),
  });

  b.withRow(row('Event loop'))
    .withPanel(
      timeSeries({
        title: 'Event-loop delay p50 / p99 / max',
        description: `How late timers fire: every request on the process waits this long. The alert fires when p99 stays above ${config.runtime.eventLoopP99Seconds}s for 5 minutes; take a CPU profile (/debug/pprof/profile).`,
        unit: 's',
        threshold: config.runtime.eventLoopP99Seconds,
        targets: (['p50', 'p99', 'max'] as const).map((s) => ({ expr: gauge(runtime.EVENTLOOP_DELAY[s]), legend: `${s} ${WHO}` })),
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Event-loop utilisation',
        description: 'Share of time the loop was busy running JavaScript or callbacks (1 = never idle).',
        unit: 'percentunit',
        min: 0,
        max: 1,
        targets: [{ expr: gauge(runtime.EVENTLOOP_UTILIZATION, 'avg'), legend: WHO }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Event-loop blocks',
        description: 'Stalls longer than the block threshold seen by the timer-drift probe (which catches what the delay histogram misses), per second, and the longest in each interval.',
        unit: 'ops',
        targets: [
          { expr: orZero(withSource(sumRate(BY, prom(runtime.EVENTLOOP_BLOCKS), ...TARGET))), legend: `blocks/s ${WHO}` },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Longest event-loop block',
        description: 'Longest single stall in the last sampling interval; a few hundred ms is a synchronous hot spot (take /debug/pprof/trace to see when).',
        unit: 's',
        targets: [{ expr: gauge(runtime.EVENTLOOP_BLOCK_MAX), legend: WHO }],
      }),
    );

  b.withRow(row('Garbage collection'))
    .withPanel(
      timeSeries({
        title: 'GC pauses per second by kind',
        description: 'Garbage-collection pauses per second: minor (scavenge), major (mark-sweep-compact), incremental marking, weak callbacks.',
        unit: 'ops',
        targets: [{ expr: sumRate([JOB, gcType], gc.count, ...TARGET), legend: '{{job}} {{v8js_gc_type}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Time in GC',
        description: `Share of wall time spent in GC pauses. Above ${config.runtime.gcTimeRatio * 100}% for 5 minutes alerts; take a heap profile (/debug/pprof/heap).`,
        unit: 'percentunit',
        threshold: config.runtime.gcTimeRatio,
        min: 0,
        targets: [{ expr: withSource(sumRate(BY, gc.sum, ...TARGET)), legend: WHO }],
      }),
    )
    .withPanel(
      heatmapPanel({
        title: 'GC pause duration',
        description: 'Distribution of GC pause durations (all kinds), from the histogram buckets starting at 0.1 ms.',
        unit: 's',
        targets: [{ expr: sumBy([LE], rate(sel(gc.bucket, ...TARGET), RATE_INTERVAL)), legend: '{{le}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'GC pause p99 by kind',
        description: '99th percentile pause per GC kind; long major pauses stall every request at once.',
        unit: 's',
        targets: [{ expr: quantile(0.99, sumBy([LE, gcType], rate(sel(gc.bucket, ...TARGET), RATE_INTERVAL))), legend: '{{v8js_gc_type}}' }],
      }),
    );

  b.withRow(row('Memory'))
    .withPanel(
      timeSeries({
        title: 'Heap used vs limit',
        description: `V8 heap used, committed and its hard limit. Above ${config.runtime.heapRatio * 100}% of the limit alerts: the process is close to an out-of-memory crash.`,
        unit: 'bytes',
        targets: [
          { expr: gauge(runtime.HEAP_USED, 'sum'), legend: `used ${WHO}` },
          { expr: gauge(runtime.HEAP_TOTAL, 'sum'), legend: `committed ${WHO}` },
          { expr: gauge(runtime.HEAP_LIMIT), legend: `limit ${WHO}` },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Heap spaces (used)',
        description: 'Used bytes per V8 heap space: a growing old_space is retained data, a busy new_space is allocation churn.',
        unit: 'bytes',
        targets: [{ expr: withSource(sumBy([JOB, SOURCE, space], sel(prom(runtime.HEAP_SPACE_USED), ...TARGET))), legend: '{{job}} {{paysidecar_source}} {{v8js_heap_space_name}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Process CPU',
        description: 'CPU cores this process used (user + system), the sidecar itself or the app under the agent: the other half of the event loop, read against its utilisation.',
        unit: 'short',
        targets: [{ expr: withSource(sumRate(BY, prom(runtime.PROCESS_CPU_TIME), ...TARGET)), legend: `cores ${WHO}` }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Process memory',
        description: 'Resident set size, memory of C++ objects bound to JavaScript, and ArrayBuffers.',
        unit: 'bytes',
        targets: [
          { expr: gauge(runtime.PROCESS_RSS, 'sum'), legend: `rss ${WHO}` },
          { expr: gauge(runtime.MEMORY_EXTERNAL, 'sum'), legend: `external ${WHO}` },
          { expr: gauge(runtime.MEMORY_ARRAY_BUFFERS, 'sum'), legend: `array buffers ${WHO}` },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Active handles and requests by type',
        description: 'libuv handles keeping the process alive (sockets, timers, servers) and requests in progress (fs, dns, writes); a steady climb is a leak (see /debug/pprof/goroutine).',
        unit: 'short',
        targets: [
          { expr: withSource(sumBy([JOB, SOURCE, type], sel(prom(runtime.ACTIVE_HANDLES), ...TARGET))), legend: 'handles {{job}} {{paysidecar_source}} {{type}}' },
          { expr: orZero(withSource(sumBy([JOB, SOURCE, type], sel(prom(runtime.ACTIVE_REQUESTS), ...TARGET)))), legend: 'requests {{job}} {{paysidecar_source}} {{type}}' },
        ],
      }),
    );
  return finish(b.build());
}
