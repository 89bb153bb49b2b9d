/**
 * Propagation with recorded spans (an OTLP endpoint is configured): the OpenTelemetry SDK and its
 * instrumentations, so the app's server and client spans carry the semantic-convention attributes
 * users of OpenTelemetry expect. instrumentation-undici listens on undici's diagnostics channels
 * (fetch included, nothing patched); instrumentation-http wraps http.request/get and Server#emit.
 * Both use the global propagator, so the paysidecar headers ride along through
 * LegacyHeadersPropagator.
 */
import { syncBuiltinESMExports } from 'node:module';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { context, createNoopMeter, propagation, ROOT_CONTEXT, trace, type MeterProvider, type TextMapPropagator, type TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Resource } from '@opentelemetry/resources';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { SPAN_ATTR_SCENARIO, SPAN_ATTR_TRAFFIC, TRAFFIC_PROD, TRAFFIC_STRESS } from '../../src/telemetry/names/http';
import { scenarioFromHeaders, stressScenario } from './legacy-headers';
import { removeOwnedHeaders } from './undici-headers';
import { headersAsRecord, requestOptions } from './outbound-headers';
import { contextForUpgrades } from './upgrades';

export interface SdkPropagationOptions {
  propagator: TextMapPropagator;
  spanProcessors: SpanProcessor[];
  sampler?: Sampler;
  resource?: Resource;
  ignoreIncoming?: (req: IncomingMessage) => boolean;
  onError?: (err: unknown) => void;
}

function trafficAttributes(scenario: string | undefined) {
  return scenario ? { [SPAN_ATTR_TRAFFIC]: TRAFFIC_STRESS, [SPAN_ATTR_SCENARIO]: scenario } : { [SPAN_ATTR_TRAFFIC]: TRAFFIC_PROD };
}

/**
 * RED metrics come from the sidecar. The instrumentations' own request histograms would reach the
 * merged scrape under the sidecar's metric names, so they get a meter that records nothing.
 */
const NO_METRICS: MeterProvider = { getMeter: () => createNoopMeter() };

type RequestFn = (...args: unknown[]) => ClientRequest;
type Patchable = Record<'request' | 'get', RequestFn>;

/**
 * instrumentation-http handles `headers` as a record only: an array (flat or [[name, value]]) was
 * copied into {"0": ..., "1": ...}, so the app's call went out with headers named by their index
 * and without its own Host. Wrapped over the instrumentation, arrays reach it as records.
 */
function recordHeadersFirst(onError: (err: unknown) => void): () => void {
  const patched: Array<[Patchable, 'request' | 'get', RequestFn]> = [];
  for (const mod of [require('node:http'), require('node:https')] as Patchable[]) {
    for (const name of ['request', 'get'] as const) {
      const instrumented = mod[name];
      patched.push([mod, name, instrumented]);
      mod[name] = function (this: unknown, ...args: unknown[]) {
        try {
          const options = requestOptions(args);
          const record = headersAsRecord(options?.headers);
          if (options && record) args[args.indexOf(options)] = { ...options, headers: record };
        } catch (err) {
          onError(err);
        }
        return instrumented.apply(this, args);
      };
    }
  }
  return () => {
    for (const [mod, name, instrumented] of patched) mod[name] = instrumented;
  };
}

export function installSdkPropagation(opts: SdkPropagationOptions): { tracerProvider: ApiTracerProvider; shutdown(): Promise<void> } {
  const sdk = new TracerProvider({ sampler: opts.sampler, resource: opts.resource, spanProcessors: opts.spanProcessors });
  // What SDK 2's NodeTracerProvider.register() did; SDK 3's one TracerProvider leaves it to us.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(opts.propagator);
  trace.setGlobalTracerProvider(sdk);

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
  const unregister = registerInstrumentations({ instrumentations, tracerProvider: sdk, meterProvider: NO_METRICS });

  // require-in-the-middle patches a core module when it is next required: do it now, before the
  // app captures `http.request`, then refresh ESM named exports (`import { request } from 'node:http'`).
  require('node:http');
  require('node:https');
  const onError = opts.onError ?? (() => {});
  const unwrapHeaders = recordHeadersFirst(onError);
  const unwrapUpgrades = contextForUpgrades((req) => (opts.ignoreIncoming?.(req) ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, req.headers)), onError);
  syncBuiltinESMExports();

  return {
    tracerProvider: sdk,
    async shutdown() {
      unwrapUpgrades();
      unwrapHeaders();
      unregister();
      await sdk.shutdown();
    },
  };
}
