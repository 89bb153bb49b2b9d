/**
 * Propagation without recording spans (the agent's default: no OTLP endpoint). Nothing is timed or
 * exported, so the work per request is only moving context:
 *
 *   incoming  the `http.server.request.start` diagnostics channel enters a LazyRequestContext
 *             for the request (app-request-context.ts), and the request's and response's events
 *             are emitted in it; its headers are parsed only if the app calls out or reads the
 *             context.
 *   fetch /   the `undici:request:create` channel: the headers are added to the request undici
 *   undici    is about to send (the app's copies of the owned ones removed first).
 *   node:http http.request/get and https.request/get are wrapped to merge the headers into their
 *             options. The one patch: node 20's `http.client.request.start` channel is published
 *             after the request head is serialised, too late to add a header.
 *
 * Outside any request (a job, a timer at start-up) a call gets a new trace, unless the app set its
 * own `traceparent`: then it knows the trace better than we do, and the call goes out untouched.
 *
 * The OpenTelemetry instrumentations (app-propagation-sdk.ts) do all this too, plus a span per
 * request with a dozen attributes; measured on the gateway, they doubled the CPU per request on a
 * cheap route. Every hook here catches its own failure: the app's call goes out unchanged.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { ROOT_CONTEXT, type TextMapPropagator } from '@opentelemetry/api';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ContextOnlyTracer } from './context-only-tracer';
import { LazyRequestContext, type RequestContextManager } from './request-context';
import { hasHeader, outboundHeaders, requestOptions, withOutboundHeaders } from './outbound-headers';
import { removeOwnedHeaders, undiciHasHeader } from './undici-headers';
import { contextForUpgrades } from './upgrades';
import { H_TRACEPARENT } from '../../src/context/headers';
import { CHANNELS } from '../../src/runtime/channels';

const CH_SERVER_REQUEST_START = CHANNELS.httpServerRequestStart;
const CH_UNDICI_REQUEST_CREATE = CHANNELS.undiciRequestCreate;

export interface LightPropagationOptions {
  contextManager: RequestContextManager;
  propagator: TextMapPropagator;
  /** Incoming requests that get no context (the agent's own listener). */
  ignoreIncoming?: (req: IncomingMessage) => boolean;
  onError: (err: unknown) => void;
}

interface ServerRequestStart {
  request: IncomingMessage;
  response: ServerResponse;
  server?: Server;
}

interface UndiciRequestCreate {
  request: { headers?: unknown; addHeader(name: string, value: string): unknown };
}

type RequestFn = (...args: unknown[]) => http.ClientRequest;
type Patchable = Record<'request' | 'get', RequestFn>;
const ORIGINAL = Symbol.for('paysidecar.agent.original');

export function installLightPropagation(opts: LightPropagationOptions): () => void {
  const { contextManager, propagator, onError } = opts;
  const tracer = new ContextOnlyTracer();

  const onServerRequest = (message: unknown) => {
    try {
      const { request, response } = message as ServerRequestStart;
      if (opts.ignoreIncoming?.(request)) return contextManager.enterRequest(ROOT_CONTEXT);
      const ctx = new LazyRequestContext(request.headers, propagator, tracer, onError);
      contextManager.enterRequest(ctx);
      contextManager.bindEmitter(request, ctx);
      contextManager.bindEmitter(response, ctx);
    } catch (err) {
      onError(err);
    }
  };

  const onUndiciRequest = (message: unknown) => {
    try {
      const { request } = message as UndiciRequestCreate;
      const ctx = contextManager.active();
      if (ctx === ROOT_CONTEXT && undiciHasHeader(request, H_TRACEPARENT)) return;
      const ours = outboundHeaders(ctx, propagator, tracer);
      removeOwnedHeaders(request);
      for (let i = 0; i < ours.length; i += 2) request.addHeader(ours[i], ours[i + 1]);
    } catch (err) {
      onError(err);
    }
  };

  const wrap = (original: RequestFn): RequestFn =>
    Object.assign(
      function (this: unknown, ...args: unknown[]) {
        let call = args;
        try {
          const ctx = contextManager.active();
          if (ctx !== ROOT_CONTEXT || !hasHeader(requestOptions(args)?.headers, H_TRACEPARENT)) {
            call = withOutboundHeaders(args, outboundHeaders(ctx, propagator, tracer));
          }
        } catch (err) {
          onError(err);
        }
        return original.apply(this, call);
      },
      { [ORIGINAL]: original },
    );

  const patched: Array<[Patchable, 'request' | 'get', RequestFn]> = [];
  for (const mod of [http, https] as unknown as Patchable[]) {
    for (const name of ['request', 'get'] as const) {
      const current = mod[name];
      if ((current as { [ORIGINAL]?: RequestFn })[ORIGINAL]) continue;
      patched.push([mod, name, current]);
      mod[name] = wrap(current);
    }
  }
  // The app may `import { request } from 'node:http'` after this: refresh ESM named exports.
  syncBuiltinESMExports();
  diagnosticsChannel.subscribe(CH_SERVER_REQUEST_START, onServerRequest);
  diagnosticsChannel.subscribe(CH_UNDICI_REQUEST_CREATE, onUndiciRequest);
  const unwrapUpgrades = contextForUpgrades(
    (req) => (opts.ignoreIncoming?.(req) ? ROOT_CONTEXT : new LazyRequestContext(req.headers, propagator, tracer, onError)),
    onError,
  );

  return () => {
    unwrapUpgrades();
    diagnosticsChannel.unsubscribe(CH_SERVER_REQUEST_START, onServerRequest);
    diagnosticsChannel.unsubscribe(CH_UNDICI_REQUEST_CREATE, onUndiciRequest);
    for (const [mod, name, original] of patched) mod[name] = original;
    syncBuiltinESMExports();
  };
}
