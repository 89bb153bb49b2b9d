/**
 * CPU and resident memory of the payment process this sidecar stands in front of, found by pid or
 * by name (`--watch-process`). systeminformation's process list gives both: CPU as a share of all
 * CPUs since the previous call, RSS in KiB.
 */
import { basename } from 'node:path';
import type * as SystemInformation from 'systeminformation';
import { host } from '../names';
import type { Collector, Observation } from './collector';

/** A name may match several processes (workers); bound the series we create. */
const MAX_MATCHES = 16;

/**
 * systeminformation answers processes() calls less than 500 ms apart from a cache (stale CPU, and
 * no processes started since); keep our calls further apart than that.
 */
const SI_PROCESSES_CACHE_MS = 550;

interface ProcessRow {
  pid: number;
  name: string;
  command: string;
  cpu: number;
  memRss: number;
}

export function matchProcesses(list: readonly ProcessRow[], target: string, selfPid = process.pid): ProcessRow[] {
  if (/^\d+$/.test(target)) return list.filter((p) => p.pid === Number(target));
  return list
    .filter((p) => p.pid !== selfPid && (p.name === target || basename(p.command.split(' ')[0] ?? '') === target))
    .slice(0, MAX_MATCHES);
}

export function watchedProcessCollector(target: string): Collector {
  let lastCall = 0;
  const processes = async () => {
    const wait = lastCall + SI_PROCESSES_CACHE_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastCall = Date.now();
    // Loaded only with --watch-process: systeminformation is about 4 MB of RSS the other host
    // collectors do without (they read /proc).
    const si = require('systeminformation') as typeof SystemInformation;
    return si.processes();
  };
  return {
    name: 'process',
    prime: async () => {
      await processes();
    },
    async collect() {
      const { list } = await processes();
      const matches = matchProcesses(list, target);
      if (matches.length === 0) throw new Error(`no process ${/^\d+$/.test(target) ? 'with pid' : 'named'} "${target}" (--watch-process)`);
      const out: Observation[] = [];
      for (const p of matches) {
        const attributes = { [host.ATTR_PROCESS_NAME]: p.name, [host.ATTR_PROCESS_PID]: p.pid };
        out.push({ metric: host.PROCESS_CPU_UTILIZATION, value: p.cpu / 100, attributes });
        out.push({ metric: host.PROCESS_MEMORY_USAGE, value: p.memRss * 1024, attributes });
      }
      return out;
    },
  };
}
