/** A real upstream on 127.0.0.1:0 that records what reached it, for the sidecar's tests. */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  bodyBytes: number;
}

export interface TestUpstream {
  url: URL;
  port: number;
  seen: Seen[];
  /** Requests whose connection closed before the upstream answered. */
  abortedCount(): number;
  openConnections(): number;
  close(): Promise<void>;
}

export type Behaviour = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

/** Default behaviour: 200 with a small JSON body echoing the path. */
export const echo: Behaviour = (req, res) => {
  const body = JSON.stringify({ ok: true, path: req.url });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

export type UpgradeBehaviour = (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void;

export async function startUpstream(behaviour: Behaviour = echo, onUpgrade?: UpgradeBehaviour): Promise<TestUpstream> {
  const seen: Seen[] = [];
  let aborted = 0;
  let open = 0;
  const server = http.createServer((req, res) => {
    const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes: 0 };
    seen.push(s);
    req.on('data', (c: Buffer) => (s.bodyBytes += c.length));
    res.on('close', () => {
      if (!res.writableFinished) aborted++;
    });
    req.on('end', () => behaviour(req, res, s));
    req.resume();
  });
  server.on('connection', (sock) => {
    open++;
    sock.on('close', () => open--);
  });
  // Upgraded sockets leave the server's connection tracking: close() must destroy them itself.
  const upgraded = new Set<import('node:stream').Duplex>();
  if (onUpgrade) {
    server.on('upgrade', (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
      upgraded.add(socket);
      socket.once('close', () => upgraded.delete(socket));
      onUpgrade(req, socket, head);
    });
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    port,
    seen,
    abortedCount: () => aborted,
    openConnections: () => open,
    close: async () => {
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
