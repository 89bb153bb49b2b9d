/**
 * Container CPU and memory limits from cgroup v2, read from the files themselves.
 *
 * systeminformation cannot give these: its mem() and currentLoad() describe the node (what
 * /proc/meminfo and /proc/stat show inside a container too), and dockerContainerStats() asks the
 * Docker daemon about containers from the outside — no socket in a pod, and not our cgroup under
 * containerd. The limit the kernel holds this container to is only in memory.max / cpu.max.
 */
import { join } from 'node:path';
import { host } from '../names';
import type { Collector, Observation } from './collector';
import { parseIntStrict, readOptional } from './proc-files';

/**
 * This process's cgroup v2 directory: `<cgroupRoot>/<path from /proc/self/cgroup "0::">`. With a
 * cgroup namespace (the Kubernetes default) that path is "/" and the root is our own cgroup.
 * Undefined on cgroup v1 hosts.
 */
export async function findCgroupDir(procRoot: string, cgroupRoot: string): Promise<string | undefined> {
  const self = await readOptional(join(procRoot, 'self', 'cgroup')).catch(() => undefined);
  const unified = self?.split('\n').find((l) => l.startsWith('0::'));
  const candidates = unified ? [join(cgroupRoot, unified.slice(3)), cgroupRoot] : [cgroupRoot];
  for (const dir of candidates) {
    if ((await readOptional(join(dir, 'cgroup.controllers')).catch(() => undefined)) !== undefined) return dir;
  }
  return undefined;
}

/** `cpu.max` is "<quota> <period>" in µs, or "max <period>" when unlimited: CPUs, or undefined. */
export function parseCpuMax(text: string | undefined): number | undefined {
  const [quota, period] = (text ?? '').split(/\s+/);
  const q = parseIntStrict(quota);
  const p = parseIntStrict(period);
  return q !== undefined && p !== undefined && p > 0 ? q / p : undefined;
}

/** `cpu.stat` lines are "<key> <value>". */
function parseFlatKeyed(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    const n = parseIntStrict(v);
    if (k && n !== undefined) out.set(k, n);
  }
  return out;
}

export function cgroupCollector(dir: string): Collector {
  return {
    name: 'cgroup',
    async collect() {
      const [memMax, memCurrent, cpuMax, cpuStat] = await Promise.all(
        ['memory.max', 'memory.current', 'cpu.max', 'cpu.stat'].map((f) => readOptional(join(dir, f))),
      );
      const out: Observation[] = [];
      // "max" (unlimited) parses to undefined: the limit series is absent rather than a fake number.
      const limit = parseIntStrict(memMax);
      if (limit !== undefined) out.push({ metric: host.CONTAINER_MEMORY_LIMIT, value: limit });
      const current = parseIntStrict(memCurrent);
      if (current !== undefined) out.push({ metric: host.CONTAINER_MEMORY_USAGE, value: current });
      const cpus = parseCpuMax(cpuMax);
      if (cpus !== undefined) out.push({ metric: host.CONTAINER_CPU_LIMIT, value: cpus });
      const stat = parseFlatKeyed(cpuStat);
      const throttledUsec = stat.get('throttled_usec');
      if (throttledUsec !== undefined) out.push({ metric: host.CONTAINER_CPU_THROTTLED, value: throttledUsec / 1e6 });
      const throttledPeriods = stat.get('nr_throttled');
      if (throttledPeriods !== undefined) out.push({ metric: host.CONTAINER_CPU_THROTTLED_PERIODS, value: throttledPeriods });
      const usageUsec = stat.get('usage_usec');
      if (usageUsec !== undefined) out.push({ metric: host.CONTAINER_CPU_USAGE, value: usageUsec / 1e6 });
      if (out.length === 0) throw new Error(`no readable cgroup v2 files in ${dir}`);
      return out;
    },
  };
}
