/**
 * TCP connections by state in this network namespace (the pod's, in Kubernetes), counted from
 * /proc/net/tcp and /proc/net/tcp6: the kernel's own socket tables, the ones netstat and ss read,
 * without spawning either. Its duration is exported like every collector's: the tables grow with
 * the connection count.
 */
import { readFile } from 'node:fs/promises';
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

/** The kernel's TCP states (include/net/tcp_states.h), by the hex code in the "st" column. */
const KERNEL_STATES: Record<string, string> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT',
  '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING', '0C': 'SYN_RECV',
};

/** One row per socket after the header: "sl local_address rem_address st …". */
export function parseProcNetTcp(text: string): { protocol: string; state: string }[] {
  const out: { protocol: string; state: string }[] = [];
  for (const line of text.split('\n').slice(1)) {
    const st = line.trim().split(/\s+/)[3];
    if (st !== undefined) out.push({ protocol: 'tcp', state: KERNEL_STATES[st.toUpperCase()] ?? st });
  }
  return out;
}

/** A missing tcp6 table (IPv6 off) is an empty one. */
async function table(path: string, optional: boolean): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

export function connectionsCollector(): Collector {
  return {
    name: 'connections',
    async collect() {
      const conns = [...parseProcNetTcp(await table('/proc/net/tcp', false)), ...parseProcNetTcp(await table('/proc/net/tcp6', true))];
      // A sidecar always has its own listeners: empty tables mean /proc is not this namespace's.
      if (conns.length === 0) throw new Error('/proc/net/tcp and tcp6 list no sockets');
      const out: Observation[] = [];
      for (const [state, n] of countByState(conns)) {
        out.push({ metric: host.SYSTEM_NETWORK_CONNECTIONS, value: n, attributes: { [host.ATTR_CONNECTION_STATE]: state } });
      }
      return out;
    },
  };
}
