/** Bytes on a socket, for requests node's HTTP client refuses to send (duplicate headers, odd case, smuggling shapes). */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

export function parseRaw(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: end === -1 ? '' : raw.slice(end + 4), raw };
}

/** Sends `payload` (which should say `Connection: close`) and collects everything until the server closes. */
export function rawRequest(port: number, payload: string, waitMs = 5000): Promise<RawResponse> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => sock.destroy(), waitMs);
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(t);
      resolve(parseRaw(out));
    });
    sock.write(payload);
  });
}

export interface RawSession extends RawResponse {
  /** The server closed the connection (rather than our own deadline). */
  closedByServer: boolean;
  /** Milliseconds from connect to close. */
  ms: number;
}

/**
 * Sends `payload` and collects until the server closes or `waitMs` passes; `hangUpAfterMs` makes
 * the client leave first, as an impatient client does.
 */
export function rawSession(port: number, payload: string | Buffer, opts: { waitMs?: number; hangUpAfterMs?: number } = {}): Promise<RawSession> {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    let byUs = false;
    const t = setTimeout(() => {
      byUs = true;
      sock.destroy();
    }, opts.waitMs ?? 5000);
    const h = opts.hangUpAfterMs === undefined ? undefined : setTimeout(() => {
      byUs = true;
      sock.destroy();
    }, opts.hangUpAfterMs);
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(t);
      if (h) clearTimeout(h);
      resolve({ ...parseRaw(out), closedByServer: !byUs, ms: Date.now() - started });
    });
    sock.write(payload);
  });
}
