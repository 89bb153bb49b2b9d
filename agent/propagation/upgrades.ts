/**
 * node publishes `http.server.request.start` for requests but not for upgrades (WebSocket, h2c),
 * and instrumentation-http wraps only 'request': an 'upgrade' listener ran with no request
 * context, and so did the upgraded socket's events, so a stress WebSocket's calls left as prod
 * traffic on a new trace. Both paths wrap the servers' emit for that one event: the listener runs
 * in the upgrade request's context, and the socket's events are emitted in it.
 */
import http from 'node:http';
import https from 'node:https';
import { context, type Context } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';

type Emit = (event: string | symbol, ...args: unknown[]) => boolean;

/**
 * The socket's events emitted in `ctx`, whoever emits them and whenever its listeners were added
 * (the SDK manager's bind wraps listeners instead, and lost the context for a 'data' listener
 * added after an outbound call).
 */
function emitIn(ctx: Context, emitter: { emit: Emit }): void {
  const emit = emitter.emit;
  emitter.emit = function (this: unknown, ...args: Parameters<Emit>) {
    return context.with(ctx, () => emit.apply(this, args));
  };
}

export function contextForUpgrades(contextOf: (req: IncomingMessage) => Context, onError: (err: unknown) => void): () => void {
  const patched: Array<[{ emit: Emit }, Emit | undefined]> = [];
  for (const proto of [http.Server.prototype, https.Server.prototype] as unknown as Array<{ emit: Emit }>) {
    const own = Object.prototype.hasOwnProperty.call(proto, 'emit') ? proto.emit : undefined;
    const emit = proto.emit;
    proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (event !== 'upgrade') return emit.call(this, event, ...args);
      let ctx: Context;
      try {
        ctx = contextOf(args[0] as IncomingMessage);
        emitIn(ctx, args[1] as { emit: Emit });
      } catch (err) {
        onError(err);
        return emit.call(this, event, ...args);
      }
      return context.with(ctx, () => emit.call(this, event, ...args));
    };
    patched.push([proto, own]);
  }
  return () => {
    for (const [proto, own] of patched) {
      if (own) proto.emit = own;
      else delete (proto as { emit?: Emit }).emit;
    }
  };
}
