/**
 * Clients that give up, in bulk and at every stage — waiting for the answer, half-way through an
 * upload, half-way through a download — leave nothing behind: no upstream request still running,
 * no upstream socket, no request in flight, no growing heap. Each abort is recorded as a 499
 * `client_aborted` request. (test/proxy/streaming.test.ts has one round of 300 aborts while
 * waiting; this runs three kinds of abort over several rounds and watches the heap across them.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { metricValue, startTestSidecar, type TestSidecar, describeEachForwarder } from '../helpers/sidecar';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const PER_KIND = 150;
const ROUNDS = 4;

type Kind = 'waiting' | 'uploading' | 'downloading';

/** An upstream that says when each request arrives, so every client gives up only after its request got there. */
class ArrivalUpstream {
  readonly server: http.Server;
  readonly arrived = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  aborted = 0;
  open = 0;
  slowStreams = 0;

  constructor() {
    this.server = http.createServer((req, res) => {
      const url = req.url ?? '';
      this.arrived.add(url);
      // Read uploads as a real app does: a server that never reads cannot see its peer go away.
      req.resume();
      res.on('close', () => {
        if (!res.writableFinished) this.aborted++;
      });
      if (url.startsWith('/downloading/')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(1024, 98));
        this.slowStreams++;
        const t = setInterval(() => res.write(Buffer.alloc(1024, 98)), 50);
        res.on('close', () => {
          clearInterval(t);
          this.slowStreams--;
        });
      }
      // Waiting and uploading requests are never answered: the client leaves first.
      this.waiters.get(url)?.();
    });
    this.server.on('connection', (sock) => {
      this.open++;
      sock.on('close', () => this.open--);
    });
  }

  reached(url: string): Promise<void> {
    if (this.arrived.has(url)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(url, resolve));
  }
}

/** One request that the client abandons at the given stage, once the upstream has it. */
function abandon(base: string, up: ArrivalUpstream, kind: Kind, i: number): Promise<void> {
  return new Promise((resolve) => {
    const path = `/${kind}/${i}`;
    const req = http.request(`${base}${path}`, { method: kind === 'uploading' ? 'POST' : 'GET', agent: false, headers: kind === 'uploading' ? { 'content-length': String(1024 * 1024) } : {} });
    req.on('error', () => resolve());
    const giveUp = () => {
      req.destroy();
      resolve();
    };
    if (kind === 'downloading') {
      // Read the first chunk of a slow stream, then go away.
      req.on('response', (res) => res.once('data', giveUp));
      req.end();
      return;
    }
    if (kind === 'uploading') req.write(Buffer.alloc(32 * 1024, 97));
    else req.end();
    void up.reached(path).then(giveUp);
  });
}

describeEachForwarder('client aborts in bulk', { timeout: 90_000 }, (forwarder) => {
  const up = new ArrivalUpstream();
  let sc: TestSidecar;
  before(async () => {
    await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', r));
    sc = await startTestSidecar({ forwarder, upstream: `http://127.0.0.1:${(up.server.address() as AddressInfo).port}` });
  });
  after(async () => {
    await sc.shutdown();
    up.server.closeAllConnections();
    up.server.close();
  });

  it(`leaves no upstream request, socket, in-flight request or heap behind after ${ROUNDS} rounds of ${3 * PER_KIND} aborts`, async () => {
    const heaps: number[] = [];
    let aborted = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const kinds: Kind[] = ['waiting', 'uploading', 'downloading'];
      await Promise.all(kinds.flatMap((kind) => Array.from({ length: PER_KIND }, (_, i) => abandon(sc.base, up, kind, round * PER_KIND + i))));
      aborted += 3 * PER_KIND;
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && (sc.inflight.size > 0 || up.open > 0 || up.aborted < aborted)) await sleep(50);
      assert.equal(up.arrived.size, aborted, `round ${round}: every request reached the upstream before its client left`);
      assert.equal(up.aborted, aborted, `round ${round}: every upstream request was torn down unanswered`);
      assert.equal(up.slowStreams, 0, `round ${round}: no slow download still streaming`);
      assert.equal(up.open, 0, `round ${round}: the upstream holds no connection from us`);
      assert.equal(sc.forwarder.socketCount(), 0, `round ${round}: no upstream socket left in the pool`);
      assert.equal(sc.inflight.size, 0, `round ${round}: nothing in flight in the sidecar`);
      const m = await sc.metricsText();
      assert.equal(metricValue(m, 'http_server_request_duration_count', { http_response_status_code: '499', error_type: 'client_aborted' }), aborted, 'each abort recorded once as 499');
      assert.equal(metricValue(m, 'http_server_request_duration_count'), aborted, 'and as nothing else');
      assert.equal(metricValue(m, 'http_server_active_requests'), 0);
      // The test helper keeps finished spans in memory; they are the harness's, not the sidecar's.
      sc.spans.reset();
      gc();
      gc();
      heaps.push(process.memoryUsage().heapUsed);
    }
    // Round 0 warms up lazily created state; from then on the heap must not keep climbing.
    const growth = heaps[ROUNDS - 1] - heaps[1];
    assert.ok(growth < 1.5 * 1024 * 1024, `heap grew ${(growth / 1048576).toFixed(1)} MB over ${(ROUNDS - 2) * 3 * PER_KIND} aborts: ${heaps.map((h) => (h / 1048576).toFixed(1)).join(' → ')} MB`);
  });
});
