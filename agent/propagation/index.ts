/**
 * Trace and stress context inside the app, with no change to the app's code: the app's incoming
 * requests continue the sidecar's trace (their server span is a child of the sidecar's), and
 * every outbound call — node:http, node:https, fetch and undici — carries `traceparent`,
 * `baggage`, `X-Trace-ID` and, for stress requests only, `X-Test-Env` and `stress` baggage.
 *
 * Two paths behind one propagator (W3C trace context + W3C baggage + the paysidecar headers):
 *   spans exported  the OpenTelemetry SDK and instrumentations (app-propagation-sdk.ts), loaded
 *                   only then;
 *   no exporter     diagnostics channels and AsyncLocalStorage only (app-propagation-light.ts):
 *                   span ids are minted for the headers, nothing is recorded.
 */
import { context, propagation, trace, type TextMapPropagator, type TracerProvider } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { IncomingMessage } from 'node:http';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Resource } from '@opentelemetry/resources';
import { LegacyHeadersPropagator } from './legacy-headers';
import { ContextOnlyTracerProvider } from './context-only-tracer';
import { RequestContextManager } from './request-context';

export interface AppPropagationOptions {
  /** Where the app's spans go (the OTLP hook). None: the SDK is not loaded and spans only carry context. */
  spanProcessors?: SpanProcessor[];
  /** With span processors. Default: parent-based, always on for roots (the sidecar's decision wins). */
  sampler?: Sampler;
  resource?: Resource;
  /** Incoming requests that get no server span (the agent's own /metrics and /debug listener). */
  ignoreIncoming?: (req: IncomingMessage) => boolean;
  /** A hook failed on the app's request path; the app's call went on without the headers. */
  onError?: (err: unknown) => void;
}

export interface AppPropagation {
  readonly tracerProvider: TracerProvider;
  /** True when spans are recorded for export, false when they only carry context. */
  readonly recording: boolean;
  shutdown(): Promise<void>;
}

export function installAppPropagation(opts: AppPropagationOptions = {}): AppPropagation {
  const propagator: TextMapPropagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new LegacyHeadersPropagator()],
  });
  if (opts.spanProcessors?.length) {
    const { installSdkPropagation } = require('./sdk') as typeof import('./sdk');
    const sdk = installSdkPropagation({ ...opts, propagator, spanProcessors: opts.spanProcessors });
    return { tracerProvider: sdk.tracerProvider, recording: true, shutdown: () => sdk.shutdown() };
  }

  // What NodeTracerProvider.register() does, without the SDK: the app's own API calls see the
  // request's context too.
  const contextManager = new RequestContextManager();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(propagator);
  const tracerProvider = new ContextOnlyTracerProvider();
  trace.setGlobalTracerProvider(tracerProvider);
  const { installLightPropagation } = require('./context-only') as typeof import('./context-only');
  const uninstall = installLightPropagation({ contextManager, propagator, ignoreIncoming: opts.ignoreIncoming, onError: opts.onError ?? (() => {}) });
  return {
    tracerProvider,
    recording: false,
    async shutdown() {
      uninstall();
    },
  };
}
