import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReceiver, closedPort } from './receiver';
import { startUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar } from '../helpers/sidecar';

// Short batches so the test needs no shutdown to see exports (this file runs in its own process).
process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
process.env.OTEL_BSP_EXPORT_TIMEOUT = '1000';

const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';

describe('the sidecar exports its spans over OTLP', { timeout: 30_000 }, () => {
  it('server spans reach the collector with the caller as parent, and stress attributes on stress requests', async () => {
    const receiver = await startReceiver();
    const up = await startUpstream();
    const sc = await startTestSidecar({ upstream: up.url.href, otlpEndpoint: receiver.url, trustCidr: '127.0.0.0/8', serviceName: 'paysidecar-test' });
    try {
      const prod = await request(`${sc.base}/api/orders/A1`, { headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` } });
      const stress = await request(`${sc.base}/api/orders`, { method: 'POST', body: '{}', headers: { 'x-test-env': 'stress-v2' } });
      const spans = await receiver.waitForSpans(2, 5000);
      const p = spans.find((s) => s.traceId === PARENT_TRACE);
      assert.ok(p, 'prod span exported');
      assert.equal(p.parentSpanId, PARENT_SPAN);
      assert.equal(String(up.seen[0].headers.traceparent).split('-')[2], p.spanId, 'the upstream hop names the exported span as its parent');
      assert.equal(prod.headers['x-trace-id'], `tr-${PARENT_TRACE}`);
      assert.equal(p.kind, 2, 'SERVER');
      assert.equal(p.attributes['http.route'], '/api/orders/{out_trade_no}');
      assert.equal(p.resource['service.name'], 'paysidecar-test');
      const s = spans.find((x) => `t-${x.traceId}` === stress.headers['x-trace-id']);
      assert.ok(s, 'stress span exported');
      assert.equal(s.attributes['paysidecar.traffic'], 'stress');
      assert.equal(s.attributes['paysidecar.stress.scenario'], 'stress-v2');
    } finally {
      await sc.shutdown();
      await up.close();
      await receiver.close();
    }
  });

  it('a dead collector costs requests nothing but the dropped-span counter', async () => {
    const up = await startUpstream();
    const sc = await startTestSidecar({ upstream: up.url.href, otlpEndpoint: `http://127.0.0.1:${await closedPort()}` });
    try {
      const started = Date.now();
      for (let i = 0; i < 50; i++) assert.equal((await request(`${sc.base}/api/orders/${i}`)).status, 200);
      const elapsed = Date.now() - started;
      let dropped = 0;
      const deadline = Date.now() + 10_000;
      while (dropped < 50 && Date.now() < deadline) {
        await sleep(100);
        dropped = metricValue(await sc.metricsText(), 'paysidecar_trace_spans_dropped_total');
      }
      assert.equal(dropped, 50, 'every span counted as dropped');
      assert.ok(elapsed < 5000, `50 requests took ${elapsed} ms`);
    } finally {
      await sc.shutdown();
      await up.close();
    }
  });
});
