/** A listen failure in words a user can act on. */
export function listenError(err: unknown, host: string, port: number, what: string): Error {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' ? 'no such local address' : e.message;
  const at = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Error(`cannot listen for the ${what} on ${at}: ${why} (change it with --listen)`);
}
