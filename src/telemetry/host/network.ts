/** Bytes received and sent per interface, cumulative (systeminformation reads /sys/class/net). */
import * as si from 'systeminformation';
import { host } from '../names';
import type { Collector, Observation } from './collector';

export function networkCollector(): Collector {
  return {
    name: 'network',
    async collect() {
      const stats = await si.networkStats('*');
      if (stats.length === 0) throw new Error('no network interfaces found');
      const out: Observation[] = [];
      for (const s of stats) {
        const iface = { [host.ATTR_NETWORK_INTERFACE]: s.iface };
        out.push({ metric: host.SYSTEM_NETWORK_IO, value: s.rx_bytes, attributes: { ...iface, [host.ATTR_NETWORK_DIRECTION]: host.NETWORK_DIRECTIONS.receive } });
        out.push({ metric: host.SYSTEM_NETWORK_IO, value: s.tx_bytes, attributes: { ...iface, [host.ATTR_NETWORK_DIRECTION]: host.NETWORK_DIRECTIONS.transmit } });
      }
      return out;
    },
  };
}
