/**
 * What the request path needs from a forwarding core, and the choice between the two cores
 * (`--forwarder`). A core writes its outcome on the Exchange the record stage reads at 'close':
 * `upstreamError` (an error.type label), `clientAborted`, and `countedBytes` when the upstream gave
 * no content-length; the status is the response's own. An upstream failure before the response
 * head is handed to `onFailure` (one JSON error writer); after it, the client socket is cut.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Meter } from '@opentelemetry/api';
import type { Exchange } from './exchange';
import { createForwarder as createHttpProxyForwarder, type FailureHandler, type ForwardOptions } from './forward';
import { createUndiciForwarder } from './forward-undici';

export type { FailureHandler, ForwardOptions, UpstreamFailure } from './forward';

export type ForwarderKind = 'http-proxy' | 'undici';

export interface Forwarder {
  web(req: IncomingMessage, res: ServerResponse, target: URL, ex: Exchange, onFailure: FailureHandler): void;
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, target: URL): void;
  /** Open upstream sockets (in use + idle), for leak checks and the soak benchmark. */
  socketCount(): number;
  close(): void;
}

export function createForwarderOf(kind: ForwarderKind, meter: Meter, opts: ForwardOptions): Forwarder {
  const httpProxy: Forwarder = createHttpProxyForwarder(meter, opts);
  if (kind === 'http-proxy') return httpProxy;
  // WebSockets stay on http-proxy in this increment: upgrades are rare and long-lived, so the
  // core's per-request cost does not matter for them.
  return createUndiciForwarder(meter, opts, httpProxy);
}
