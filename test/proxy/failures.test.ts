import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar, type TestSidecar, describeEachForwarder } from '../helpers/sidecar';
import { freePort } from '../helpers/ports';


/** Raw bytes over a socket: for requests node's client refuses to send. */
function rawExchange(port: number, payload: string, waitMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => {
      sock.destroy();
      resolve(out);
    }, waitMs);
    sock.on('data', (d) => (out += d.toString()));
    sock.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    sock.on('error', () => undefined);
    sock.write(payload);
  });
}

describeEachForwarder('upstream failures', { timeout: 20_000 }, (forwarder) => {
  it('answers 502 PAYSIDECAR_UPSTREAM_UNAVAILABLE with a trace id when the upstream refuses, and counts it', async () => {
    const port = await freePort();
    const sc = await startTestSidecar({ forwarder, upstream: `http://127.0.0.1:${port}` });
    try {
      const r = await request(`${sc.base}/api/orders`);
      assert.equal(r.status, 502);
      const body = JSON.parse(r.body);
      assert.equal(body.code, 'PAYSIDECAR_UPSTREAM_UNAVAILABLE');
      assert.match(body.message, /refused/);
      assert.equal(`tr-${body.trace_id}`, r.headers['x-trace-id']);
      const m = await sc.metricsText();
      assert.equal(metricValue(m, 'paysidecar_upstream_errors_total', { 'error_type': 'connection_refused' }), 1);
      assert.equal(metricValue(m, 'http_server_request_duration_count', { http_response_status_code: '502', error_type: 'connection_refused' }), 1);
      const span = sc.spans.getFinishedSpans()[0];
      assert.equal(span.status.code, 2, 'span status ERROR');
    } finally {
      await sc.shutdown();
    }
  });

  it('answers 504 PAYSIDECAR_UPSTREAM_TIMEOUT when the upstream is too slow', async () => {
    const up = await startUpstream((_req, res) => setTimeout(() => res.end('late'), 2000).unref());
    const sc = await startTestSidecar({ forwarder, upstream: up.url.href, upstreamTimeout: '300ms' });
    try {
      const started = Date.now();
      const r = await request(`${sc.base}/slow`);
      assert.equal(r.status, 504);
      assert.equal(JSON.parse(r.body).code, 'PAYSIDECAR_UPSTREAM_TIMEOUT');
      assert.ok(Date.now() - started < 1900, 'answered before the upstream did');
      assert.equal(metricValue(await sc.metricsText(), 'paysidecar_upstream_errors_total', { error_type: 'timeout' }), 1);
    } finally {
      await sc.shutdown();
      await up.close();
    }
  });

  it('cuts the client connection when the upstream resets mid-body, and counts a reset', async () => {
    const up = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(1000, 97));
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const sc = await startTestSidecar({ forwarder, upstream: up.url.href });
    try {
      const outcome = await new Promise<string>((resolve) => {
        http.get(`${sc.base}/reset`, { agent: false }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve('complete'));
          res.on('error', () => resolve('cut'));
          res.on('aborted', () => resolve('cut'));
        }).on('error', () => resolve('cut'));
      });
      assert.equal(outcome, 'cut');
      await sleep(50);
      assert.equal(metricValue(await sc.metricsText(), 'paysidecar_upstream_errors_total', { error_type: 'connection_reset' }), 1);
    } finally {
      await sc.shutdown();
      await up.close();
    }
  });
});

describe('client limits', { timeout: 20_000 }, () => {
  let up: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream();
    sc = await startTestSidecar({ upstream: up.url.href, maxHeaderSize: 4096, headersTimeout: '500ms' });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });

  it('answers 431 with a JSON code for oversized headers and counts it', async () => {
    const big = 'x'.repeat(8000);
    const out = await rawExchange(sc.proxyAddress.port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${big}\r\n\r\n`);
    assert.match(out, /^HTTP\/1.1 431 /);
    assert.match(out, /"code":"PAYSIDECAR_HEADERS_TOO_LARGE"/);
    assert.equal(up.seen.length, 0);
    assert.equal(metricValue(await sc.metricsText(), 'paysidecar_client_errors_total', { error_type: 'headers_too_large' }), 1);
  });

  it('refuses CONNECT tunnels with 405 and counts them', async () => {
    const out = await rawExchange(sc.proxyAddress.port, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n');
    assert.match(out, /^HTTP\/1.1 405 Method Not Allowed/);
    assert.match(out, /PAYSIDECAR_METHOD_NOT_ALLOWED/);
    assert.equal(metricValue(await sc.metricsText(), 'paysidecar_client_errors_total', { error_type: 'connect_refused' }), 1);
  });

  it('times out a slow-loris client that never finishes its headers with 408', async () => {
    const started = Date.now();
    const sock = net.connect(sc.proxyAddress.port, '127.0.0.1');
    let out = '';
    sock.on('data', (d) => (out += d.toString()));
    sock.on('error', () => undefined);
    sock.write('GET / HTTP/1.1\r\nHost: a\r\n');
    const drip = setInterval(() => sock.write('X-Drip: 1\r\n'), 100);
    await new Promise((r) => sock.once('close', r));
    clearInterval(drip);
    assert.match(out, /^HTTP\/1.1 408 /);
    assert.match(out, /PAYSIDECAR_REQUEST_TIMEOUT/);
    assert.ok(Date.now() - started < 3000, `closed after ${Date.now() - started}ms`);
    assert.equal(metricValue(await sc.metricsText(), 'paysidecar_client_errors_total', { error_type: 'headers_timeout' }), 1);
  });
});
