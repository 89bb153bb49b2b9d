/** An upstream that answers with scripted bytes, for answers node's HTTP server refuses to send. */
import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** Called once per request head received; `head` is the request up to its blank line. */
export type RawScript = (socket: net.Socket, head: string) => void;

export interface RawUpstream {
  url: string;
  heads: string[];
  /** Connections that closed before the script ended them (the sidecar gave up on them). */
  closedByPeer(): number;
  open(): number;
  close(): Promise<void>;
}

export async function startRawUpstream(script: RawScript): Promise<RawUpstream> {
  const heads: string[] = [];
  const sockets = new Set<net.Socket>();
  let closedByPeer = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buf = '';
    socket.on('error', () => undefined);
    socket.on('end', () => closedByPeer++);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      // One request per connection is enough for these scripts; bodies are ignored.
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.slice(0, end);
      buf = buf.slice(end + 4);
      heads.push(head);
      script(socket, head);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    heads,
    closedByPeer: () => closedByPeer,
    open: () => sockets.size,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
