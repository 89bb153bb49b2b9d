/** The pieces of in-app propagation on their own: legacy headers, header de-duplication, the context-only tracer. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, TraceFlags, context, defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, propagation, trace } from '@opentelemetry/api';
import { LegacyHeadersPropagator, scenarioFromHeaders, stressScenario } from '../../src/context/app-propagation-legacy';
import { removeOwnedHeaders } from '../../src/context/app-propagation-undici';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ContextOnlyTracer, randomId } from '../../src/context/app-context-tracer';

const legacy = new LegacyHeadersPropagator();
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const withSpan = (flags = TraceFlags.SAMPLED) => trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: '00f067aa0ba902b7', traceFlags: flags });

describe('legacy headers propagator', () => {
  test('a stress request: scenario kept, mirrored into baggage, injected with the t- trace id', () => {
    const ctx = legacy.extract(withSpan(), { 'x-test-env': 'stress-v2' }, defaultTextMapGetter);
    assert.equal(stressScenario(ctx), 'stress-v2');
    assert.equal(propagation.getBaggage(ctx)?.getEntry('stress')?.value, 'stress-v2');
    const out: Record<string, string> = {};
    legacy.inject(ctx, out, defaultTextMapSetter);
    assert.deepEqual(out, { 'x-trace-id': `t-${TRACE}`, 'x-test-env': 'stress-v2' });
  });

  test('a prod request: tr- trace id, no X-Test-Env', () => {
    const ctx = legacy.extract(withSpan(), {}, defaultTextMapGetter);
    assert.equal(stressScenario(ctx), undefined);
    const out: Record<string, string> = {};
    legacy.inject(ctx, out, defaultTextMapSetter);
    assert.deepEqual(out, { 'x-trace-id': `tr-${TRACE}` });
  });

  test('an invalid scenario is not stress; a stress baggage member alone is', () => {
    assert.equal(stressScenario(legacy.extract(ROOT_CONTEXT, { 'x-test-env': 'Stress V2!' }, defaultTextMapGetter)), undefined);
    const bag = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ stress: { value: 'load-1' } }));
    assert.equal(stressScenario(legacy.extract(bag, {}, defaultTextMapGetter)), 'load-1');
    assert.equal(scenarioFromHeaders({ baggage: 'tenant=acme, stress=load-1;p=1' }), 'load-1');
    assert.equal(scenarioFromHeaders({ baggage: 'tenant=acme' }), undefined);
    assert.equal(scenarioFromHeaders({ 'x-test-env': ['stress-v2', 'other'] }), 'stress-v2');
  });

  test('no span in the context: no X-Trace-ID', () => {
    const out: Record<string, string> = {};
    legacy.inject(ROOT_CONTEXT, out, defaultTextMapSetter);
    assert.deepEqual(out, {});
  });
});

describe('removing the app’s own copies before undici injection', () => {
  test('undici v6 header arrays', () => {
    const request = { headers: ['content-type', 'application/json', 'X-Trace-ID', 'tr-x', 'traceparent', 'a', 'baggage', 'k=v', 'X-Test-Env', 's'] };
    removeOwnedHeaders(request);
    assert.deepEqual(request.headers, ['content-type', 'application/json', 'baggage', 'k=v']);
  });

  test('undici v5 header strings', () => {
    const request = { headers: 'content-type: application/json\r\nx-trace-id: tr-x\r\nTracestate: a=b\r\n' };
    removeOwnedHeaders(request);
    assert.equal(request.headers, 'content-type: application/json\r\n');
  });
});

describe('context-only tracer', () => {
  const tracer = new ContextOnlyTracer();
  // The agent installs this context manager; without one, context.with() is a no-op.
  const manager = new AsyncLocalStorageContextManager();
  before(() => context.setGlobalContextManager(manager.enable()));
  after(() => {
    manager.disable();
    context.disable();
  });

  test('a root span gets a new valid trace id, sampled, and records nothing', () => {
    const span = tracer.startSpan('GET', {}, ROOT_CONTEXT);
    const sc = span.spanContext();
    assert.ok(isSpanContextValid(sc));
    assert.equal(sc.traceFlags, TraceFlags.SAMPLED);
    assert.equal(span.isRecording(), false);
  });

  test('a child keeps the trace id and the parent sampled flag, with a new span id', () => {
    for (const flags of [TraceFlags.SAMPLED, TraceFlags.NONE]) {
      const sc = tracer.startSpan('GET', {}, withSpan(flags)).spanContext();
      assert.equal(sc.traceId, TRACE);
      assert.notEqual(sc.spanId, '00f067aa0ba902b7');
      assert.equal(sc.traceFlags, flags);
    }
    assert.notEqual(tracer.startSpan('x', { root: true }, withSpan()).spanContext().traceId, TRACE, 'root: true starts a new trace');
  });

  test('startActiveSpan runs the callback with the span active, in every overload', () => {
    const seen: string[] = [];
    const check = (span: ReturnType<typeof tracer.startSpan>) => {
      seen.push(trace.getSpanContext(context.active())?.spanId === span.spanContext().spanId ? 'active' : 'not active');
      return 42;
    };
    assert.equal(tracer.startActiveSpan('a', check), 42);
    assert.equal(tracer.startActiveSpan('b', {}, check), 42);
    assert.equal(tracer.startActiveSpan('c', {}, withSpan(), check), 42);
    assert.deepEqual(seen, ['active', 'active', 'active']);
  });

  test('ids are lower-case hex of the right length and vary', () => {
    const ids = new Set(Array.from({ length: 100 }, () => randomId(8)));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
    assert.match(randomId(16), /^[0-9a-f]{32}$/);
  });
});
