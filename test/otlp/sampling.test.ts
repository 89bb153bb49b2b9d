import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, TraceFlags, trace, type Tracer } from '@opentelemetry/api';
import { createSpanExport } from '../../src/telemetry/otlp';
import { SPAN_ATTR_TRAFFIC, TRAFFIC_PROD, TRAFFIC_STRESS } from '../../src/telemetry/names';
import { ConfigError } from '../../src/errors';
import { providerFor } from './tracer';
import { startReceiver } from './receiver';

const REMOTE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', isRemote: true };

function sampled(tracer: Tracer, traffic: string, parentFlags?: TraceFlags): boolean {
  const ctx = parentFlags === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, { ...REMOTE, traceFlags: parentFlags });
  const span = tracer.startSpan('POST /pay', { attributes: { [SPAN_ATTR_TRAFFIC]: traffic } }, ctx);
  span.end();
  return (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}

test('ratio 0 drops new prod traces but always keeps stress traffic', () => {
  const { tracer } = providerFor(createSpanExport({ sampleRatio: 0 }, {}));
  assert.equal(sampled(tracer, TRAFFIC_PROD), false);
  assert.equal(sampled(tracer, TRAFFIC_STRESS), true);
});

test("children follow the caller's sampled flag (parent-based), stress overrides an unsampled parent", () => {
  const { tracer } = providerFor(createSpanExport({ sampleRatio: 0 }, {}));
  assert.equal(sampled(tracer, TRAFFIC_PROD, TraceFlags.SAMPLED), true);
  assert.equal(sampled(tracer, TRAFFIC_PROD, TraceFlags.NONE), false);
  assert.equal(sampled(tracer, TRAFFIC_STRESS, TraceFlags.NONE), true);
  const { tracer: all } = providerFor(createSpanExport({ sampleRatio: 1 }, {}));
  assert.equal(sampled(all, TRAFFIC_PROD, TraceFlags.NONE), false, 'ratio 1 still respects an unsampled caller');
});

test('sampleStress=false treats stress traffic like prod', () => {
  const { tracer } = providerFor(createSpanExport({ sampleRatio: 0, sampleStress: false }, {}));
  assert.equal(sampled(tracer, TRAFFIC_STRESS), false);
});

test('OTEL_TRACES_SAMPLER/_ARG are honoured when no ratio flag is given, and the flag wins over them', () => {
  const env = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };
  assert.equal(sampled(providerFor(createSpanExport({}, env)).tracer, TRAFFIC_PROD), false);
  assert.equal(sampled(providerFor(createSpanExport({ sampleRatio: 1 }, env)).tracer, TRAFFIC_PROD), true);
  const off = providerFor(createSpanExport({}, { OTEL_TRACES_SAMPLER: 'always_off' })).tracer;
  assert.equal(sampled(off, TRAFFIC_PROD, TraceFlags.SAMPLED), false, 'always_off ignores the parent');
  assert.equal(sampled(off, TRAFFIC_STRESS), true);
  // Default: parentbased_always_on.
  assert.equal(sampled(providerFor(createSpanExport({}, {})).tracer, TRAFFIC_PROD), true);
});

test('only sampled spans reach the collector; unsampled ones still carry a trace id', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const { tracer, provider } = providerFor(createSpanExport({ endpoint: receiver.url, sampleRatio: 0 }, { OTEL_BSP_SCHEDULE_DELAY: '10' }));
  const prod = tracer.startSpan('prod', { attributes: { [SPAN_ATTR_TRAFFIC]: TRAFFIC_PROD } });
  const stress = tracer.startSpan('stress', { attributes: { [SPAN_ATTR_TRAFFIC]: TRAFFIC_STRESS } });
  prod.end();
  stress.end();
  await provider.forceFlush();
  await provider.shutdown();
  assert.deepEqual(receiver.spans.map((s) => s.name), ['stress']);
  assert.match(prod.spanContext().traceId, /^[0-9a-f]{32}$/, 'the error log can still name the trace');
});

test('malformed OTEL_* values are one ConfigError naming each variable, header values never echoed', () => {
  const env = {
    OTEL_BSP_MAX_QUEUE_SIZE: 'lots',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    OTEL_EXPORTER_OTLP_HEADERS: 'api-key-s3cr3t-without-equals',
    OTEL_TRACES_SAMPLER: 'jaeger_remote',
  };
  assert.throws(
    () => createSpanExport({}, env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      assert.equal(err.problems.length, 5, text);
      assert.match(text, /OTEL_BSP_MAX_QUEUE_SIZE: "lots" is invalid, expected an integer of at least 1/);
      assert.match(text, /OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" is invalid, expected an http:\/\/ or https:\/\/ URL/);
      assert.match(text, /OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported/);
      assert.match(text, /OTEL_EXPORTER_OTLP_HEADERS: entry 1 is invalid/);
      assert.match(text, /OTEL_TRACES_SAMPLER: "jaeger_remote" is invalid, expected one of always_on\|/);
      assert.doesNotMatch(text, /s3cr3t/);
      return true;
    },
  );
  assert.throws(() => createSpanExport({}, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }), /OTEL_TRACES_SAMPLER_ARG: "1.5" is invalid/);
});
