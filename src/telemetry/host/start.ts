/**
 * Host, container, process and kernel metrics for the sidecar's /metrics: wires the collectors to
 * a sampler on an interval (off the request path) and logs the kernel advice once at start-up.
 */
import type { Meter } from '@opentelemetry/api';
import { host, type MetricName } from '../names';
import type { Collector } from './collector';
import { HostSampler } from './runner';
import type { Logger } from '../logger';
import { registerObservables } from './instruments';
import { cpuCollector } from './cpu';
import { memoryCollector } from './memory';
import { networkCollector } from './network';
import { connectionsCollector } from './connections';
import { watchedProcessCollector } from './watched-process';
import { cgroupCollector, findCgroupDir } from './cgroup';
import { kernelParamsCollector, readKernelParams } from './kernel-params';
import { kernelAdvice, type Advice } from './kernel-advice';

export interface HostMetricsOptions {
  /** Sampling interval in ms; 0 turns the metrics off (the start-up advice is still logged). */
  intervalMs: number;
  /** `--watch-process`: the payment process's name or pid. */
  watchProcess?: string;
  /** Where /proc is mounted. Default /proc. */
  procRoot?: string;
  /** Where the cgroup v2 hierarchy is mounted. Default /sys/fs/cgroup. */
  cgroupRoot?: string;
  /** The backlog the proxy listener passes to listen(2). */
  listenBacklog?: number;
  /** The upstream is on loopback (tcp_tw_reuse=2 is then enough). */
  upstreamLoopback?: boolean;
  /** Log the kernel advice at start (default true). */
  advice?: boolean;
}

export interface HostMetrics {
  /** Runs every collector now (joining a run in progress); resolves once the values are cached. */
  collectNow(): Promise<void>;
  /** The start-up advice, resolved after it has been logged. */
  readonly advice: Promise<Advice[]>;
  stop(): void;
}

/** Every instrument the collectors may report, registered up front. */
const HOST_METRICS: readonly MetricName[] = [
  host.SYSTEM_CPU_UTILIZATION,
  host.SYSTEM_CPU_LOAD_1M,
  host.SYSTEM_MEMORY_USAGE,
  host.SYSTEM_MEMORY_LIMIT,
  host.SYSTEM_NETWORK_IO,
  host.SYSTEM_NETWORK_CONNECTIONS,
  host.PROCESS_CPU_UTILIZATION,
  host.PROCESS_MEMORY_USAGE,
  host.CONTAINER_MEMORY_LIMIT,
  host.CONTAINER_MEMORY_USAGE,
  host.CONTAINER_CPU_LIMIT,
  host.CONTAINER_CPU_THROTTLED,
  host.CONTAINER_CPU_THROTTLED_PERIODS,
  host.CONTAINER_CPU_USAGE,
  host.KERNEL_PARAM,
  host.COLLECTOR_DURATION,
  host.COLLECTOR_UP,
];

/** Long enough for a slow `ps`/`ss`, short enough that a hung one cannot stall the next run. */
function collectorTimeout(intervalMs: number): number {
  return Math.min(10_000, Math.max(2_000, intervalMs));
}

async function logAdvice(opts: HostMetricsOptions, logger: Logger): Promise<Advice[]> {
  try {
    const params = await readKernelParams({ procRoot: opts.procRoot, listenBacklog: opts.listenBacklog });
    const advice = kernelAdvice(params, { upstreamLoopback: opts.upstreamLoopback });
    if (opts.advice !== false) {
      for (const a of advice) {
        logger.warn({ param: a.name, value: a.value, recommended: a.recommended, fix: a.fix, kubernetes: a.kubernetes }, a.message);
      }
    }
    return advice;
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read kernel parameters for advice');
    return [];
  }
}

async function buildCollectors(opts: HostMetricsOptions, logger: Logger): Promise<Collector[]> {
  const procRoot = opts.procRoot ?? '/proc';
  const cgroupRoot = opts.cgroupRoot ?? '/sys/fs/cgroup';
  const collectors: Collector[] = [cpuCollector(), memoryCollector(), networkCollector(), connectionsCollector()];
  if (opts.watchProcess) collectors.push(watchedProcessCollector(opts.watchProcess));
  const cgroupDir = await findCgroupDir(procRoot, cgroupRoot);
  if (cgroupDir) collectors.push(cgroupCollector(cgroupDir));
  else logger.info({ cgroupRoot }, 'no cgroup v2 hierarchy found; container limits are not reported');
  collectors.push(kernelParamsCollector({ procRoot, listenBacklog: opts.listenBacklog }));
  return collectors;
}

export function startHostMetrics(meter: Meter, opts: HostMetricsOptions, logger: Logger): HostMetrics {
  const advice = logAdvice(opts, logger);
  if (opts.intervalMs <= 0) {
    return { collectNow: async () => {}, advice, stop: () => {} };
  }

  let sampler: HostSampler | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const unregister = registerObservables(meter, HOST_METRICS, () => sampler?.observations() ?? []);
  // Host metrics are optional: nothing here may reject into the sidecar.
  const runQuietly = () => sampler?.run().catch(() => undefined);
  const ready = buildCollectors(opts, logger)
    .then((collectors) => {
      if (stopped) return;
      sampler = new HostSampler(collectors, logger, collectorTimeout(opts.intervalMs));
      void runQuietly();
      // unref: sampling must never keep a draining process alive.
      timer = setInterval(() => void runQuietly(), opts.intervalMs).unref();
    })
    .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'host metrics could not start'));

  return {
    async collectNow() {
      await ready;
      await runQuietly();
    },
    advice,
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      unregister();
    },
  };
}
