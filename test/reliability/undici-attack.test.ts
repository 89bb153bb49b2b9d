/**
 * Hostile clients and upstreams that both forwarding cores already handle the same way, against
 * `paysidecar run --forwarder <core>` as a child process: pipelining, Expect, trailers, a 304 with
 * a body, a bad chunk after the head, more parallel requests than --max-sockets, and a client that
 * stops reading a large download (the sidecar's memory must not take up the difference).
 * Where the cores still differ (a 1xx before the answer, the codes of framing errors, a 204 with a
 * Content-Length, --socket-wait-timeout, upgrades and --max-sockets) is left out until the undici
 * core matches.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChildSidecar, CRASH_MARKERS, type ChildSidecar } from './child-sidecar';
import { rawSession } from './raw-http';

const MB = 1024 * 1024;
const DOWNLOAD_MB = 256;
const H = 'Host: app\r\nConnection: close\r\n';

/** Answers a few paths with raw bytes, the rest as a small app would; counts concurrent connections. */
function startUpstream() {
  let open = 0;
  let maxOpen = 0;
  let downloadWritten = 0;
  const raw: Record<string, string> = {
    '/trailers': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n',
    '/304-with-body': 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello',
    '/bad-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=b\r\n\r\n5\r\nhello\r\nZZ\r\n',
  };
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (raw[path]) {
      res.socket?.end(raw[path]);
      return;
    }
    if (path === '/slow') {
      setTimeout(() => res.end('slow'), 300);
      return;
    }
    if (path === '/download') {
      res.writeHead(200, { 'content-length': DOWNLOAD_MB * MB });
      const chunk = Buffer.alloc(MB, 97);
      let n = 0;
      const pump = () => {
        while (n < DOWNLOAD_MB) {
          n++;
          downloadWritten += MB;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (n = DOWNLOAD_MB));
      pump();
      return;
    }
    req.resume();
    req.on('end', () => res.end(`ok ${path}`));
  });
  server.on('connection', (s) => {
    maxOpen = Math.max(maxOpen, ++open);
    s.on('close', () => open--);
  });
  return {
    server,
    maxOpen: () => maxOpen,
    resetMaxOpen: () => (maxOpen = open),
    downloadWritten: () => downloadWritten,
  };
}

/** Access-log lines reach stdout in batches (up to 200 ms late): the count once earlier requests' lines are in. */
async function settledLog(sc: ChildSidecar): Promise<number> {
  await sleep(300);
  return sc.accessLog().length;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

for (const core of ['http-proxy', 'undici']) {
  describe(`hostile peers both cores survive alike [${core}]`, { timeout: 90_000 }, () => {
    let up: ReturnType<typeof startUpstream>;
    let sc: ChildSidecar;
    before(async () => {
      up = startUpstream();
      up.server.listen(0, '127.0.0.1');
      await once(up.server, 'listening');
      const port = (up.server.address() as net.AddressInfo).port;
      sc = await startChildSidecar(`http://127.0.0.1:${port}`, ['--forwarder', core, '--upstream-timeout', '20s', '--max-sockets', '2', '--socket-wait-timeout', '0']);
    });
    after(async () => {
      await sc.stop();
      up.server.closeAllConnections();
      up.server.close();
    });

    it('three pipelined requests are answered in order', async () => {
      const r = await rawSession(sc.port, 'GET /p1 HTTP/1.1\r\nHost: app\r\n\r\nGET /p2 HTTP/1.1\r\nHost: app\r\n\r\nGET /p3 HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n');
      assert.deepEqual(r.raw.match(/ok \/p\d/g), ['ok /p1', 'ok /p2', 'ok /p3']);
    });

    it('Expect: 100-continue gets 100, then the answer, recorded once as 200', async () => {
      const logged = await settledLog(sc);
      const r = await rawSession(sc.port, `POST /e HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello`);
      assert.match(r.raw, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
      assert.match(r.raw, /ok \/e$/);
      await sleep(300);
      assert.deepEqual(sc.accessLog().slice(logged).map((l) => l.status), [200]);
    });

    it('a chunked answer with trailers passes whole, recorded 200', async () => {
      const logged = await settledLog(sc);
      const r = await rawSession(sc.port, `GET /trailers HTTP/1.1\r\n${H}\r\n`);
      assert.equal(r.status, 200, r.raw);
      assert.match(r.body, /^5\r\nhello\r\n0\r\n/);
      await sleep(300);
      assert.deepEqual(sc.accessLog().slice(logged).map((l) => [l.status, l['error.type']]), [[200, undefined]]);
    });

    it('a 304 with a body reaches the client without it', async () => {
      const r = await rawSession(sc.port, `GET /304-with-body HTTP/1.1\r\n${H}\r\n`);
      assert.equal(r.status, 304);
      assert.equal(r.body, '');
    });

    it('a bad chunk after the head cuts the client, with no sidecar error, recorded 502 protocol_error', async () => {
      const logged = await settledLog(sc);
      const r = await rawSession(sc.port, `GET /bad-chunk HTTP/1.1\r\n${H}\r\n`);
      assert.equal(r.closedByServer, true);
      assert.doesNotMatch(r.raw, /PAYSIDECAR/);
      assert.doesNotMatch(r.body, /^5\r\nhello\r\n0\r\n\r\n$/, 'the client never sees a complete chunked body');
      await sleep(300);
      assert.deepEqual(sc.accessLog().slice(logged).map((l) => [l.status, l['error.type']]), [[502, 'protocol_error']]);
    });

    it('12 parallel requests over --max-sockets 2 are all answered, on at most 2 upstream connections', async () => {
      up.resetMaxOpen();
      const statuses = await Promise.all(
        Array.from({ length: 12 }, () =>
          new Promise<number>((resolve) => {
            const req = http.get({ host: '127.0.0.1', port: sc.port, path: '/slow', agent: false, timeout: 10_000 }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            });
            req.on('timeout', () => req.destroy());
            req.on('error', () => resolve(0));
          }),
        ),
      );
      assert.deepEqual(statuses, Array(12).fill(200));
      assert.ok(up.maxOpen() <= 2, `${up.maxOpen()} upstream connections at once`);
    });

    it(`a client that stops reading a ${DOWNLOAD_MB} MB download: the upstream is paused and the sidecar's memory stays flat`, async () => {
      const base = rssMb(sc.child.pid!);
      const written = up.downloadWritten();
      const client = net.connect(sc.port, '127.0.0.1', () => client.write(`GET /download HTTP/1.1\r\n${H}\r\n`));
      client.on('error', () => undefined);
      client.pause();
      let peak = base;
      for (let i = 0; i < 15; i++) {
        await sleep(150);
        peak = Math.max(peak, rssMb(sc.child.pid!));
      }
      client.destroy();
      const sent = (up.downloadWritten() - written) / MB;
      assert.ok(sent < 64, `the upstream wrote ${sent.toFixed(0)} MB to a client that read nothing`);
      assert.ok(peak - base < 64, `the sidecar grew ${(peak - base).toFixed(0)} MB (from ${base.toFixed(0)} MB)`);
      await sleep(300);
      assert.equal(sc.accessLog().slice(-1)[0]?.status, 499);
      assert.ok(sc.alive());
      assert.doesNotMatch(sc.stderr(), CRASH_MARKERS);
    });
  });
}
