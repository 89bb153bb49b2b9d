/**
 * The product's metrics that are on no dashboard panel and in no alert rule, each with the reason.
 * Every other metric defined in src/telemetry/names/ must be drawn or alerted on: a guard test
 * (test/generate/metric-coverage.test.ts) fails on a metric that is neither, and on an entry here
 * that a panel or rule reads after all, so this list only ever says what is really left out.
 */
import { host, prom, runtime } from '../telemetry/names';
import { histogram } from './promql';

export const UNPANELLED: Readonly<Record<string, string>> = {
  [prom(runtime.EVENTLOOP_DELAY.min)]: 'Exported under the instrumentation-runtime-node name for existing dashboards; the floor of the delay says nothing the p50 does not.',
  [prom(runtime.EVENTLOOP_DELAY.mean)]: 'Exported for instrumentation-runtime-node compatibility; a mean hides the tail that p99 and max (drawn) show.',
  [prom(runtime.EVENTLOOP_DELAY.stddev)]: 'Exported for instrumentation-runtime-node compatibility; the p50/p99/max spread (drawn) shows the same thing readably.',
  [prom(runtime.EVENTLOOP_DELAY.p90)]: 'Exported for instrumentation-runtime-node compatibility; the runtime dashboard draws p50, p99 and max.',
  [prom(runtime.GC_TIME_RATIO)]: `The same share as rate(${histogram(runtime.GC_DURATION).sum}), which *Time in GC* and PaysidecarGcTimeHigh read; kept for consumers without rate().`,
  [prom(runtime.HEAP_SPACE_SIZE)]: '*Heap spaces (used)* draws what each space holds; its committed size is detail for ad-hoc queries on a heap investigation.',
  [prom(runtime.HEAP_SPACE_AVAILABLE)]: 'Exported for instrumentation-runtime-node compatibility; *Heap used vs limit* and PaysidecarHeapNearLimit cover running out.',
  [prom(runtime.HEAP_SPACE_PHYSICAL)]: 'Exported for instrumentation-runtime-node compatibility; RSS (drawn in *Process memory*) is what the cgroup counts.',
  [prom(runtime.AGENT_SCRAPE_DURATION)]: `Written only with \`run --agent-metrics\` (merged), where PaysidecarAgentDown reads ${prom(runtime.AGENT_UP)}; in the default scraped mode a panel would show no data.`,
  [prom(host.CONTAINER_CPU_LIMIT)]: 'Absent unless cpu.max sets a quota; its effect is drawn as *CPU throttled (cgroup)*. Query it when sizing the quota.',
  [prom(host.CONTAINER_CPU_USAGE)]: 'Host CPU and *Watched process CPU* draw CPU use; the cgroup total is for comparing against the quota by hand.',
  [prom(host.CONTAINER_CPU_THROTTLED_PERIODS)]: '*CPU throttled (cgroup)* draws the throttled time, which is what hurts latency; the period count adds no signal.',
};
