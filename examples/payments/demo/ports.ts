/**
 * The demo listens on fixed, well-known ports; before starting anything it checks each one is
 * free, so a busy port is one clear line naming the flag that moves it, not a child's stack trace.
 */
import net from 'node:net';
import { formatHostPort, type HostPort } from '../../../src/config/address';

export interface PortClaim {
  /** The flag that changes this address, e.g. `--gateway-listen`. */
  flag: string;
  /** Who listens there, for the message. */
  owner: string;
  address: HostPort;
}

function tryListen(hp: HostPort): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host: hp.host, port: hp.port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** One problem per busy, unusable or doubly claimed address. */
export async function checkPorts(claims: readonly PortClaim[]): Promise<string[]> {
  const problems: string[] = [];
  const seen = new Map<string, PortClaim>();
  for (const c of claims) {
    const key = `${c.address.port}`;
    const other = seen.get(key);
    if (other) {
      problems.push(`${c.flag}: port ${c.address.port} is also given to ${other.flag}; choose another port`);
      continue;
    }
    seen.set(key, c);
    const err = await tryListen(c.address);
    if (!err) continue;
    const where = formatHostPort(c.address);
    if (err.code === 'EADDRINUSE') problems.push(`${c.flag}: ${where} is already in use (the demo puts the ${c.owner} there); free it or choose another with ${c.flag} host:port`);
    else if (err.code === 'EACCES') problems.push(`${c.flag}: not allowed to listen on ${where}; choose a port above 1023 with ${c.flag} host:port`);
    else problems.push(`${c.flag}: cannot listen on ${where} (${err.code ?? err.message}); choose another with ${c.flag} host:port`);
  }
  return problems;
}
