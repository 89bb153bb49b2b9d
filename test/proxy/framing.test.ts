import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { request, startTestSidecar, type TestSidecar, describeEachForwarder } from '../helpers/sidecar';

/** Message framing the two cores must agree on: bodiless answers, chunked bodies, 100-continue, a path prefix. */
describeEachForwarder('framing', { timeout: 20_000 }, (forwarder) => {
  let up: TestUpstream;
  let sc: TestSidecar;
  let prefixed: TestSidecar;
  before(async () => {
    up = await startUpstream((req, res, seen) => {
      if (req.url?.endsWith('/empty')) {
        res.writeHead(204, { 'x-kind': 'empty' });
        return void res.end();
      }
      if (req.url?.endsWith('/chunked')) {
        // No content-length: the body is framed chunk by chunk on both hops.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('a'.repeat(1000));
        setImmediate(() => res.end('b'.repeat(1000)));
        return;
      }
      const body = JSON.stringify({ url: req.url, method: req.method, received: seen.bodyBytes, te: req.headers['transfer-encoding'] ?? null });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'set-cookie': ['a=1', 'b=2'] });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    sc = await startTestSidecar({ forwarder, upstream: up.url.href });
    prefixed = await startTestSidecar({ forwarder, upstream: new URL('/base', up.url).href });
  });
  after(async () => {
    await sc.shutdown();
    await prefixed.shutdown();
    await up.close();
  });

  it('answers HEAD with the upstream\'s headers and no body', async () => {
    const r = await request(`${sc.base}/api/orders`, { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.ok(Number(r.headers['content-length']) > 0);
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
  });

  it('passes a 204 through without a body', async () => {
    const r = await request(`${sc.base}/api/orders/empty`);
    assert.equal(r.status, 204);
    assert.equal(r.headers['x-kind'], 'empty');
    assert.equal(r.body, '');
  });

  it('relays a body without content-length whole', async () => {
    const r = await request(`${sc.base}/api/orders/chunked`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'a'.repeat(1000) + 'b'.repeat(1000));
  });

  it('forwards a GET with Content-Length: 0 and a POST body of known length', async () => {
    const get = await request(`${sc.base}/api/orders`, { headers: { 'content-length': '0' } });
    assert.equal(get.status, 200);
    const post = await request(`${sc.base}/api/orders`, { method: 'POST', body: 'x'.repeat(5000), headers: { 'content-type': 'text/plain' } });
    assert.equal(post.status, 200);
    assert.equal(JSON.parse(post.body).received, 5000);
  });

  it('delivers a body sent after 100 Continue', async () => {
    const result = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request(`${sc.base}/api/orders`, { method: 'POST', agent: false, headers: { expect: '100-continue', 'content-length': '3' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, continued }));
      });
      req.on('continue', () => {
        continued = true;
        req.end('abc');
      });
      req.on('error', reject);
    });
    assert.equal(result.continued, true);
    assert.equal(result.status, 200);
    assert.equal(JSON.parse(result.body).received, 3);
  });

  it('joins the upstream URL\'s path with the request\'s', async () => {
    const r = await request(`${prefixed.base}/api/orders?x=1`);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).url, '/base/api/orders?x=1');
  });
});
