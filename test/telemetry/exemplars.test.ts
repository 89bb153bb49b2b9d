import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOLD_MS, RANK_EXPORTED, RANK_LOGGED, RequestExemplars, bucketIndex } from '../../src/telemetry/exemplars/request-exemplars';
import { EXEMPLAR_LABELS_MAX_CHARS, parseLabels, toOpenMetrics } from '../../src/telemetry/exemplars/openmetrics';
import { requestExemplarSource } from '../../src/telemetry/exemplars/request-source';
import { wantsOpenMetrics } from '../../src/admin/metrics-format';
import { request, startTestSidecar } from '../helpers/sidecar';
import { startUpstream } from '../helpers/upstream';

const T1 = '0af7651916cd43dd8448eb211c80319c';
const S1 = 'b7ad6b7169203331';
const T2 = '4bf92f3577b34da6a3ce929d0e0e4736';
const S2 = '00f067aa0ba902b7';
const NOW = 1_733_150_000_000;

describe('request exemplar slots', () => {
  it('bucketIndex: upper bounds are inclusive, past the last is +Inf', () => {
    const b = [0.1, 0.5, 1];
    assert.deepEqual([0, 0.1, 0.1000001, 0.5, 0.7, 1, 3].map((v) => bucketIndex(b, v)), [0, 0, 1, 1, 2, 2, 3]);
  });

  it('keeps one exemplar per series and bucket, newest at equal rank', () => {
    const x = new RequestExemplars([0.1, 0.5, 1]);
    x.offer('/a', 200, 'GET', 'prod', '', 0.3, T1, S1, NOW, RANK_EXPORTED);
    x.offer('/a', 200, 'GET', 'prod', '', 0.4, T2, S2, NOW + 10, RANK_EXPORTED);
    assert.deepEqual(x.lookup('/a', 200, 'GET', 'prod', '', '0.5'), { traceId: T2, spanId: S2, value: 0.4, timeMs: NOW + 10 });
    assert.equal(x.lookup('/a', 200, 'GET', 'prod', '', '0.1'), undefined, 'an empty bucket has none');
    assert.equal(x.lookup('/a', 500, 'GET', 'prod', '500', '0.5'), undefined, 'another series has its own slots');
    x.offer('/a', 2, 'GET', 'prod', '', 7, T1, S1, NOW, 0);
    assert.equal(x.lookup('/a', 2, 'GET', 'prod', '', '+Inf')?.value, 7);
  });

  it('a better-ranked exemplar holds against worse-ranked newer ones for HOLD_MS, then yields', () => {
    const x = new RequestExemplars([1]);
    x.offer('/a', 200, 'GET', 'prod', '', 0.2, T1, S1, NOW, RANK_EXPORTED | RANK_LOGGED);
    x.offer('/a', 200, 'GET', 'prod', '', 0.3, T2, S2, NOW + 1000, RANK_LOGGED);
    assert.equal(x.lookup('/a', 200, 'GET', 'prod', '', '1')?.traceId, T1);
    x.offer('/a', 200, 'GET', 'prod', '', 0.3, T2, S2, NOW + HOLD_MS, RANK_LOGGED);
    assert.equal(x.lookup('/a', 200, 'GET', 'prod', '', '1')?.traceId, T2);
  });

  it('timestamps rise strictly per slot, whatever the wall clock does', () => {
    const x = new RequestExemplars([1]);
    x.offer('/a', 200, 'GET', 'prod', '', 0.2, T1, S1, NOW + 0.7, 0);
    x.offer('/a', 200, 'GET', 'prod', '', 0.2, T2, S2, NOW - 5000, 0);
    assert.equal(x.lookup('/a', 200, 'GET', 'prod', '', '1')?.timeMs, NOW + 1);
  });

  it('offers only exported traces when spans are exported', () => {
    const x = new RequestExemplars([1]);
    x.exportedOnly = true;
    x.offer('/a', 200, 'GET', 'prod', '', 0.2, T1, S1, NOW, RANK_LOGGED);
    assert.equal(x.lookup('/a', 200, 'GET', 'prod', '', '1'), undefined);
    x.offer('/a', 200, 'GET', 'prod', '', 0.2, T2, S2, NOW, RANK_EXPORTED);
    assert.equal(x.lookup('/a', 200, 'GET', 'prod', '', '1')?.traceId, T2);
  });

  it('stops adding series at the cap', () => {
    const x = new RequestExemplars([1], 2);
    for (const route of ['/a', '/b', '/c']) x.offer(route, 200, 'GET', 'prod', '', 0.2, T1, S1, NOW, 0);
    assert.ok(x.lookup('/b', 200, 'GET', 'prod', '', '1'));
    assert.equal(x.lookup('/c', 200, 'GET', 'prod', '', '1'), undefined);
  });
});

const PROM_TEXT = `# HELP target_info Target metadata
# TYPE target_info gauge
target_info{service_name="paysidecar"} 1
# HELP paysidecar_upstream_errors_total Requests that failed.
# UNIT paysidecar_upstream_errors_total {error}
# TYPE paysidecar_upstream_errors_total counter
paysidecar_upstream_errors_total{error_type="timeout"} 3
# HELP http_server_request_duration Duration of inbound HTTP requests.
# UNIT http_server_request_duration s
# TYPE http_server_request_duration histogram
http_server_request_duration_count{http_request_method="GET",http_response_status_code="200",http_route="/a \\"q\\"",traffic="prod",otel_scope_name="paysidecar"} 2
http_server_request_duration_sum{http_request_method="GET",http_response_status_code="200",http_route="/a \\"q\\"",traffic="prod",otel_scope_name="paysidecar"} 0.7
http_server_request_duration_bucket{http_request_method="GET",http_response_status_code="200",http_route="/a \\"q\\"",traffic="prod",otel_scope_name="paysidecar",le="0.5"} 1
http_server_request_duration_bucket{http_request_method="GET",http_response_status_code="200",http_route="/a \\"q\\"",traffic="prod",otel_scope_name="paysidecar",le="1"} 2
http_server_request_duration_bucket{http_request_method="GET",http_response_status_code="200",http_route="/a \\"q\\"",traffic="prod",otel_scope_name="paysidecar",le="+Inf"} 2

# HELP process_cpu_seconds_total CPU.
# UNIT process_cpu_seconds_total seconds
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 1.5
`;

describe('OpenMetrics text', () => {
  const store = new RequestExemplars([0.5, 1]);
  store.offer('/a "q"', 200, 'GET', 'prod', '', 0.4, T1, S1, NOW + 0.4, RANK_EXPORTED);
  store.offer('/a "q"', 200, 'GET', 'prod', '', 0.3, T2, S2, NOW + 5, RANK_EXPORTED);
  const om = toOpenMetrics(PROM_TEXT, [requestExemplarSource(store)]);
  const lines = om.split('\n');

  it('renames counter families without _total, keeps only valid UNIT lines, no blank lines, ends in # EOF', () => {
    assert.ok(lines.includes('# TYPE paysidecar_upstream_errors counter'), om);
    assert.ok(lines.includes('# HELP paysidecar_upstream_errors Requests that failed.'));
    assert.ok(lines.includes('paysidecar_upstream_errors_total{error_type="timeout"} 3'));
    assert.ok(!om.includes('# UNIT paysidecar_upstream_errors '), 'a unit that is not the name suffix is dropped');
    assert.ok(!om.includes('# UNIT http_server_request_duration'), 'the OTel name has no _s suffix');
    assert.ok(lines.includes('# UNIT process_cpu_seconds seconds'), 'a unit that is the suffix stays');
    assert.ok(lines.includes('# TYPE http_server_request_duration histogram'));
    assert.equal(lines.filter((l) => l === '').length, 1, 'only the final newline');
    assert.ok(om.endsWith('\n# EOF\n'));
  });

  it('puts the slot exemplar on its bucket line, with value and timestamp in seconds', () => {
    const bucket = lines.find((l) => l.includes('le="0.5"'))!;
    assert.ok(bucket.endsWith(`} 1 # {trace_id="${T2}",span_id="${S2}"} 0.3 ${((NOW + 5) / 1000).toFixed(3)}`), bucket);
    assert.ok(!lines.find((l) => l.includes('le="1"'))!.includes('#'), 'no exemplar where no request fell');
    assert.ok(!lines.find((l) => l.startsWith('http_server_request_duration_count'))!.includes('#'));
  });

  it('leaves out an exemplar whose label set would pass 128 characters', () => {
    const long = new RequestExemplars([0.5, 1]);
    long.offer('/a "q"', 200, 'GET', 'prod', '', 0.4, 'a'.repeat(EXEMPLAR_LABELS_MAX_CHARS), S1, NOW, 0);
    assert.ok(!toOpenMetrics(PROM_TEXT, [requestExemplarSource(long)]).includes('trace_id'));
  });

  it('escapes quotes in HELP, and keeps a counter that cannot be renamed as unknown', () => {
    const text = ['# HELP a_total Counts "things".', '# TYPE a_total counter', 'a_total 1', '# TYPE b counter', 'b 2', '# TYPE c gauge', 'c 1', '# TYPE c_total counter', 'c_total 3', ''].join('\n');
    const out = toOpenMetrics(text).split('\n');
    assert.ok(out.includes('# HELP a Counts \\"things\\".'), out.join('\n'));
    assert.ok(out.includes('# TYPE b unknown'), 'no _total: not an OpenMetrics counter');
    assert.ok(out.includes('# TYPE c gauge') && out.includes('# TYPE c_total unknown'), 'the base name is taken by a gauge');
  });

    it('parses escaped label values', () => {
    assert.deepEqual([...parseLabels('x{a="b \\"c\\" \\\\ d",le="+Inf"} 1')!], [['a', 'b "c" \\ d'], ['le', '+Inf']]);
  });
});

describe('/metrics content negotiation', () => {
  it('chooses OpenMetrics only when asked for and not ranked below text/plain', () => {
    assert.equal(wantsOpenMetrics(undefined), false);
    assert.equal(wantsOpenMetrics('*/*'), false);
    assert.equal(wantsOpenMetrics('text/plain'), false);
    assert.equal(wantsOpenMetrics('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'), true);
    assert.equal(wantsOpenMetrics('application/openmetrics-text'), true);
    assert.equal(wantsOpenMetrics('application/openmetrics-text;q=0.2, text/plain'), false);
    assert.equal(wantsOpenMetrics('application/openmetrics-text;version=2.0.0'), false);
  });

  it('a real sidecar serves exemplars to an OpenMetrics scraper and the 0.0.4 text to everyone else', { timeout: 20_000 }, async () => {
    const up = await startUpstream((req, res) => setTimeout(() => res.end('slow'), 60));
    const sc = await startTestSidecar({ upstream: up.url.href });
    try {
      const r = await request(`${sc.base}/api/orders/A1`);
      assert.equal(r.status, 200);
      const traceId = String(r.headers['x-trace-id']).slice(3);
      const plain = await fetch(`${sc.admin}/metrics`);
      assert.equal(plain.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const plainText = await plain.text();
      assert.ok(!plainText.includes('# EOF') && !plainText.includes('trace_id'));
      const om = await fetch(`${sc.admin}/metrics`, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
      assert.equal(om.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
      const text = await om.text();
      assert.ok(text.endsWith('# EOF\n'));
      const withExemplar = text.split('\n').filter((l) => l.includes(`trace_id="${traceId}"`));
      assert.equal(withExemplar.length, 1, text);
      assert.match(withExemplar[0], /^http_server_request_duration_bucket\{.*http_route="\/api\/orders\/\{out_trade_no\}".*le="0\.1"\} 1 # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\} 0\.0\d+ \d+\.\d{3}$/);
    } finally {
      await sc.shutdown();
      await up.close();
    }
  });
});
