/** The pieces of in-app propagation on their own: legacy headers, header de-duplication and merging, the context-only tracer, the request context. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, TraceFlags, context, defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, propagation, trace } from '@opentelemetry/api';
import { LegacyHeadersPropagator, scenarioFromHeaders, stressScenario } from '../../agent/propagation/legacy-headers';
import { removeOwnedHeaders } from '../../agent/propagation/undici-headers';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ContextOnlyTracer, randomId } from '../../agent/propagation/context-only-tracer';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { hasHeader, mergeHeaders, outboundHeaders, requestOptions, withOutboundHeaders } from '../../agent/propagation/outbound-headers';
import { undiciHasHeader } from '../../agent/propagation/undici-headers';
import { LazyRequestContext, RequestContextManager } from '../../agent/propagation/request-context';

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

describe('merging the agent headers into node:http request arguments', () => {
  const ours = ['traceparent', `00-${TRACE}-00f067aa0ba902b7-01`, 'baggage', 'stress=stress-v2', 'x-trace-id', `t-${TRACE}`, 'x-test-env', 'stress-v2'];
  const cb = () => {};

  test('(url) and (url, cb) get an options object; (url, options, cb) keeps the app options and callback', () => {
    const [u1, o1] = withOutboundHeaders(['http://x/'], ours) as [string, { headers: Record<string, string> }];
    assert.equal(u1, 'http://x/');
    assert.equal(o1.headers['x-trace-id'], `t-${TRACE}`);
    const two = withOutboundHeaders(['http://x/', cb], ours);
    assert.equal(two.length, 3);
    assert.equal(two[2], cb);
    const url = new URL('http://x/');
    const appOptions = { method: 'POST', headers: { 'Content-Type': 'application/json' } };
    const three = withOutboundHeaders([url, appOptions, cb], ours) as [URL, { method: string; headers: Record<string, string> }, unknown];
    assert.equal(three[0], url);
    assert.equal(three[1].method, 'POST');
    assert.equal(three[1].headers['Content-Type'], 'application/json');
    assert.equal(three[2], cb);
    assert.deepEqual(appOptions.headers, { 'Content-Type': 'application/json' }, "the app's own object is not modified");
  });

  test("the owned headers replace the app's in any case; baggage is appended to the app's", () => {
    const [opts] = withOutboundHeaders([{ host: 'x', headers: { TraceParent: 'old', 'X-Test-Env': 'stress-old', Baggage: 'tenant=acme' } }], ours) as [{ headers: Record<string, string> }];
    assert.deepEqual(opts.headers, {
      traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
      baggage: 'tenant=acme,stress=stress-v2',
      'x-trace-id': `t-${TRACE}`,
      'x-test-env': 'stress-v2',
    });
  });

  test('flat header arrays are merged the same way', () => {
    const merged = mergeHeaders(['Traceparent', 'old', 'accept', '*/*', 'baggage', 'tenant=acme'], ours);
    assert.deepEqual(merged, ['accept', '*/*', 'traceparent', `00-${TRACE}-00f067aa0ba902b7-01`, 'baggage', 'tenant=acme,stress=stress-v2', 'x-trace-id', `t-${TRACE}`, 'x-test-env', 'stress-v2']);
  });

  test('nested [[name, value], ...] header arrays keep their shape and every app header', () => {
    // node sends these pairs as they are; merged as a flat array, the app's last pair was lost
    // and the agent's headers went out as one-letter garbage (`t: r`, `0: 0`, ...).
    const merged = mergeHeaders([['Host', 'pay.example'], ['Traceparent', 'old'], ['baggage', 'tenant=acme'], ['accept', '*/*']], ours);
    assert.deepEqual(merged, [
      ['Host', 'pay.example'],
      ['accept', '*/*'],
      ['traceparent', `00-${TRACE}-00f067aa0ba902b7-01`],
      ['baggage', 'tenant=acme,stress=stress-v2'],
      ['x-trace-id', `t-${TRACE}`],
      ['x-test-env', 'stress-v2'],
    ]);
    assert.equal(hasHeader([['accept', '*/*'], ['TraceParent', 'x']], 'traceparent'), true);
    assert.equal(hasHeader([['accept', '*/*']], 'traceparent'), false);
  });

  test('arguments node would refuse are passed through untouched, for node to report', () => {
    const bad = [42, cb];
    assert.equal(withOutboundHeaders(bad, ours), bad);
    // A flat headers array of odd length: node throws ERR_INVALID_ARG_VALUE, with or without the agent.
    const odd = [{ host: 'x', headers: ['accept', '*/*', 'x-dangling'] }, cb];
    assert.equal(withOutboundHeaders(odd, ours), odd);
    const notPairs = [{ host: 'x', headers: [['accept', '*/*'], 'x-a'] }];
    assert.equal(withOutboundHeaders(notPairs, ours), notPairs);
  });

  test('the app-set traceparent is found in records, arrays and undici requests alike', () => {
    assert.equal(hasHeader({ TraceParent: 'x' }, 'traceparent'), true);
    assert.equal(hasHeader(['accept', '*/*', 'traceparent', 'x'], 'traceparent'), true);
    assert.equal(hasHeader(undefined, 'traceparent'), false);
    assert.equal(requestOptions(['http://x/', cb]), undefined);
    assert.deepEqual(requestOptions(['http://x/', { headers: {} }]), { headers: {} });
    assert.equal(undiciHasHeader({ headers: ['traceparent', 'x'] }, 'traceparent'), true);
    assert.equal(undiciHasHeader({ headers: 'accept: */*\r\nTraceparent: x\r\n' }, 'traceparent'), true);
    assert.equal(undiciHasHeader({ headers: [] }, 'traceparent'), false);
  });
});

describe('the request context of the context-only path', () => {
  const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), legacy] });

  test('headers are parsed on first read, into a server span that is a child of the caller', () => {
    const headers = { traceparent: `00-${TRACE}-00f067aa0ba902b7-01`, 'x-test-env': 'stress-v2' };
    const ctx = new LazyRequestContext(headers, propagator, new ContextOnlyTracer());
    const sc = trace.getSpanContext(ctx)!;
    assert.equal(sc.traceId, TRACE);
    assert.notEqual(sc.spanId, '00f067aa0ba902b7');
    assert.equal(sc.spanId, trace.getSpanContext(ctx)!.spanId, 'built once');
    assert.equal(stressScenario(ctx), 'stress-v2');
    const out = outboundHeaders(ctx, propagator, new ContextOnlyTracer());
    assert.equal(out[out.indexOf('x-trace-id') + 1], `t-${TRACE}`);
    assert.equal(out[out.indexOf('baggage') + 1], 'stress=stress-v2');
  });

  test('a propagator that throws is reported, and the request starts a trace of its own instead of failing the app', () => {
    const errors: unknown[] = [];
    const broken = { ...propagator, fields: () => [], inject: () => {}, extract: () => { throw new Error('broken'); } };
    const ctx = new LazyRequestContext({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` }, broken, new ContextOnlyTracer(), (e) => errors.push(e));
    const sc = trace.getSpanContext(ctx)!;
    assert.ok(isSpanContextValid(sc));
    assert.notEqual(sc.traceId, TRACE);
    assert.equal(errors.length, 1);
  });

  test('what enterRequest enters is seen by the rest of the run and what it schedules, and not by earlier work', async () => {
    const manager = new RequestContextManager();
    const key = Symbol('k');
    const earlier = new Promise<unknown>((resolve) => setImmediate(() => resolve(manager.active().getValue(key))));
    const seen = await new Promise<unknown>((resolve) =>
      setImmediate(() => {
        manager.enterRequest(ROOT_CONTEXT.setValue(key, 'request-1'));
        setTimeout(() => resolve(manager.active().getValue(key)), 1);
      }),
    );
    assert.equal(seen, 'request-1');
    assert.equal(await earlier, undefined);
    assert.equal(manager.with(ROOT_CONTEXT.setValue(key, 'w'), () => manager.active().getValue(key)), 'w');
    assert.equal(manager.bind(ROOT_CONTEXT.setValue(key, 'b'), () => manager.active().getValue(key))(), 'b');
    manager.disable();
  });
});
