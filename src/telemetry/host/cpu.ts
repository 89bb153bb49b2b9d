/** Host CPU utilisation (systeminformation, a delta between runs) and the 1-minute load average. */
import { loadavg } from 'node:os';
import * as si from 'systeminformation';
import { host } from '../names';
import type { Collector } from './collector';

export function cpuCollector(): Collector {
  return {
    name: 'cpu',
    prime: async () => {
      await si.currentLoad();
    },
    async collect() {
      const load = await si.currentLoad();
      return [
        { metric: host.SYSTEM_CPU_UTILIZATION, value: load.currentLoad / 100 },
        // os.loadavg, not si's avgLoad: that one is max(1m, 5m, 15m) divided by the core count.
        { metric: host.SYSTEM_CPU_LOAD_1M, value: loadavg()[0] },
      ];
    },
  };
}
