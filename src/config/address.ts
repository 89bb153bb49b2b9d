/** `host:port` listen addresses (IPv6 as `[::1]:15001`). */

export interface HostPort {
  host: string;
  port: number;
}

const HOST_PORT_RE = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/;

export const HOST_PORT_EXPECTED = 'host:port, e.g. 127.0.0.1:15001 or [::1]:15001 (port 0..65535)';

export function parseHostPort(text: string): HostPort | undefined {
  const m = HOST_PORT_RE.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2], port };
}

export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
