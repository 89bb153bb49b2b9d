/**
 * Host CPU utilisation (the busy share of all CPUs between two reads of /proc/stat) and the
 * 1-minute load average. Read from /proc, not systeminformation: that package alone held about
 * 4 MB of the sidecar's RSS for four small files.
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { host } from '../names';
import type { Collector } from './collector';

interface Ticks {
  busy: number;
  total: number;
}

/** The aggregate "cpu" line: user nice system idle iowait irq softirq steal (guest time is inside user). */
export function parseCpuTicks(stat: string): Ticks {
  const line = stat.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) throw new Error('/proc/stat has no aggregate cpu line');
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((sum, n) => sum + n, 0);
  // idle and iowait: a CPU waiting on I/O runs nothing.
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

export function cpuCollector(): Collector {
  let last: Ticks | undefined;
  const read = async () => parseCpuTicks(await readFile('/proc/stat', 'utf8'));
  return {
    name: 'cpu',
    prime: async () => {
      last = await read();
    },
    async collect() {
      const now = await read();
      const total = now.total - (last?.total ?? 0);
      const busy = now.busy - (last?.busy ?? 0);
      last = now;
      return [
        { metric: host.SYSTEM_CPU_UTILIZATION, value: total > 0 ? busy / total : 0 },
        { metric: host.SYSTEM_CPU_LOAD_1M, value: loadavg()[0] },
      ];
    },
  };
}
