/** Bytes received and sent per interface, cumulative, from /proc/net/dev (this network namespace's interfaces). */
import { readFile } from 'node:fs/promises';
import { host } from '../names';
import type { Collector, Observation } from './collector';

/** "  eth0: rx_bytes rx_packets … (8 receive fields) tx_bytes …" after two header lines. */
export function parseNetDev(text: string): { iface: string; rx: number; tx: number }[] {
  const out: { iface: string; rx: number; tx: number }[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    out.push({ iface: line.slice(0, colon).trim(), rx: f[0] ?? 0, tx: f[8] ?? 0 });
  }
  return out;
}

export function networkCollector(): Collector {
  return {
    name: 'network',
    async collect() {
      const stats = parseNetDev(await readFile('/proc/net/dev', 'utf8'));
      if (stats.length === 0) throw new Error('no network interfaces found');
      const out: Observation[] = [];
      for (const s of stats) {
        const iface = { [host.ATTR_NETWORK_INTERFACE]: s.iface };
        out.push({ metric: host.SYSTEM_NETWORK_IO, value: s.rx, attributes: { ...iface, [host.ATTR_NETWORK_DIRECTION]: host.NETWORK_DIRECTIONS.receive } });
        out.push({ metric: host.SYSTEM_NETWORK_IO, value: s.tx, attributes: { ...iface, [host.ATTR_NETWORK_DIRECTION]: host.NETWORK_DIRECTIONS.transmit } });
      }
      return out;
    },
  };
}
