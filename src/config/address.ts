/** `host:port` listen addresses (IPv6 as `[::1]:15001`); parsing is `hostPort` in values.ts. */

export interface HostPort {
  host: string;
  port: number;
}

export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
