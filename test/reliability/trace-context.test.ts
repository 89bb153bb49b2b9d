/**
 * Malformed trace context never breaks a request. By the W3C Trace Context rules an invalid
 * `traceparent` (version ff, all-zero ids, wrong lengths, upper-case hex, trailing fields on
 * version 00, bad separators or flags, duplicates) starts a fresh, valid trace and is counted in
 * paysidecar_trace_invalid_parent_total; a future version with extra fields is continued, as the
 * spec asks; a malformed `tracestate` or `baggage` is never fatal and never stops a valid parent
 * from being continued. (The basic all-zero case is also in test/proxy/request-path.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar, type TestSidecar } from '../helpers/sidecar';
import { rawRequest } from './raw-http';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const VALID_TP = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
// W3C tracestate list member: key = lcalpha (lcalpha|digit|_-*/)* (optionally tenant@system), value = printable ASCII without , and =.
const TRACESTATE_MEMBER = /^[a-z0-9][_0-9a-z\-*/]{0,255}(@[a-z][_0-9a-z\-*/]{0,13})?=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

describe('malformed trace context', { timeout: 30_000 }, () => {
  let up: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream();
    sc = await startTestSidecar({ upstream: up.url.href });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });
  const last = () => up.seen[up.seen.length - 1];
  const count = async (name: string, labels: Record<string, string> = {}) => metricValue(await sc.metricsText(), name, labels);

  const invalidParents: Array<[string, string]> = [
    ['version ff', `ff-${TRACE}-${PARENT}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['trace id of 31 hex digits', `00-${TRACE.slice(1)}-${PARENT}-01`],
    ['trace id of 33 hex digits', `00-${TRACE}a-${PARENT}-01`],
    ['parent id of 15 hex digits', `00-${TRACE}-${PARENT.slice(1)}-01`],
    ['upper-case trace id', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['upper-case parent id', `00-${TRACE}-${PARENT.toUpperCase()}-01`],
    ['one-digit version', `0-${TRACE}-${PARENT}-01`],
    ['version 00 with a trailing field', `00-${TRACE}-${PARENT}-01-extra`],
    ['one-digit flags', `00-${TRACE}-${PARENT}-1`],
    ['non-hex flags', `00-${TRACE}-${PARENT}-0g`],
    ['underscores for dashes', `00_${TRACE}_${PARENT}_01`],
    ['garbage', 'not-a-traceparent'],
    ['4 KB of garbage', 'x'.repeat(4096)],
    ['empty value', ''],
  ];

  for (const [name, value] of invalidParents) {
    it(`starts a fresh valid trace for a traceparent with ${name}, and counts it`, async () => {
      const invalidBefore = await count('paysidecar_trace_invalid_parent_total');
      const okBefore = await count('http_server_request_duration_count', { http_response_status_code: '200' });
      const r = await request(`${sc.base}/api/orders`, { headers: { traceparent: value, tracestate: 'vendor=1' } });
      assert.equal(r.status, 200);
      const m = /^tr-([0-9a-f]{32})$/.exec(String(r.headers['x-trace-id']));
      assert.ok(m, `fresh lower-case trace id, got ${r.headers['x-trace-id']}`);
      assert.notEqual(m[1], TRACE, 'the invalid parent was not continued');
      const tp = VALID_TP.exec(String(last().headers.traceparent));
      assert.ok(tp, `a valid traceparent went upstream: ${last().headers.traceparent}`);
      assert.equal(tp[1], m[1]);
      assert.equal(last().headers.tracestate, undefined, 'a tracestate never rides on a fresh trace');
      assert.equal(await count('paysidecar_trace_invalid_parent_total'), invalidBefore + 1);
      assert.equal(await count('http_server_request_duration_count', { http_response_status_code: '200' }), okBefore + 1);
    });
  }

  it('treats two traceparent headers as invalid (the spec forbids more than one)', async () => {
    const invalidBefore = await count('paysidecar_trace_invalid_parent_total');
    const r = await rawRequest(
      sc.proxyAddress.port,
      `GET /api/orders HTTP/1.1\r\nHost: a\r\ntraceparent: 00-${TRACE}-${PARENT}-01\r\ntraceparent: 00-${'1'.repeat(32)}-${PARENT}-01\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(r.status, 200);
    const id = r.headers['x-trace-id'].slice(3);
    assert.ok(id !== TRACE && id !== '1'.repeat(32) && /^[0-9a-f]{32}$/.test(id));
    assert.equal(await count('paysidecar_trace_invalid_parent_total'), invalidBefore + 1);
  });

  it('continues a future version with extra fields and an unsampled parent, as the spec asks', async () => {
    const invalidBefore = await count('paysidecar_trace_invalid_parent_total');
    const future = await request(`${sc.base}/x`, { headers: { traceparent: `cc-${TRACE}-${PARENT}-01-what-the-future-holds` } });
    assert.equal(future.headers['x-trace-id'], `tr-${TRACE}`);
    const tp = VALID_TP.exec(String(last().headers.traceparent));
    assert.ok(tp && tp[1] === TRACE && tp[2] !== PARENT, 'sent upstream as version 00 with our span id');
    const unsampled = await request(`${sc.base}/x`, { headers: { traceparent: `00-${TRACE}-${PARENT}-00` } });
    assert.equal(unsampled.headers['x-trace-id'], `tr-${TRACE}`);
    assert.match(String(last().headers.traceparent), /-00$/, 'the unsampled flag is kept');
    assert.equal(await count('paysidecar_trace_invalid_parent_total'), invalidBefore, 'neither counted as invalid');
  });

  const badTracestates: Array<[string, string]> = [
    ['empty members', 'a=1,,b=2, ,c=3'],
    ['an upper-case key', 'Vendor=1,ok=2'],
    ['a member without a value', 'a=,b=2'],
    ['a member without =', 'novalue,b=2'],
    ['= inside a value', 'k=v=w,b=2'],
    ['33 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['600 characters', `big=${'v'.repeat(596)}`],
    ['a duplicated key', 'a=1,a=2'],
    ['garbage', '!!!'],
  ];

  for (const [name, value] of badTracestates) {
    it(`continues the trace and forwards only well-formed members for a tracestate with ${name}`, async () => {
      const invalidBefore = await count('paysidecar_trace_invalid_parent_total');
      const r = await request(`${sc.base}/api/orders`, { headers: { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: value } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-trace-id'], `tr-${TRACE}`, 'the valid parent was continued');
      const ts = last().headers.tracestate;
      // Absent or empty when no member survives: both say "no vendor state".
      if (ts !== undefined && ts !== '') {
        const members = String(ts).split(',');
        assert.ok(members.length <= 32, `${members.length} members`);
        assert.ok(String(ts).length <= 512, `${String(ts).length} chars`);
        for (const member of members) assert.match(member, TRACESTATE_MEMBER);
      }
      assert.equal(await count('paysidecar_trace_invalid_parent_total'), invalidBefore, 'a bad tracestate does not invalidate the parent');
    });
  }

  const badBaggage: Array<[string, string]> = [
    ['a member without =', 'novalue'],
    ['an empty key', '=v'],
    ['empty properties', 'a=b;;'],
    ['bad percent-encoding', '%ZZ=1,k=%E0%A4%A'],
    ['200 members', Array.from({ length: 200 }, (_, i) => `k${i}=v`).join(',')],
    ['9000 bytes', `big=${'v'.repeat(8996)}`],
  ];

  for (const [name, value] of badBaggage) {
    it(`passes a baggage with ${name} through untouched and never errors`, async () => {
      const rejectedBefore = await count('paysidecar_stress_rejections_total');
      const okBefore = await count('http_server_request_duration_count', { http_response_status_code: '200', traffic: 'prod' });
      const r = await request(`${sc.base}/api/orders`, { headers: { baggage: value } });
      assert.equal(r.status, 200);
      assert.equal(last().headers.baggage, value, 'baggage without a stress member is the app\'s business');
      assert.equal(await count('paysidecar_stress_rejections_total'), rejectedBefore);
      assert.equal(await count('http_server_request_duration_count', { http_response_status_code: '200', traffic: 'prod' }), okBefore + 1);
    });
  }
});
