/**
 * The upstream misbehaving in ways test/proxy/failures.test.ts does not cover (it has refused →
 * 502, too slow → 504, reset mid-response-body → cut): reset before answering, a clean close
 * without an answer, garbage instead of HTTP, a reset while the client is still uploading, and a
 * stall after the headers. Each gets its documented answer — 502 PAYSIDECAR_UPSTREAM_UNAVAILABLE
 * or 504 PAYSIDECAR_UPSTREAM_TIMEOUT with the trace id, or a cut connection once the status line
 * is already out — and is counted in paysidecar_upstream_errors_total and in the request
 * histogram's error.type; nothing is left in flight.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar, type TestSidecar, describeEachForwarder } from '../helpers/sidecar';

interface Outcome {
  kind: 'complete' | 'cut' | 'request-error';
  status?: number;
  body: string;
}

function get(url: string, upload?: { bytes: number; chunk: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: upload ? 'POST' : 'GET', agent: false, headers: upload ? { 'content-length': String(upload.bytes) } : {} }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ kind: 'complete', status: res.statusCode, body }));
      res.on('aborted', () => resolve({ kind: 'cut', status: res.statusCode, body }));
      res.on('error', () => resolve({ kind: 'cut', status: res.statusCode, body }));
    });
    req.on('error', () => resolve({ kind: 'request-error', body: '' }));
    if (!upload) {
      req.end();
      return;
    }
    // Upload slowly enough for the upstream to give up half-way.
    let sent = 0;
    const pump = () => {
      while (sent < upload.bytes) {
        sent += upload.chunk;
        if (!req.write(Buffer.alloc(upload.chunk, 97))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describeEachForwarder('upstream faults', { timeout: 30_000 }, (forwarder) => {
  let up: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream((req, res) => {
      switch (req.url) {
        case '/reset-before-answer':
          return void res.socket?.resetAndDestroy();
        case '/close-without-answer':
          return void res.socket?.end();
        case '/garbage':
          return void res.socket?.end('SMTP READY\r\n\r\n');
        case '/stall-after-headers':
          res.writeHead(200, { 'content-length': '1000' });
          res.write('x'.repeat(10));
          return;
        default:
          res.end('ok');
      }
    });
    sc = await startTestSidecar({ forwarder, upstream: up.url.href, upstreamTimeout: '400ms' });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });
  const counts = async (errorType: string) => {
    const m = await sc.metricsText();
    return { errors: metricValue(m, 'paysidecar_upstream_errors_total', { error_type: errorType }), requests: metricValue(m, 'http_server_request_duration_count', { error_type: errorType }) };
  };

  for (const [path, status, code, errorType] of [
    ['/reset-before-answer', 502, 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', 'connection_reset'],
    ['/close-without-answer', 502, 'PAYSIDECAR_UPSTREAM_UNAVAILABLE', 'connection_reset'],
    ['/garbage', 502, 'PAYSIDECAR_UPSTREAM_PROTOCOL_ERROR', 'protocol_error'],
  ] as const) {
    it(`answers ${status} ${code} when the upstream does ${path.slice(1).replace(/-/g, ' ')}, and counts ${errorType}`, async () => {
      const before = await counts(errorType);
      const r = await get(`${sc.base}${path}`);
      assert.equal(r.kind, 'complete');
      assert.equal(r.status, status);
      const body = JSON.parse(r.body) as { code: string; trace_id: string };
      assert.equal(body.code, code);
      assert.match(body.trace_id, /^[0-9a-f]{32}$/);
      const after = await counts(errorType);
      assert.equal(after.errors, before.errors + 1);
      assert.equal(after.requests, before.requests + 1, 'the request histogram carries the same error.type');
      assert.equal(sc.inflight.size, 0);
    });
  }

  it('answers 502 when the upstream resets while the client is still uploading, and counts a reset', async () => {
    // This upstream resets as soon as 64 KB of the body have arrived.
    const rst = http.createServer((req) => {
      let got = 0;
      req.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= 64 * 1024) req.socket.resetAndDestroy();
      });
    });
    await new Promise<void>((r) => rst.listen(0, '127.0.0.1', r));
    const port = (rst.address() as import('node:net').AddressInfo).port;
    const side = await startTestSidecar({ forwarder, upstream: `http://127.0.0.1:${port}` });
    try {
      const r = await get(`${side.base}/upload`, { bytes: 8 * 1024 * 1024, chunk: 16 * 1024 });
      // The sidecar answers 502 as soon as the upstream goes; the client may still be writing and see its
      // connection closed — either way it never gets a 200 and the sidecar counts one reset.
      assert.ok((r.kind === 'complete' && r.status === 502) || r.kind === 'request-error', `got ${JSON.stringify(r)}`);
      if (r.kind === 'complete') assert.equal(JSON.parse(r.body).code, 'PAYSIDECAR_UPSTREAM_UNAVAILABLE');
      await sleep(50);
      const m = await side.metricsText();
      assert.equal(metricValue(m, 'paysidecar_upstream_errors_total', { error_type: 'connection_reset' }), 1);
      assert.equal(side.inflight.size, 0);
    } finally {
      await side.shutdown();
      rst.closeAllConnections();
      rst.close();
    }
  });

  it('cuts the client when the upstream stalls after its headers, and counts a timeout (not a success)', async () => {
    const before = await counts('timeout');
    const started = Date.now();
    const r = await get(`${sc.base}/stall-after-headers`);
    assert.equal(r.kind, 'cut', 'a half-sent body is never passed off as complete');
    assert.equal(r.status, 200, 'the status line had already gone out');
    assert.equal(r.body.length, 10);
    assert.ok(Date.now() - started < 2000);
    // The client sees the cut a moment before the sidecar's own 'close' records the request.
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && (await counts('timeout')).requests === before.requests) await sleep(20);
    const after = await counts('timeout');
    assert.equal(after.errors, before.errors + 1);
    assert.equal(after.requests, before.requests + 1);
    assert.equal(metricValue(await sc.metricsText(), 'http_server_request_duration_count', { error_type: 'timeout', http_response_status_code: '504' }), 1, 'recorded as the timeout it was (504), although the client saw 200 headers');
  });

  it('keeps serving healthy requests after all of the above', async () => {
    assert.equal((await request(`${sc.base}/fine`)).status, 200);
    assert.equal(sc.forwarder.socketCount() <= 1, true, 'at most the one keep-alive socket just used');
  });
});
