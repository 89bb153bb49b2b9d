/**
 * The context of the request an app is handling, for the agent's context-only path (no span
 * exporter). Two pieces:
 *
 *   RequestContextManager  an OpenTelemetry ContextManager on one AsyncLocalStorage, with
 *                          enterRequest(): node:http publishes `http.server.request.start` just
 *                          before it emits 'request', and entering the store there makes the
 *                          handler and everything it schedules see the request's context, without
 *                          wrapping Server#emit.
 *   LazyRequestContext     what is entered per request: it holds the request headers and parses
 *                          them only when something reads the context (an outbound call, or the
 *                          app's own OpenTelemetry API use). A request that calls nothing costs
 *                          one object and one enterWith.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { defaultTextMapGetter, ROOT_CONTEXT, SpanKind, trace, type Context, type ContextManager, type TextMapPropagator, type Tracer } from '@opentelemetry/api';

export class RequestContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const cb = thisArg === undefined ? fn : fn.bind(thisArg);
    return this.storage.run(ctx, cb as (...a: A) => ReturnType<F>, ...args);
  }

  /**
   * Functions only. The SDK's manager also patches event emitters' listeners; nothing in the
   * agent's path binds emitters, and the app's own code that does gets its functions bound.
   */
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...a: unknown[]) => unknown;
    const manager = this;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(ctx, () => fn.apply(this, args));
    };
    return bound as unknown as T;
  }

  /** The rest of the current synchronous run, and what it schedules, sees `ctx`. */
  enterRequest(ctx: Context): void {
    this.storage.enterWith(ctx);
  }

  /**
   * Every listener of `emitter` runs in `ctx`, whoever emits. A request's body that arrives in a
   * later socket read is emitted ('data', 'end') from the socket's context, not the one entered at
   * the request's start: without this, a call made once the body is read (body-parser, `req.on('end')`)
   * would leave with no trace and no stress markers. One wrapper per emitter, not per listener.
   */
  bindEmitter(emitter: EventEmitter, ctx: Context): void {
    const emit = emitter.emit;
    const storage = this.storage;
    emitter.emit = function (this: EventEmitter, ...args: unknown[]) {
      return storage.run(ctx, Reflect.apply, emit, this, args) as boolean;
    } as EventEmitter['emit'];
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

/**
 * The incoming request's context, built on first use: the propagators' extract (traceparent,
 * baggage, the paysidecar headers) and the app's server span as a child of the caller's span.
 */
export class LazyRequestContext implements Context {
  private headers: IncomingHttpHeaders | undefined;
  private built: Context | undefined;

  constructor(
    headers: IncomingHttpHeaders,
    private readonly propagator: TextMapPropagator,
    private readonly tracer: Tracer,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.headers = headers;
  }

  private context(): Context {
    if (this.built === undefined) {
      // Read from the app's own code too (its OpenTelemetry API calls): a failure here must not
      // reach it, so the request just starts a trace of its own.
      let parent = ROOT_CONTEXT;
      try {
        parent = this.propagator.extract(ROOT_CONTEXT, this.headers, defaultTextMapGetter);
      } catch (err) {
        this.onError(err);
      }
      this.built = trace.setSpan(parent, this.tracer.startSpan('server', { kind: SpanKind.SERVER }, parent));
      this.headers = undefined;
    }
    return this.built;
  }

  getValue(key: symbol): unknown {
    return this.context().getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.context().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.context().deleteValue(key);
  }
}
