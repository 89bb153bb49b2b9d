/**
 * What a client may send before anything is proxied, and how long it may take. Oversized headers
 * in every shape get 431 and slow or silent clients get 408, each counted in
 * paysidecar_client_errors_total, while well-behaved clients keep being served. A client's
 * `Connection: close` is honoured, and so is the drain's. (The single oversized header and the
 * single slow-loris client are in test/proxy/failures.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar, type TestSidecar } from '../helpers/sidecar';
import { parseRaw, rawRequest } from './raw-http';

const MAX_HEADER = 4096;

describe('client limits', { timeout: 30_000 }, () => {
  let up: TestUpstream;
  let sc: TestSidecar;
  before(async () => {
    up = await startUpstream();
    sc = await startTestSidecar({ upstream: up.url.href, maxHeaderSize: MAX_HEADER, headersTimeout: '500ms' });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });
  const clientErrors = async (type: string) => metricValue(await sc.metricsText(), 'paysidecar_client_errors_total', { error_type: type });

  for (const [name, head] of [
    ['many small headers adding up past the limit', `GET / HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 100 }, (_, i) => `X-H${i}: ${'v'.repeat(50)}`).join('\r\n')}\r\n\r\n`],
    ['a request line longer than the limit', `GET /${'p'.repeat(MAX_HEADER + 100)} HTTP/1.1\r\nHost: a\r\n\r\n`],
    ['one huge cookie', `GET / HTTP/1.1\r\nHost: a\r\nCookie: ${'c=1; '.repeat(2000)}\r\n\r\n`],
  ] as const) {
    it(`answers 431 for ${name}, forwards nothing, and counts it`, async () => {
      const before = await clientErrors('headers_too_large');
      const seen = up.seen.length;
      const r = await rawRequest(sc.proxyAddress.port, head);
      assert.equal(r.status, 431);
      assert.equal(JSON.parse(r.body).code, 'PAYSIDECAR_HEADERS_TOO_LARGE');
      assert.equal(up.seen.length, seen);
      assert.equal(await clientErrors('headers_too_large'), before + 1);
    });
  }

  it('answers 431 to an oversized second request on a keep-alive connection after serving the first', async () => {
    const before = await clientErrors('headers_too_large');
    const seen = up.seen.length;
    const out = await new Promise<string>((resolve) => {
      const sock = net.connect(sc.proxyAddress.port, '127.0.0.1');
      let text = '';
      let sent = false;
      sock.on('data', (d) => {
        text += d.toString('latin1');
        if (!sent && text.includes('"ok":true')) {
          sent = true;
          sock.write(`GET /second HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(MAX_HEADER * 2)}\r\n\r\n`);
        }
      });
      sock.on('error', () => undefined);
      sock.on('close', () => resolve(text));
      sock.write('GET /first HTTP/1.1\r\nHost: a\r\n\r\n');
    });
    const second = parseRaw(out.slice(out.indexOf('HTTP/1.1', 10)));
    assert.match(out, /^HTTP\/1.1 200 /);
    assert.equal(second.status, 431);
    assert.deepEqual(up.seen.slice(seen).map((x) => x.url), ['/first'], 'only the first reached the upstream');
    assert.equal(await clientErrors('headers_too_large'), before + 1);
  });

  it('times out 30 slow-loris clients at once with 408 while a normal client is served, and counts each', async () => {
    const before = await clientErrors('headers_timeout');
    const started = Date.now();
    const lorises = Array.from({ length: 30 }, (_, i) =>
      new Promise<string>((resolve) => {
        const sock = net.connect(sc.proxyAddress.port, '127.0.0.1');
        let out = '';
        sock.on('data', (d) => (out += d.toString()));
        sock.on('error', () => undefined);
        // Half drip headers, half say nothing at all after connecting.
        if (i % 2 === 0) sock.write('GET / HTTP/1.1\r\nHost: a\r\n');
        const drip = i % 2 === 0 ? setInterval(() => sock.write('X-Drip: 1\r\n'), 100) : undefined;
        sock.on('close', () => {
          clearInterval(drip);
          resolve(out);
        });
      }),
    );
    const normal = await request(`${sc.base}/during-the-attack`);
    assert.equal(normal.status, 200);
    const outs = await Promise.all(lorises);
    const elapsed = Date.now() - started;
    assert.ok(outs.every((o) => o.startsWith('HTTP/1.1 408 ')), 'every slow client got 408');
    assert.ok(elapsed < 3000, `all closed within ${elapsed}ms (headersTimeout 500ms)`);
    assert.equal(await clientErrors('headers_timeout'), before + 30);
  });

  it("honours a client's Connection: close instead of keeping the socket open", async () => {
    const started = Date.now();
    const r = await rawRequest(sc.proxyAddress.port, 'GET /close-me HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 3000);
    assert.equal(r.status, 200);
    assert.equal(r.headers.connection, 'close');
    assert.ok(Date.now() - started < 1000, 'the sidecar closed the connection itself');
    assert.ok(metricValue(await sc.metricsText(), 'http_server_request_duration_count', { http_response_status_code: '200' }) >= 1);
  });
});

describe('drain', { timeout: 30_000 }, () => {
  it('answers every request in flight at shutdown with Connection: close, so keep-alive clients go elsewhere', async () => {
    const release: Array<() => void> = [];
    const up = await startUpstream((_req, res) => release.push(() => res.end('done')));
    const sc = await startTestSidecar({ upstream: up.url.href });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    try {
      const pending = Array.from({ length: 10 }, () =>
        new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
          http.get(`${sc.base}/slow`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          }).on('error', reject);
        }),
      );
      while (up.seen.length < 10) await new Promise((r) => setTimeout(r, 10));
      const stopping = sc.shutdown();
      for (const f of release) f();
      const done = await Promise.all(pending);
      await stopping;
      assert.deepEqual(done.map((d) => d.status), Array(10).fill(200));
      assert.deepEqual(done.map((d) => d.connection), Array(10).fill('close'), 'every drained response says close');
      assert.equal(sc.inflight.size, 0);
    } finally {
      agent.destroy();
      await sc.shutdown();
      await up.close();
    }
  });
});
