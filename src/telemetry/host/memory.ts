/** Host memory by state (systeminformation reads /proc/meminfo). */
import * as si from 'systeminformation';
import { host } from '../names';
import type { Collector } from './collector';

export function memoryCollector(): Collector {
  return {
    name: 'memory',
    async collect() {
      const m = await si.mem();
      const state = (s: string) => ({ [host.ATTR_MEMORY_STATE]: s });
      return [
        // "used" is what cannot be reclaimed (total - MemAvailable), not total - free: page cache
        // is memory the kernel hands back under pressure.
        { metric: host.SYSTEM_MEMORY_USAGE, value: m.total - m.available, attributes: state(host.MEMORY_STATES.used) },
        { metric: host.SYSTEM_MEMORY_USAGE, value: m.free, attributes: state(host.MEMORY_STATES.free) },
        { metric: host.SYSTEM_MEMORY_USAGE, value: m.buffers, attributes: state(host.MEMORY_STATES.buffers) },
        { metric: host.SYSTEM_MEMORY_USAGE, value: m.cached, attributes: state(host.MEMORY_STATES.cached) },
        { metric: host.SYSTEM_MEMORY_LIMIT, value: m.total },
      ];
    },
  };
}
