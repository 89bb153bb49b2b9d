import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar, type TestSidecar, describeEachForwarder } from '../helpers/sidecar';
import { signStressToken } from '../../src/context/stress-token';

const SECRET = 'test-stress-secret-0123456789';
const PARENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';

describeEachForwarder('request path', (forwarder) => {
  let up: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream();
    sc = await startTestSidecar({ forwarder, upstream: up.url.href, stressSecret: SECRET });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });
  const last = () => up.seen[up.seen.length - 1];

  it('continues a valid traceparent with a new span id upstream and returns tr-<trace id>', async () => {
    const r = await request(`${sc.base}/api/orders/abc`, { headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`, tracestate: 'vendor=x' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-trace-id'], `tr-${PARENT_TRACE}`);
    const tp = String(last().headers.traceparent);
    const [, traceId, spanId, flags] = tp.split('-');
    assert.equal(traceId, PARENT_TRACE);
    assert.notEqual(spanId, PARENT_SPAN);
    assert.equal(flags, '01');
    assert.equal(last().headers.tracestate, 'vendor=x');
    assert.equal(last().headers['x-trace-id'], `tr-${PARENT_TRACE}`);
    const span = sc.spans.getFinishedSpans().find((s) => s.spanContext().traceId === PARENT_TRACE);
    assert.ok(span, 'server span exported');
    assert.equal(span.parentSpanContext?.spanId, PARENT_SPAN);
    assert.equal(span.spanContext().spanId, spanId);
    assert.equal(span.name, 'GET /api/orders/{out_trade_no}');
    assert.equal(span.attributes['http.route'], '/api/orders/{out_trade_no}');
    assert.equal(span.attributes['http.response.status_code'], 200);
  });

  it('starts a fresh trace for an invalid traceparent and counts it', async () => {
    const before = metricValue(await sc.metricsText(), 'paysidecar_trace_invalid_parent_total');
    const r = await request(`${sc.base}/x`, { headers: { traceparent: `00-${'0'.repeat(32)}-${PARENT_SPAN}-01` } });
    assert.equal(r.status, 200);
    const traceId = String(r.headers['x-trace-id']).slice(3);
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.notEqual(traceId, '0'.repeat(32));
    assert.equal(String(last().headers.traceparent).split('-')[1], traceId);
    const afterCount = metricValue(await sc.metricsText(), 'paysidecar_trace_invalid_parent_total');
    assert.equal(afterCount, before + 1);
  });

  it('never forwards a client X-Trace-ID and keeps it on the span', async () => {
    await request(`${sc.base}/x`, { headers: { 'x-trace-id': 'tr-client-supplied' } });
    assert.match(String(last().headers['x-trace-id']), /^tr-[0-9a-f]{32}$/);
    const span = sc.spans.getFinishedSpans().at(-1)!;
    assert.equal(span.attributes['paysidecar.client_trace_id'], 'tr-client-supplied');
  });

  it('accepts stress traffic with a valid token: t- prefix, X-Test-Env and baggage forwarded, token stripped', async () => {
    const token = signStressToken(SECRET, 'stress-v2');
    const r = await request(`${sc.base}/api/orders`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-test-env': 'stress-v2', 'x-stress-token': token, baggage: 'tenant=42,stress=other' },
    });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['x-trace-id']), /^t-[0-9a-f]{32}$/);
    const h = last().headers;
    assert.equal(h['x-test-env'], 'stress-v2');
    assert.equal(h['x-stress-token'], undefined);
    assert.match(String(h['x-trace-id']), /^t-/);
    const members = String(h.baggage).split(',').map((m) => m.trim()).sort();
    assert.deepEqual(members, ['stress=stress-v2', 'tenant=42']);
    const m = await sc.metricsText();
    assert.ok(metricValue(m, 'http_server_request_duration_count', { traffic: 'stress', http_route: '/api/orders' }) >= 1);
    assert.doesNotMatch(m, new RegExp(token.split('.')[1]));
    assert.equal(JSON.stringify(sc.spans.getFinishedSpans().at(-1)!.attributes).includes(token), false);
  });

  for (const [name, headers, reason] of [
    ['no token', { 'x-test-env': 'stress-v2' }, 'missing_token'],
    ['forged token', { 'x-test-env': 'stress-v2', 'x-stress-token': signStressToken('wrong-secret', 'stress-v2') }, 'bad_signature'],
    ['expired token', { 'x-test-env': 'stress-v2', 'x-stress-token': signStressToken(SECRET, 'stress-v2', Math.floor(Date.now() / 1000) - 301) }, 'expired_token'],
    ['token for another scenario', { 'x-test-env': 'stress-v3', 'x-stress-token': signStressToken(SECRET, 'stress-v2') }, 'bad_signature'],
    ['malformed token', { 'x-test-env': 'stress-v2', 'x-stress-token': 'abc' }, 'malformed_token'],
    ['bad scenario', { 'x-test-env': 'Stress V2!' }, 'bad_scenario'],
    ['stress only in baggage', { baggage: 'stress=stress-v2,a=b' }, 'untrusted_peer'],
    ['forged t- trace id', { 'x-trace-id': `t-${PARENT_TRACE}` }, 'untrusted_peer'],
  ] as const) {
    it(`strips stress markers from an untrusted caller: ${name}`, async () => {
      const before = metricValue(await sc.metricsText(), 'paysidecar_stress_rejections_total', { reason });
      const r = await request(`${sc.base}/api/orders`, { headers: { ...headers } });
      assert.equal(r.status, 200);
      assert.match(String(r.headers['x-trace-id']), /^tr-/);
      const h = last().headers;
      assert.equal(h['x-test-env'], undefined);
      assert.equal(h['x-stress-token'], undefined);
      assert.doesNotMatch(String(h.baggage ?? ''), /stress/);
      assert.match(String(h['x-trace-id']), /^tr-/);
      if ('baggage' in headers) assert.equal(h.baggage, 'a=b');
      const afterCount = metricValue(await sc.metricsText(), 'paysidecar_stress_rejections_total', { reason });
      assert.equal(afterCount, before + 1, `rejection counted as ${reason}`);
    });
  }

  it('replaces X-Forwarded-For from an untrusted peer and strips hop-by-hop headers', async () => {
    await request(`${sc.base}/x`, { headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', connection: 'keep-alive, x-secret-hop', 'x-secret-hop': '1', 'proxy-connection': 'x', te: 'trailers' } });
    const h = last().headers;
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-secret-hop'], undefined);
    assert.equal(h['proxy-connection'], undefined);
    assert.equal(h.te, undefined);
  });

  it('labels metrics by route template, method and status, never by raw path', async () => {
    await request(`${sc.base}/v3/pay/transactions/out-trade-no/T123/close`, { method: 'POST', body: '{}' });
    await request(`${sc.base}/v3/refund/domestic/refunds/R9`);
    const m = await sc.metricsText();
    assert.ok(metricValue(m, 'http_server_request_duration_count', { http_route: '/v3/pay/transactions/out-trade-no/{out_trade_no}/close', http_request_method: 'POST', http_response_status_code: '200', traffic: 'prod' }) >= 1);
    assert.ok(metricValue(m, 'http_server_request_duration_count', { http_route: '/v3/refund/domestic/refunds/{out_refund_no}' }) >= 1);
    assert.doesNotMatch(m, /T123|R9/);
    assert.match(m, /http_server_request_duration_bucket\{[^}]*le="0.0005"/);
    assert.match(m, /http_server_active_requests/);
  });
});

describeEachForwarder('trusted peers', (forwarder) => {
  let up: TestUpstream;
  let stressUp: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream();
    stressUp = await startUpstream();
    sc = await startTestSidecar({ forwarder, upstream: up.url.href, stressUpstream: stressUp.url.href, trustCidr: ['127.0.0.0/8'] });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
    await stressUp.close();
  });

  it('treats X-Test-Env from a trusted CIDR as stress and routes it to --stress-upstream', async () => {
    const r = await request(`${sc.base}/api/orders`, { headers: { 'x-test-env': 'stress-v2' } });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['x-trace-id']), /^t-/);
    assert.equal(stressUp.seen.length, 1);
    assert.equal(up.seen.length, 0);
    assert.equal(stressUp.seen[0].headers['x-test-env'], 'stress-v2');
    assert.equal(stressUp.seen[0].headers.baggage, 'stress=stress-v2');
  });

  it('sends prod traffic to the main upstream and extends a trusted X-Forwarded-For chain', async () => {
    await request(`${sc.base}/api/orders`, { headers: { 'x-forwarded-for': '10.1.2.3', 'x-forwarded-proto': 'https' } });
    assert.equal(up.seen.length, 1);
    assert.equal(up.seen[0].headers['x-forwarded-for'], '10.1.2.3, 127.0.0.1');
    assert.equal(up.seen[0].headers['x-forwarded-proto'], 'https');
  });
});
