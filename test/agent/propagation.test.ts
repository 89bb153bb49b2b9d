/**
 * Automatic propagation: client → paysidecar → app with the agent → downstream. The app's code
 * forwards nothing itself; the downstream must still see the sidecar's trace id, the matching
 * X-Trace-ID, and the stress markers exactly when the request was (trusted) stress traffic. The
 * app's spans, exported over OTLP, show its server span as a child of the sidecar's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSidecar, request, type TestSidecar } from '../helpers/sidecar';
import { startReceiver, type Receiver } from '../otlp/receiver';
import { startApp, ESM_APP, type AppProcess } from './app-process';
import { startDownstream, type Downstream } from './downstream';

const SCENARIO = 'stress-v2';
const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
const SPAN_KIND_SERVER = 2;

let downstream: Downstream;
let receiver: Receiver;
let app: AppProcess;
let plainApp: AppProcess;
let esmApp: AppProcess;
let sidecar: TestSidecar;
let plainSidecar: TestSidecar;
let esmSidecar: TestSidecar;

before(async () => {
  downstream = await startDownstream();
  receiver = await startReceiver();
  const env = {
    FIXTURE_DOWNSTREAM: downstream.url,
    FIXTURE_DOWNSTREAM_TLS: downstream.tlsUrl,
    FIXTURE_CA: downstream.caFile,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_SERVICE_NAME: 'fixture-app',
  };
  const { OTEL_EXPORTER_OTLP_ENDPOINT: _, ...noExporter } = env;
  // One CommonJS app exports spans (the SDK path); the other and the ESM app have no exporter
  // (the context-only path, the default).
  [app, plainApp, esmApp] = await Promise.all([
    startApp({ loader: 'require', env }),
    startApp({ loader: 'require', env: noExporter }),
    startApp({ loader: 'import', script: ESM_APP, env: { FIXTURE_DOWNSTREAM: downstream.url } }),
  ]);
  // The test client is on loopback, so trusting 127.0.0.0/8 makes its X-Test-Env stress traffic.
  [sidecar, plainSidecar, esmSidecar] = await Promise.all(
    [app, plainApp, esmApp].map((a) => startTestSidecar({ upstream: a.base, trustCidr: '127.0.0.0/8' })),
  );
});

after(async () => {
  await Promise.all([app?.stop(), plainApp?.stop(), esmApp?.stop()]);
  await Promise.all([sidecar?.shutdown(), plainSidecar?.shutdown(), esmSidecar?.shutdown()]);
  await Promise.all([downstream?.close(), receiver?.close()]);
});

let nextId = 0;

interface Hop {
  /** Trace id the sidecar reported (X-Trace-ID on the response, prefix stripped). */
  traceId: string;
  /** The traceparent the app received from the sidecar. */
  appParent?: string;
  downstream: Record<string, string | string[] | undefined>;
}

async function callThrough(sc: TestSidecar, via: string, stress: boolean, forwardByHand = false): Promise<Hop> {
  const id = `call-${++nextId}`;
  const headers: Record<string, string> = { baggage: 'tenant=acme' };
  if (stress) headers['x-test-env'] = SCENARIO;
  const res = await request(`${sc.base}/call?via=${via}&id=${id}${forwardByHand ? '&forward=1' : ''}`, { headers });
  assert.equal(res.status, 200, res.body);
  const legacy = String(res.headers['x-trace-id']);
  assert.match(legacy, stress ? /^t-[0-9a-f]{32}$/ : /^tr-[0-9a-f]{32}$/);
  const seen = downstream.seen.get(id);
  assert.ok(seen, `downstream never saw ${id}`);
  return { traceId: legacy.slice(legacy.indexOf('-') + 1), appParent: (JSON.parse(res.body) as { traceparent?: string }).traceparent, downstream: seen };
}

function assertProd(hop: Hop) {
  const tp = TRACEPARENT_RE.exec(String(hop.downstream.traceparent));
  assert.ok(tp, `traceparent downstream: ${hop.downstream.traceparent}`);
  assert.equal(tp[1], hop.traceId, 'downstream continues the sidecar trace');
  assert.equal(hop.downstream['x-trace-id'], `tr-${hop.traceId}`);
  assert.equal(hop.downstream['x-test-env'], undefined, 'no X-Test-Env on prod traffic');
  assert.match(String(hop.downstream.baggage), /(^|,)tenant=acme(,|$)/, 'other baggage members pass');
  assert.doesNotMatch(String(hop.downstream.baggage), /(^|,)\s*stress=/, 'no stress baggage on prod traffic');
}

function assertStress(hop: Hop) {
  const tp = TRACEPARENT_RE.exec(String(hop.downstream.traceparent));
  assert.ok(tp, `traceparent downstream: ${hop.downstream.traceparent}`);
  assert.equal(tp[1], hop.traceId);
  assert.equal(hop.downstream['x-trace-id'], `t-${hop.traceId}`);
  assert.equal(hop.downstream['x-test-env'], SCENARIO);
  assert.match(String(hop.downstream.baggage), new RegExp(`(^|,)stress=${SCENARIO}(,|$)`));
  assert.match(String(hop.downstream.baggage), /(^|,)tenant=acme(,|$)/);
}

/** What both paths must do, whether spans are exported or not. */
function sharedCases(sc: () => TestSidecar) {
  for (const via of ['http', 'https', 'fetch']) {
    test(`${via}: a prod request carries the trace, tr- X-Trace-ID and no stress markers`, async () => {
      assertProd(await callThrough(sc(), via, false));
    });
    test(`${via}: a stress request carries the trace, t- X-Trace-ID, X-Test-Env and stress baggage`, async () => {
      assertStress(await callThrough(sc(), via, true));
    });
  }

  test('60 concurrent prod and stress requests each carry their own context', async () => {
    const plan = Array.from({ length: 60 }, (_, i) => ({ via: ['http', 'https', 'fetch'][i % 3], stress: i % 2 === 0 }));
    const hops = await Promise.all(plan.map((p) => callThrough(sc(), p.via, p.stress)));
    hops.forEach((hop, i) => (plan[i].stress ? assertStress(hop) : assertProd(hop)));
    assert.equal(new Set(hops.map((h) => h.traceId)).size, 60, 'one trace per request');
  });

  test('stress and prod requests one after another on kept-alive connections: no context carries over', async () => {
    for (let i = 0; i < 20; i++) {
      const stress = i % 2 === 0;
      const hop = await callThrough(sc(), i % 4 < 2 ? 'http' : 'fetch', stress);
      stress ? assertStress(hop) : assertProd(hop);
    }
  });

  for (const via of ['http', 'fetch']) {
    test(`${via}: an app that also forwards the headers by hand still sends each one once`, async () => {
      for (const stress of [false, true]) {
        const hop = await callThrough(sc(), via, stress, true);
        stress ? assertStress(hop) : assertProd(hop);
        for (const h of ['traceparent', 'x-trace-id', 'x-test-env']) {
          assert.ok(!String(hop.downstream[h] ?? '').includes(','), `${h} sent once: ${hop.downstream[h]}`);
        }
      }
    });
  }

  for (const via of ['http', 'fetch']) {
    test(`${via}: a call from outside any request (a background job) starts a trace of its own, with no stress markers`, async () => {
      const id = `detached-${++nextId}`;
      const res = await request(`${sc().base}/detached?via=${via}&id=${id}`, { headers: { 'x-test-env': SCENARIO } });
      assert.equal(res.status, 200, res.body);
      const seen = downstream.seen.get(id)!;
      const tp = TRACEPARENT_RE.exec(String(seen.traceparent));
      assert.ok(tp, `traceparent downstream: ${seen.traceparent}`);
      const legacy = String(res.headers['x-trace-id']);
      assert.notEqual(tp[1], legacy.slice(legacy.indexOf('-') + 1), "not the request's trace");
      assert.equal(seen['x-trace-id'], `tr-${tp[1]}`);
      assert.equal(seen['x-test-env'], undefined);
    });
  }
}

describe('propagation through an app with the agent (CommonJS, --require, spans exported)', () => {
  sharedCases(() => sidecar);

  test("the app's server span is a child of the sidecar's, its client span a child of that", async () => {
    const hop = await callThrough(sidecar, 'http', true);
    const incoming = TRACEPARENT_RE.exec(String(hop.appParent));
    assert.ok(incoming, `the app got a traceparent from the sidecar: ${hop.appParent}`);
    assert.equal(incoming[1], hop.traceId);
    const sidecarSpanIds = new Set(sidecar.spans.getFinishedSpans().map((s) => s.spanContext().spanId));
    assert.ok(sidecarSpanIds.has(incoming[2]), "the app's parent span is one of the sidecar's spans");

    const deadline = Date.now() + 10_000;
    let server;
    while (!(server = receiver.spans.find((s) => s.traceId === hop.traceId && s.kind === SPAN_KIND_SERVER)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(server, `the app exported its server span for ${hop.traceId}`);
    assert.equal(server.parentSpanId, incoming[2]);
    assert.equal(server.attributes['paysidecar.traffic'], 'stress');
    assert.equal(server.resource['service.name'], 'fixture-app');
    const downstreamParent = TRACEPARENT_RE.exec(String(hop.downstream.traceparent))![2];
    const deadline2 = Date.now() + 10_000;
    let client;
    while (!(client = receiver.spans.find((s) => s.spanId === downstreamParent)) && Date.now() < deadline2) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(client, 'the client span the downstream saw as parent was exported');
    assert.equal(client.parentSpanId, server.spanId);
  });
});

describe('propagation through an app with the agent (CommonJS, --require, no span exporter: the default)', () => {
  sharedCases(() => plainSidecar);

  for (const via of ['http', 'fetch']) {
    test(`${via}: outside any request, a traceparent the app set itself goes out untouched`, async () => {
      const id = `own-${++nextId}`;
      const res = await request(`${plainSidecar.base}/detached?via=${via}&id=${id}&own=1`);
      assert.equal(res.status, 200, res.body);
      // The fixture's own value (test/fixtures/agent/app.ts).
      assert.equal(downstream.seen.get(id)!.traceparent, '00-11111111111111111111111111111111-2222222222222222-01');
      assert.equal(downstream.seen.get(id)!['x-trace-id'], undefined);
    });
  }
});

describe('propagation through an ESM app with the agent (--import, named import of node:http request, no span exporter)', () => {
  for (const via of ['http', 'fetch']) {
    test(`${via}: prod and stress requests`, async () => {
      assertProd(await callThrough(esmSidecar, via, false));
      assertStress(await callThrough(esmSidecar, via, true));
    });
  }

  test('without an exporter each hop still gets its own span id and keeps the sampled flag', async () => {
    const hop = await callThrough(esmSidecar, 'http', false);
    const sidecarSpanIds = new Set(esmSidecar.spans.getFinishedSpans().map((s) => s.spanContext().spanId));
    const [, traceId, spanId, flags] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/.exec(String(hop.downstream.traceparent))!;
    assert.equal(traceId, hop.traceId);
    assert.ok(!sidecarSpanIds.has(spanId), "the app's client span is new, not the sidecar's span id passed on");
    const sidecarSpan = esmSidecar.spans.getFinishedSpans().find((s) => s.spanContext().traceId === traceId);
    assert.equal(Number(flags), sidecarSpan!.spanContext().traceFlags & 1, 'sampled flag as the sidecar decided');
  });
});
