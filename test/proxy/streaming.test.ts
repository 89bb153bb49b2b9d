import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar, type TestSidecar, describeEachForwarder } from '../helpers/sidecar';

const MB = 1024 * 1024;
const DOWNLOAD = 128 * MB;

describeEachForwarder('streaming, upgrades and aborts', { timeout: 60_000 }, (forwarder) => {
  let up: TestUpstream;
  let sc: TestSidecar;
  let downloadWritten = 0;
  before(async () => {
    up = await startUpstream(
      (req, res, seen) => {
        if (req.url?.startsWith('/api/download')) {
          // 128 MB written only as fast as the sidecar takes it.
          const chunk = Buffer.alloc(64 * 1024, 121);
          downloadWritten = 0;
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': DOWNLOAD });
          const pump = () => {
            while (downloadWritten < DOWNLOAD) {
              downloadWritten += chunk.length;
              const more = res.write(chunk);
              if (downloadWritten >= DOWNLOAD) return void res.end();
              if (!more) return void res.once('drain', pump);
            }
          };
          pump();
          return;
        }
        if (req.url?.startsWith('/slow')) {
          // Answers after 5 s unless the sidecar gives up on it first.
          const t = setTimeout(() => res.end('late'), 5000);
          res.on('close', () => clearTimeout(t));
          return;
        }
        const body = JSON.stringify({ received: seen.bodyBytes });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      },
      (req, socket) => {
        if (req.url === '/ws-refused') return void socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nno');
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `X-Seen-Trace: ${String(req.headers['x-trace-id'])}\r\n\r\n`);
        socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
      },
    );
    sc = await startTestSidecar({ forwarder, upstream: up.url.href });
  });
  after(async () => {
    await sc.shutdown();
    await up.close();
  });

  /** Posts 100 MB to `base` and returns what arrived and the peak growth of Buffer memory meanwhile. */
  async function upload(base: string): Promise<{ received: number; grew: number }> {
    global.gc?.();
    const buffers = () => process.memoryUsage().arrayBuffers;
    const before = buffers();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, buffers())), 20);
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent >= 100 * MB) return this.push(null);
        sent += chunk.length;
        this.push(chunk);
      },
    });
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/api/upload`, { method: 'POST', agent: false, headers: { 'content-type': 'application/octet-stream' } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(JSON.parse(text).received));
      });
      req.on('error', reject);
      pipeline(body, req).catch(reject);
    });
    clearInterval(sampler);
    return { received, grew: peak - before };
  }

  it('streams a 100 MB upload through with flat memory', async () => {
    // Sidecar, upstream and client share this process. The same upload straight to the upstream is
    // the yardstick: on Node 24 it alone holds 50-60 MB of not-yet-collected 64 KiB chunks (Node 20:
    // 15-30 MB), so an absolute bound measures the runtime; a buffered body adds >= 100 MB to it.
    const direct = await upload(up.url.href.replace(/\/$/, ''));
    const proxied = await upload(sc.base);
    assert.equal(direct.received, 100 * MB);
    assert.equal(proxied.received, 100 * MB);
    assert.ok(proxied.grew - direct.grew < 60 * MB, `through the sidecar ${(proxied.grew / MB).toFixed(1)} MB of Buffers, straight ${(direct.grew / MB).toFixed(1)} MB`);
  });

  it('streams a 128 MB download at the client\'s pace: a paused client stops the upstream, resuming finishes it', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${sc.base}/api/download`, { agent: false }, resolve).on('error', reject);
    });
    assert.equal(res.statusCode, 200);
    res.pause();
    // Wait (bounded) until the upstream has stopped writing: unchanged over three looks in a row.
    let last = -1;
    let still = 0;
    for (let i = 0; i < 100 && still < 3; i++) {
      await sleep(100);
      still = downloadWritten === last ? still + 1 : 0;
      last = downloadWritten;
    }
    assert.equal(still, 3, 'the upstream stops writing while the client does not read');
    // Socket buffers on three loopback hops hold some MB; a relay that ignored backpressure takes it all.
    assert.ok(downloadWritten < 48 * MB, `upstream wrote ${(downloadWritten / MB).toFixed(1)} MB to a paused client`);
    let received = 0;
    res.on('data', (d: Buffer) => (received += d.length));
    res.resume();
    await new Promise((resolve, reject) => res.on('end', resolve).on('error', reject));
    assert.equal(received, DOWNLOAD);
  });

  it('passes WebSocket upgrades through with trace headers', async () => {
    const { socket, res } = await new Promise<{ socket: import('node:net').Socket; res: http.IncomingMessage }>((resolve, reject) => {
      const req = http.request(`${sc.base}/ws`, { agent: false, headers: { connection: 'Upgrade', upgrade: 'websocket' } });
      req.on('upgrade', (res, socket) => resolve({ socket, res }));
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.statusCode, 101);
    assert.match(String(res.headers['x-seen-trace']), /^tr-[0-9a-f]{32}$/);
    socket.write('ping');
    const echoed = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    assert.equal(echoed, 'echo:ping');
    socket.destroy();
  });

  it('passes an upgrade the app refuses on as a plain answer on a closed connection, recorded with its status', async () => {
    const r = await new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
      const req = http.request(`${sc.base}/ws-refused`, { agent: false, headers: { connection: 'Upgrade', upgrade: 'websocket' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
      });
      req.on('upgrade', () => reject(new Error('switched')));
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(r, { status: 403, body: 'no', connection: 'close' });
    const m = await sc.metricsText();
    assert.ok(metricValue(m, 'http_server_request_duration_count', { http_response_status_code: '403' }) >= 1);
  });

  it('destroys the upstream request when the client aborts: 300 aborted slow requests leave nothing behind', async () => {
    const abortedBefore = up.abortedCount();
    const seenSlow = () => up.seen.filter((s) => s.url.startsWith('/slow/')).length;
    const n = 300;
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        new Promise<void>((resolve) => {
          const req = http.get(`${sc.base}/slow/${i}`, { agent: false }, () => resolve());
          req.on('error', () => resolve());
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 300 + (i % 10) * 10);
        }),
      ),
    );
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline && (up.abortedCount() - abortedBefore < seenSlow() || sc.inflight.size > 0)) await sleep(50);
    assert.ok(seenSlow() >= n * 0.9, `${seenSlow()} of ${n} reached the upstream`);
    assert.equal(up.abortedCount() - abortedBefore, seenSlow(), 'every upstream request was torn down before the upstream answered');
    assert.equal(sc.inflight.size, 0, 'no request left in flight in the sidecar');
    assert.equal(sc.forwarder.socketCount(), 0, 'no upstream socket left open');
    const m = await sc.metricsText();
    assert.equal(metricValue(m, 'http_server_active_requests'), 0);
    assert.ok(metricValue(m, 'http_server_request_duration_count', { http_response_status_code: '499', error_type: 'client_aborted' }) >= seenSlow());
  });

  it('keeps the route series bounded under 10k random paths', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const paths = Array.from({ length: 10_000 }, (_, i) => `/${Math.random().toString(36).slice(2)}/${i}/${'x'.repeat(i % 7)}?q=${i}`);
    for (let i = 0; i < paths.length; i += 200) {
      await Promise.all(
        paths.slice(i, i + 200).map(
          (p) =>
            new Promise<void>((resolve, reject) => {
              http.get(`${sc.base}${p}`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
            }),
        ),
      );
    }
    agent.destroy();
    const m = await sc.metricsText();
    const routes = new Set([...m.matchAll(/http_server_request_duration_count\{[^}]*http_route="([^"]*)"/g)].map((x) => x[1]));
    assert.ok(routes.has('/{unmatched}'));
    assert.ok(routes.size <= 5, `routes: ${[...routes].join(' ')}`);
    const series = m.split('\n').filter((l) => l.startsWith('http_server_request_duration_count')).length;
    assert.ok(series <= 10, `${series} duration series`);
    const r = await request(`${sc.admin}/metrics`);
    assert.equal(r.status, 200);
  });
});
