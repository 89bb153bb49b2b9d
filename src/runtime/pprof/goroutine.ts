/**
 * The goroutine dump's analogue for Node: what keeps the event loop busy or alive. Counts of
 * active libuv handles and requests by type, then one line per handle Node can describe
 * (servers with their address, sockets with both ends, child processes with their pid).
 */
import { activeResources } from '../resources';

interface AddressLike {
  address?: string;
  port?: number;
}

function describeHandle(h: unknown): string {
  const name = (h as object | null)?.constructor?.name ?? typeof h;
  const any = h as Record<string, unknown> & {
    address?: () => AddressLike | string | null;
    listening?: boolean;
    localAddress?: string;
    localPort?: number;
    remoteAddress?: string;
    remotePort?: number;
    pid?: number;
    fd?: number;
  };
  try {
    if (typeof any.listening === 'boolean' && typeof any.address === 'function') {
      const a = any.address();
      const where = typeof a === 'string' ? a : a ? `${a.address}:${a.port}` : 'not listening';
      return `${name} listening on ${where}`;
    }
    if (any.remoteAddress !== undefined || any.localPort !== undefined) {
      return `${name} ${any.localAddress ?? '?'}:${any.localPort ?? '?'} <-> ${any.remoteAddress ?? '?'}:${any.remotePort ?? '?'}`;
    }
    if (typeof any.pid === 'number') return `${name} pid ${any.pid}`;
    if (typeof any.fd === 'number') return `${name} fd ${any.fd}`;
  } catch {
    // A half-closed handle can throw from address(); its type is still worth a line.
  }
  return name;
}

function counted(map: ReadonlyMap<string, number>): string[] {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, n]) => `${String(n).padStart(7)} ${t}`);
}

export function activeResourcesText(): string {
  const { handles, requests } = activeResources();
  const total = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const lines = [
    `active resources: ${total(handles) + total(requests)} (handles ${total(handles)}, requests ${total(requests)})`,
    `pid ${process.pid}, node ${process.version}, uptime ${process.uptime().toFixed(0)}s`,
    '',
    'handles by type:',
    ...counted(handles),
    '',
    'requests by type:',
    ...counted(requests),
  ];
  // Undocumented but stable since Node 0.x; the only way to name what a handle is attached to.
  const getHandles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles;
  if (typeof getHandles === 'function') {
    const described = new Map<string, number>();
    for (const h of getHandles.call(process)) {
      const d = describeHandle(h);
      described.set(d, (described.get(d) ?? 0) + 1);
    }
    lines.push('', 'handles:', ...counted(described));
  }
  return lines.join('\n') + '\n';
}
