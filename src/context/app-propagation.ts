/**
 * Trace and stress context inside the app, with no change to the app's code: the app's incoming
 * requests continue the sidecar's trace (their server span is a child of the sidecar's), and
 * every outbound call — node:http, node:https, fetch and undici — carries `traceparent`,
 * `baggage`, `X-Trace-ID` and, for stress requests only, `X-Test-Env` and `stress` baggage.
 *
 * Built on the OpenTelemetry instrumentations rather than our own patches: instrumentation-undici
 * listens on undici's diagnostics channels (fetch included, nothing patched);
 * instrumentation-http wraps http.request/get and Server#emit, because node:http publishes no
 * channel early enough to both add outbound headers and run the request handler inside the
 * extracted context. The two share the global propagator below, so the paysidecar headers ride
 * along through LegacyHeadersPropagator.
 */
import { syncBuiltinESMExports } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { context, createNoopMeter, propagation, trace, type MeterProvider, type TextMapPropagator, type TracerProvider } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { SPAN_ATTR_SCENARIO, SPAN_ATTR_TRAFFIC, TRAFFIC_PROD, TRAFFIC_STRESS } from '../telemetry/names/http';
import { LegacyHeadersPropagator, scenarioFromHeaders, stressScenario } from './app-propagation-legacy';
import { removeOwnedHeaders } from './app-propagation-undici';
import { ContextOnlyTracerProvider } from './app-context-tracer';

export interface AppPropagationOptions {
  /**
   * Where the app's spans go (the OTLP hook). None: the SDK is not loaded and spans only carry
   * context (app-context-tracer.ts).
   */
  spanProcessors?: SpanProcessor[];
  /** With span processors. Default: parent-based, always on for roots (the sidecar's decision wins). */
  sampler?: Sampler;
  resource?: Resource;
  /** Incoming requests that get no server span (the agent's own /metrics and /debug listener). */
  ignoreIncoming?: (req: IncomingMessage) => boolean;
}

export interface AppPropagation {
  readonly tracerProvider: TracerProvider;
  /** True when spans are recorded for export, false when they only carry context. */
  readonly recording: boolean;
  shutdown(): Promise<void>;
}

function trafficAttributes(scenario: string | undefined) {
  return scenario ? { [SPAN_ATTR_TRAFFIC]: TRAFFIC_STRESS, [SPAN_ATTR_SCENARIO]: scenario } : { [SPAN_ATTR_TRAFFIC]: TRAFFIC_PROD };
}

/**
 * RED metrics come from the sidecar. The instrumentations' own request histograms would reach the
 * merged scrape under the sidecar's metric names, so they get a meter that records nothing.
 */
const NO_METRICS: MeterProvider = { getMeter: () => createNoopMeter() };

export function installAppPropagation(opts: AppPropagationOptions = {}): AppPropagation {
  const propagator: TextMapPropagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new LegacyHeadersPropagator()],
  });
  let tracerProvider: TracerProvider;
  let shutdownProvider = async () => {};
  const recording = (opts.spanProcessors?.length ?? 0) > 0;
  if (recording) {
    const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
    const sdk = new NodeTracerProvider({ sampler: opts.sampler, resource: opts.resource, spanProcessors: opts.spanProcessors });
    sdk.register({ propagator });
    tracerProvider = sdk;
    shutdownProvider = () => sdk.shutdown();
  } else {
    // What NodeTracerProvider.register() does, without the SDK.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(propagator);
    tracerProvider = new ContextOnlyTracerProvider();
    trace.setGlobalTracerProvider(tracerProvider);
  }

  const instrumentations = [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: opts.ignoreIncoming,
      startIncomingSpanHook: (req) => trafficAttributes(scenarioFromHeaders(req.headers)),
      startOutgoingSpanHook: () => trafficAttributes(stressScenario(context.active())),
    }),
    new UndiciInstrumentation({
      startSpanHook: () => trafficAttributes(stressScenario(context.active())),
      // Runs just before the instrumentation injects: the app's own copies must not double up.
      requestHook: (_span, request) => removeOwnedHeaders(request),
    }),
  ];
  const unregister = registerInstrumentations({ instrumentations, tracerProvider, meterProvider: NO_METRICS });

  // require-in-the-middle patches a core module when it is next required: do it now, before the
  // app captures `http.request`, then refresh ESM named exports (`import { request } from 'node:http'`).
  require('node:http');
  require('node:https');
  syncBuiltinESMExports();

  return {
    tracerProvider,
    recording,
    async shutdown() {
      unregister();
      await shutdownProvider();
    },
  };
}
