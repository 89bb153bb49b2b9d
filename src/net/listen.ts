/**
 * Binds a listener and turns the usual failures into one line an operator can act on: which
 * listener, which address, why, and the flag that moves it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { formatHostPort, type HostPort } from '../config/address';

export interface ListenOptions {
  /** What the listener serves, as the error names it: "the admin server", "proxied traffic". */
  what: string;
  /** The flag that sets the address, e.g. --listen. */
  flag: string;
  backlog: number;
}

export async function listen(server: Server, at: HostPort, opts: ListenOptions): Promise<AddressInfo> {
  server.listen({ host: at.host, port: at.port, backlog: opts.backlog });
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new Error(`cannot listen for ${opts.what} on ${formatHostPort(at)}: ${why} (change it with ${opts.flag})`);
  }
  return server.address() as AddressInfo;
}
