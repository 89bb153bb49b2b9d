/**
 * What the request path needs from a forwarding core, and the choice between the two cores
 * (`--forwarder`). A core writes its outcome on the Exchange the record stage reads at 'close':
 * `upstreamError` (an error.type label), `clientAborted`, and `countedBytes` when the upstream gave
 * no content-length; the status is the response's own. An upstream failure before the response
 * head is handed to `onFailure` (one JSON error writer); after it, the client socket is cut.
 */
import type { Meter } from '@opentelemetry/api';
import { createForwarder as createHttpProxyForwarder, type Forwarder, type ForwardOptions } from './forward';
import { createUndiciForwarder } from './forward-undici';

export type { FailureHandler, Forwarder, ForwardOptions, UpstreamFailure } from './forward';

export type ForwarderKind = 'http-proxy' | 'undici';

export function createForwarderOf(kind: ForwarderKind, meter: Meter, opts: ForwardOptions): Forwarder {
  return kind === 'http-proxy' ? createHttpProxyForwarder(meter, opts) : createUndiciForwarder(meter, opts);
}
