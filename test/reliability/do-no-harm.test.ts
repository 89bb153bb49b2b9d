/**
 * Issue #15, "do no harm": each defect found by attacking the sidecar on purpose, reproduced
 * against `paysidecar run` as a child process, so a crash shows as an exit. Every case asserts the
 * answer the client gets and the record (access log, metrics) the request leaves.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream } from '../helpers/upstream';
import { describeEachForwarder, metricValue } from '../helpers/sidecar';
import { startChildSidecar, CRASH_MARKERS, SIDECAR_ARGS, type ChildSidecar } from './child-sidecar';
import { startRawUpstream } from './raw-upstream';
import { rawSession } from './raw-http';
import { CONFIG_FILE_MAX_BYTES, LIST_MAX_ENTRIES } from '../../src/config/limits';

const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

/** A GET with node's client: status and body, or the error that ended it. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status?: number; body: string; error?: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body, ms: Date.now() - started }));
      res.on('error', (e) => resolve({ status: res.statusCode, body, error: e.message, ms: Date.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => resolve({ body: '', error: e.message, ms: Date.now() - started }));
  });
}

async function assertHealthy(sc: ChildSidecar): Promise<void> {
  await sleep(200);
  assert.ok(sc.alive(), `the sidecar exited: ${sc.stderr()}`);
  assert.equal(await sc.live(), 200);
  assert.doesNotMatch(sc.stderr(), CRASH_MARKERS);
}

const UPGRADE_HEAD = 'GET /ws HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';

describeEachForwarder('do no harm (issue #15): forwarding', { timeout: 120_000 }, (forwarder) => {
  /** A child sidecar on this suite's forwarding core. */
  const start = (upstream: string, args: readonly string[] = []) => startChildSidecar(upstream, ['--forwarder', forwarder, ...args]);

  it('an upgrade request abandoned before the app answers neither ends the process nor outlives its client', { timeout: 25_000 }, async () => {
    const up = await startUpstream((_req, res) => {
      const t = setTimeout(() => res.end('{"ok":true}'), 1000);
      res.on('close', () => clearTimeout(t));
    });
    const sc = await start(up.url.href);
    try {
      const r = await rawSession(sc.port, UPGRADE_HEAD, { hangUpAfterMs: 150 });
      assert.equal(r.closedByServer, false);
      await sleep(1300);
      await assertHealthy(sc);
      assert.equal(up.abortedCount(), 1, 'the upstream request was torn down when the client left');
      const lines = await sc.waitForLog((l) => l.route === '/{unmatched}');
      assert.deepEqual(lines.map((l) => [l.status, l['error.type']]), [[499, 'client_aborted']]);
    } finally {
      await sc.stop();
      await up.close();
    }
  });

  it('an app whose Content-Length counts characters of a UTF-8 body gets its response passed on as framed', { timeout: 25_000 }, async () => {
    const body = Buffer.from('{"price":"10€"}');
    const up = await startRawUpstream((socket) => {
      socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${'{"price":"10€"}'.length}\r\n\r\n`), body]));
    });
    const sc = await start(up.url);
    try {
      const r = await rawSession(sc.port, 'GET /api/orders/1 HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n');
      assert.equal(r.status, 200);
      assert.equal((r.raw.match(/HTTP\/1\.1 /g) ?? []).length, 1, r.raw);
      assert.doesNotMatch(r.raw, /PAYSIDECAR/);
      await assertHealthy(sc);
      const lines = await sc.waitForLog((l) => l.route === '/api/orders/{out_trade_no}' || l.route === '/{unmatched}');
      assert.equal(lines.length, 1);
      assert.equal(lines[0].status, 200);
      assert.ok(metricValue(await sc.metrics(), 'paysidecar_upstream_errors_total', { error_type: 'protocol_error' }) >= 1, 'the excess bytes were counted');
    } finally {
      await sc.stop();
      await up.close();
    }
  });

  for (const [name, tail, status, errorType] of [
    ['stalls past --upstream-timeout', '', 504, 'timeout'],
    ['sends a bad chunk', 'zz\r\nhello\r\n', 502, 'protocol_error'],
  ] as const) {
    it(`an app that sends its headers (with Set-Cookie) and then ${name}: the client connection is cut, no sidecar error on it`, { timeout: 25_000 }, async () => {
      const up = await startRawUpstream((socket) => {
        socket.write(`HTTP/1.1 200 OK\r\nSet-Cookie: session=secret\r\nTransfer-Encoding: chunked\r\n\r\n${tail}`);
      });
      const sc = await start(up.url, ['--upstream-timeout', '500ms']);
      try {
        const r = await rawSession(sc.port, 'GET /api/orders/1 HTTP/1.1\r\nHost: app\r\n\r\n', { waitMs: 5000 });
        assert.equal(r.closedByServer, true, 'the kept-alive connection was cut');
        assert.ok(r.ms < 3000, `cut after ${r.ms} ms`);
        assert.doesNotMatch(r.raw, /PAYSIDECAR|content-length/i, r.raw);
        await assertHealthy(sc);
        const lines = await sc.waitForLog(() => true);
        assert.deepEqual(lines.map((l) => [l.status, l['error.type']]), [[status, errorType]]);
      } finally {
        await sc.stop();
        await up.close();
      }
    });
  }

  it('a request waiting for an upstream socket gives up after --socket-wait-timeout, with a code, counted', { timeout: 25_000 }, async () => {
    const up = await startUpstream();
    const sc = await start(up.url.href, ['--max-sockets', '1', '--socket-wait-timeout', '500ms']);
    const slow = net.connect(sc.port, '127.0.0.1');
    slow.on('error', () => undefined);
    try {
      // A slow upload holds the only upstream socket.
      slow.write('POST /api/orders HTTP/1.1\r\nHost: app\r\nContent-Length: 100\r\n\r\nx');
      await sleep(300);
      const r = await get(sc.port, '/api/orders/2');
      assert.equal(r.status, 503, JSON.stringify(r));
      assert.equal(JSON.parse(r.body).code, 'PAYSIDECAR_UPSTREAM_BUSY');
      assert.ok(r.ms < 2500, `answered after ${r.ms} ms`);
      assert.equal(metricValue(await sc.metrics(), 'paysidecar_upstream_errors_total', { error_type: 'socket_wait_timeout' }), 1);
      const lines = await sc.waitForLog((l) => l.status === 503);
      assert.equal(lines[0]['error.type'], 'socket_wait_timeout');
      await assertHealthy(sc);
    } finally {
      slow.destroy();
      await sc.stop();
      await up.close();
    }
  });

  it('a request whose client leaves while it waits for an upstream socket leaves the queue: never sent, recorded as 499', { timeout: 25_000 }, async () => {
    const up = await startUpstream();
    const sc = await start(up.url.href, ['--max-sockets', '1', '--socket-wait-timeout', '10s']);
    const slow = net.connect(sc.port, '127.0.0.1');
    slow.on('error', () => undefined);
    try {
      slow.write('POST /api/orders HTTP/1.1\r\nHost: app\r\nContent-Length: 5\r\nConnection: close\r\n\r\nx');
      await sleep(300);
      const r = await rawSession(sc.port, 'GET /api/orders/left HTTP/1.1\r\nHost: app\r\n\r\n', { hangUpAfterMs: 300 });
      assert.equal(r.status, 0, r.raw);
      // The held socket frees: a request still queued would now be sent.
      slow.write('yyyy');
      const done = await sc.waitForLog((l) => l.status === 200);
      assert.equal(done.length, 1, sc.stdout());
      await sleep(300);
      assert.deepEqual(up.seen.map((s) => s.url), ['/api/orders'], 'the abandoned request never reached the app');
      const left = await sc.waitForLog((l) => l.status === 499);
      assert.deepEqual(left.map((l) => l['error.type']), ['client_aborted']);
      assert.equal(metricValue(await sc.metrics(), 'paysidecar_upstream_errors_total'), 0);
      // The queue is empty and the socket free again: the next request goes straight through.
      const next = await get(sc.port, '/api/orders/next');
      assert.equal(next.status, 200, JSON.stringify(next));
      await assertHealthy(sc);
    } finally {
      slow.destroy();
      await sc.stop();
      await up.close();
    }
  });

  it('an app answering 101 to a plain GET gets a 502 with a code, not a hanging client', { timeout: 25_000 }, async () => {
    const up = await startRawUpstream((socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n'));
    const sc = await start(up.url, ['--upstream-timeout', '3s']);
    try {
      const r = await get(sc.port, '/api/orders/3');
      assert.equal(r.status, 502, JSON.stringify(r));
      assert.equal(JSON.parse(r.body).code, 'PAYSIDECAR_UPSTREAM_PROTOCOL_ERROR');
      assert.ok(r.ms < 2000, `answered after ${r.ms} ms`);
      const lines = await sc.waitForLog(() => true);
      assert.deepEqual(lines.map((l) => [l.status, l['error.type']]), [[502, 'protocol_error']]);
      await assertHealthy(sc);
    } finally {
      await sc.stop();
      await up.close();
    }
  });

  it('upgrade requests count toward --max-inflight and --max-sockets until they are switched', { timeout: 25_000 }, async () => {
    const up = await startUpstream((_req, res) => {
      const t = setTimeout(() => res.end('{"ok":true}'), 1500);
      res.on('close', () => clearTimeout(t));
    });
    const sc = await start(up.url.href, ['--max-inflight', '1']);
    const sc2 = await start(up.url.href, ['--max-sockets', '1', '--socket-wait-timeout', '300ms']);
    try {
      for (const [s, code] of [[sc, 'PAYSIDECAR_OVERLOADED'], [sc2, 'PAYSIDECAR_UPSTREAM_BUSY']] as const) {
        const before = up.seen.length;
        const slow = get(s.port, '/api/orders/slow');
        await sleep(200);
        const r = await rawSession(s.port, UPGRADE_HEAD, { waitMs: 3000 });
        assert.equal(r.status, 503, r.raw);
        assert.equal(JSON.parse(r.body).code, code);
        assert.equal(up.seen.length - before, 1, 'the upgrade request never reached the app');
        assert.equal((await slow).status, 200);
      }
      await assertHealthy(sc);
      await assertHealthy(sc2);
    } finally {
      await sc.stop();
      await sc2.stop();
      await up.close();
    }
  });

  it('a request the parser refuses after it started is answered 400 with its reason, recorded as 400, and its upstream request torn down', { timeout: 25_000 }, async () => {
    const up = await startUpstream();
    const sc = await start(up.url.href);
    try {
      const r = await rawSession(sc.port, 'POST /api/orders HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: identity\r\n\r\nhello');
      assert.equal(r.status, 400, r.raw);
      assert.equal(JSON.parse(r.body).code, 'PAYSIDECAR_BAD_REQUEST');
      assert.match(JSON.parse(r.body).message, /Transfer-Encoding/i);
      const lines = await sc.waitForLog(() => true);
      assert.deepEqual(lines.map((l) => [l.status, l['error.type']]), [[400, 'bad_request']]);
      // The upload that will never finish is not left holding an upstream connection.
      const deadline = Date.now() + 3000;
      while (up.openConnections() > 0 && Date.now() < deadline) await sleep(50);
      assert.equal(up.openConnections(), 0, 'no upstream connection left open');
      await assertHealthy(sc);
    } finally {
      await sc.stop();
      await up.close();
    }
  });

  it('an upstream 204 with a Content-Length reaches the client without it', { timeout: 25_000 }, async () => {
    const up = await startRawUpstream((socket) => socket.write('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nX-App: yes\r\n\r\n'));
    const sc = await start(up.url);
    try {
      const r = await rawSession(sc.port, 'DELETE /api/orders/4 HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n');
      assert.equal(r.status, 204, r.raw);
      assert.equal(r.headers['x-app'], 'yes');
      assert.equal(r.headers['content-length'], undefined, r.raw);
      assert.equal(r.headers['transfer-encoding'], undefined, r.raw);
      await assertHealthy(sc);
    } finally {
      await sc.stop();
      await up.close();
    }
  });
});

describe('do no harm (issue #15)', { timeout: 120_000 }, () => {
  it('the admin listener closes slow-loris connections after --headers-timeout', { timeout: 25_000 }, async () => {
    const up = await startUpstream();
    const sc = await startChildSidecar(up.url.href, ['--headers-timeout', '1s']);
    const sock = net.connect(sc.adminPort, '127.0.0.1');
    sock.on('error', () => undefined);
    try {
      const started = Date.now();
      sock.write('GET /live HTTP/1.1\r\nHost: admin\r\n');
      const drip = setInterval(() => sock.writable && sock.write('X-Drip: 1\r\n'), 200);
      const closed = await Promise.race([new Promise<boolean>((r) => sock.once('close', () => r(true))), sleep(6000).then(() => false)]);
      clearInterval(drip);
      assert.ok(closed, 'the admin listener kept a slow-loris connection for 6 s');
      assert.ok(Date.now() - started < 4000);
      await assertHealthy(sc);
    } finally {
      sock.destroy();
      await sc.stop();
      await up.close();
    }
  });

  it('requests cut at the drain deadline are answered, logged and their spans exported', { timeout: 25_000 }, async () => {
    const up = await startUpstream(() => undefined);
    let spans = 0;
    const collector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        try {
          for (const rs of JSON.parse(body).resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length;
        } catch {
          // protobuf or garbage: counted as nothing
        }
        res.end('{}');
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const otlp = `http://127.0.0.1:${(collector.address() as net.AddressInfo).port}`;
    const sc = await startChildSidecar(up.url.href, ['--drain-timeout', '500ms', '--otlp-endpoint', otlp]);
    try {
      const N = 20;
      const answers = Array.from({ length: N }, (_, i) => get(sc.port, `/api/orders/${i}`));
      const deadline = Date.now() + 5000;
      while (up.seen.length < N && Date.now() < deadline) await sleep(20);
      assert.equal(up.seen.length, N);
      const code = await sc.stop();
      assert.equal(code, 0, sc.stderr());
      const results = await Promise.all(answers);
      assert.deepEqual([...new Set(results.map((r) => r.status))], [503]);
      assert.equal(JSON.parse(results[0].body).code, 'PAYSIDECAR_DRAINING');
      const lines = sc.accessLog();
      assert.equal(lines.length, N, sc.stdout());
      assert.deepEqual([...new Set(lines.map((l) => `${l.status} ${l['error.type']}`))], ['503 drain_timeout']);
      assert.equal(spans, N, 'every span ended and was flushed');
    } finally {
      await sc.stop();
      await up.close();
      collector.close();
    }
  });

  it('a config file or list above its documented size is refused at once, naming the key and the limit', { timeout: 25_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'paysidecar-limits-'));
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'route:\n' + '  - /api/v1/things/{id}\n'.repeat(Math.ceil((4 * CONFIG_FILE_MAX_BYTES) / 24)));
    const many = join(dir, 'many.yaml');
    writeFileSync(many, `route: [${Array.from({ length: LIST_MAX_ENTRIES + 1 }, (_, i) => `/r${i}`).join(', ')}]\n`);
    for (const [file, want] of [
      [big, new RegExp(`--config: .*big\\.yaml.* above the limit of ${CONFIG_FILE_MAX_BYTES} bytes`)],
      [many, new RegExp(`route \\(in .*many\\.yaml\\): ${LIST_MAX_ENTRIES + 1} entries, above the limit of ${LIST_MAX_ENTRIES}`)],
    ] as const) {
      const started = Date.now();
      const r = spawnSync(process.execPath, [CLI, 'run', '--config', file, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', ...SIDECAR_ARGS], {
        encoding: 'utf8',
        timeout: 20_000,
        env: { PATH: process.env.PATH ?? '' },
      });
      assert.equal(r.status, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr.slice(0, 500));
      assert.match(lines[0], want);
      assert.ok(Date.now() - started < 5000, `refused after ${Date.now() - started} ms`);
    }
  });
});
