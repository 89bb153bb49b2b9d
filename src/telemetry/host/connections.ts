/**
 * TCP connections by state in this network namespace (the pod's, in Kubernetes). systeminformation
 * runs `netstat -tunap`, falling back to `ss -tunap`; that spawn is the costliest collector
 * (~20 ms here), which is why it runs on the interval and its duration is exported.
 */
import * as si from 'systeminformation';
import { host } from '../names';
import type { Collector, Observation } from './collector';

/** ss spells states differently from netstat (ESTAB, TIME-WAIT, SYN-RECV…); use netstat's. */
export function normaliseState(state: string): string {
  const s = state.toUpperCase().replace(/-/g, '_');
  return s === 'ESTAB' ? 'ESTABLISHED' : s;
}

export function countByState(conns: readonly { protocol: string; state: string }[]): Map<string, number> {
  const counts = new Map<string, number>(host.CONNECTION_STATES.map((s) => [s, 0]));
  for (const c of conns) {
    if (!c.protocol.startsWith('tcp') || !c.state) continue;
    const state = normaliseState(c.state);
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return counts;
}

export function connectionsCollector(): Collector {
  return {
    name: 'connections',
    async collect() {
      const conns = await si.networkConnections();
      // systeminformation returns [] both when there are no sockets and when neither netstat nor
      // ss could run. A sidecar always has its own listeners, so empty means the tools failed.
      if (conns.length === 0) throw new Error('netstat and ss listed no sockets (is net-tools or iproute2 installed?)');
      const out: Observation[] = [];
      for (const [state, n] of countByState(conns)) {
        out.push({ metric: host.SYSTEM_NETWORK_CONNECTIONS, value: n, attributes: { [host.ATTR_CONNECTION_STATE]: state } });
      }
      return out;
    },
  };
}
