/**
 * Upgrade requests (WebSocket, h2c) on the undici core: undici's upgrade dispatch on the same Pool,
 * behind the same gate, so until the upstream switches protocols the request holds one of
 * --max-sockets and is timed, aborted with its client and answered like every other (a plain
 * answer, or the JSON error, on the response bound to the client's socket). On 101 the gate is
 * left, undici hands over the upstream socket, and the two sockets become one tunnel.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { Relay, upstreamPath, type Controller } from './relay-undici';
import { MAX_EARLY_BYTES, switchHead, tie } from './upgrade';

/** Raw header pairs as undici gives them (Buffers), as strings for the client's 101 head. */
function rawPairs(raw: unknown, headers: IncomingHttpHeaders): string[] {
  if (Array.isArray(raw)) return raw.map((v) => String(v));
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) for (const v of Array.isArray(value) ? value : [value ?? '']) out.push(name, v);
  return out;
}

export class UpgradeRelay extends Relay {
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private onSwitched: () => void = () => undefined;
  private readonly onEarlyData = (chunk: Buffer): void => {
    this.earlyBytes += chunk.length;
    if (this.earlyBytes > MAX_EARLY_BYTES) this.res.socket?.destroy();
    else this.early.push(chunk);
  };
  private readonly onEarlyEnd = (): void => {
    this.res.socket?.destroy();
  };

  /** Starts the upgrade with what node read past the request head; `onSwitched` runs on 101. */
  upgrade(head: Buffer, onSwitched: () => void): void {
    const client = this.res.socket;
    if (!client) return;
    this.onSwitched = onSwitched;
    // Node hands over the socket paused: unread, a client that leaves is never noticed. Read it
    // until the switch, keeping what a client sends early (bounded) for the tunnel.
    this.early.push(head);
    this.earlyBytes = head.length;
    client.on('data', this.onEarlyData);
    client.once('end', this.onEarlyEnd);
    this.start();
  }

  protected override requestOptions(): Dispatcher.DispatchOptions {
    const { req, up } = this;
    const headers = { ...req.headers };
    // undici writes `connection: upgrade` and `upgrade:` itself and refuses them in the headers; an
    // upgrade request's body, if any, is not forwarded (as on the http-proxy core), so nor is its framing.
    const protocol = String(headers.upgrade ?? '');
    delete headers.upgrade;
    delete headers.connection;
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    delete headers.expect;
    return { origin: up.target.origin, path: upstreamPath(up.target, req.url ?? '/'), method: req.method ?? 'GET', headers, body: null, upgrade: protocol };
  }

  onRequestUpgrade(controller: Controller, _statusCode: number, headers: IncomingHttpHeaders, upstream: Duplex): void {
    this.release();
    const { res, ex } = this;
    const client = res.socket;
    upstream.on('error', () => upstream.destroy());
    if (this.closed || ex.clientAborted || res.destroyed || !client || !client.writable) {
      upstream.destroy();
      return;
    }
    ex.responseStarted = true;
    ex.outcome = { status: 101 };
    // From here the client socket is a tunnel, not an HTTP response.
    res.detachSocket(client as Socket);
    client.write(switchHead({ statusMessage: '', rawHeaders: rawPairs(controller.rawHeaders, headers) }, ex.legacyTraceId));
    client.removeListener('data', this.onEarlyData);
    client.removeListener('end', this.onEarlyEnd);
    for (const chunk of this.early) if (chunk.length > 0) upstream.write(chunk);
    this.early = [];
    tie(client, upstream);
    this.onSwitched();
  }
}
