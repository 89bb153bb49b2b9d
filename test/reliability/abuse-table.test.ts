/**
 * The protocol-abuse table: malformed and hostile requests, and hostile upstream answers, each
 * with the answer the client must get and the record (access-log status and error.type) it must
 * leave, against `paysidecar run` as a child process. The scripted upstream answers by path.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeEachForwarder } from '../helpers/sidecar';
import { startChildSidecar, CRASH_MARKERS, type ChildSidecar } from './child-sidecar';
import { startRawUpstream, type RawUpstream } from './raw-upstream';
import { rawSession } from './raw-http';

const ANSWERS: Record<string, string> = {
  '/early-hints': 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  '/continue-unasked': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  '/trailers': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n',
  '/304-with-body': 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello',
  '/204-with-body': 'HTTP/1.1 204 No Content\r\n\r\nhello',
  '/bad-status': 'HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok',
  '/not-http': 'SSH-2.0-OpenSSH\r\n\r\n',
  '/huge-headers': `HTTP/1.1 200 OK\r\nX-Big: ${'y'.repeat(100_000)}\r\nContent-Length: 2\r\n\r\nok`,
  '/cl-and-te': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  '/short-body': 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel',
};

interface Row {
  name: string;
  request: string;
  /** The status the client sees, or 'cut' for a connection closed without a (complete) answer. */
  answer: number | 'cut';
  /** Access-log status and error.type, or null when the parser refuses before any request exists. */
  record: [number, string | undefined] | null;
  /** Whether the app sees the request ('either': the parser may refuse it before or after it is passed on). */
  reachesApp: boolean | 'either';
  /** Where the undici core answers otherwise: its answer and record, and why the difference stands. */
  undici?: { answer: Row['answer']; record: Row['record']; why: string };
}

const H = 'Host: app\r\nConnection: close\r\n';

const REQUESTS: Row[] = [
  { name: 'CL + TE (smuggling)', request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, answer: 400, record: null, reachesApp: false },
  { name: 'two different Content-Lengths', request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello`, answer: 400, record: null, reachesApp: false },
  { name: 'Content-Length list', request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nhello`, answer: 400, record: null, reachesApp: false },
  { name: 'negative Content-Length', request: `POST /a HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, answer: 400, record: null, reachesApp: false },
  { name: 'obs-fold', request: `GET /a HTTP/1.1\r\n${H}X-A: a\r\n folded\r\n\r\n`, answer: 400, record: null, reachesApp: false },
  { name: 'bare CR in a header', request: `GET /a HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`, answer: 400, record: null, reachesApp: false },
  { name: 'chunk-size overflow', request: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nx\r\n`, answer: 400, record: [400, 'bad_request'], reachesApp: 'either' },
  { name: 'Transfer-Encoding: identity', request: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\nhello`, answer: 400, record: [400, 'bad_request'], reachesApp: 'either' },
  { name: 'Expect: 100-continue', request: `POST /a HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello`, answer: 100, record: [200, undefined], reachesApp: true },
  { name: 'CONNECT tunnel', request: `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`, answer: 405, record: null, reachesApp: false },
];

const ANSWER_ROWS: Row[] = [
  { name: '103 before the answer', request: `GET /early-hints HTTP/1.1\r\n${H}\r\n`, answer: 200, record: [200, undefined], reachesApp: true },
  {
    name: 'unasked 100 Continue', request: `GET /continue-unasked HTTP/1.1\r\n${H}\r\n`, answer: 200, record: [200, undefined], reachesApp: true,
    undici: {
      answer: 502,
      record: [502, 'protocol_error'],
      // undici 8's HTTP/1.1 client never sends Expect (the sidecar answers a client's 100-continue
      // itself) and destroys the connection on any 100 before a handler sees it ("bad response");
      // RFC 9110 lets a client discard it, so this is undici's strictness, kept visible as a
      // protocol error. An app that sends unasked 100s runs with --forwarder http-proxy.
      why: 'undici refuses a 100 Continue it did not ask for',
    },
  },
  { name: 'chunked with trailers', request: `GET /trailers HTTP/1.1\r\n${H}\r\n`, answer: 200, record: [200, undefined], reachesApp: true },
  { name: '304 with a Content-Length and a body', request: `GET /304-with-body HTTP/1.1\r\n${H}\r\n`, answer: 304, record: [304, undefined], reachesApp: true },
  { name: '204 with a body', request: `GET /204-with-body HTTP/1.1\r\n${H}\r\n`, answer: 204, record: [204, undefined], reachesApp: true },
  { name: 'invalid status line', request: `GET /bad-status HTTP/1.1\r\n${H}\r\n`, answer: 502, record: [502, 'protocol_error'], reachesApp: true },
  { name: 'not HTTP at all', request: `GET /not-http HTTP/1.1\r\n${H}\r\n`, answer: 502, record: [502, 'protocol_error'], reachesApp: true },
  { name: 'headers above the parser limit', request: `GET /huge-headers HTTP/1.1\r\n${H}\r\n`, answer: 502, record: [502, 'protocol_error'], reachesApp: true },
  { name: 'Content-Length and chunked together', request: `GET /cl-and-te HTTP/1.1\r\n${H}\r\n`, answer: 502, record: [502, 'protocol_error'], reachesApp: true },
  { name: 'closed before Content-Length is reached', request: `GET /short-body HTTP/1.1\r\n${H}\r\n`, answer: 'cut', record: [502, 'connection_reset'], reachesApp: true },
];

describeEachForwarder('protocol-abuse table', { timeout: 90_000 }, (forwarder) => {
  let up: RawUpstream;
  let sc: ChildSidecar;
  before(async () => {
    up = await startRawUpstream((socket, head) => {
      const path = head.split(' ', 2)[1] ?? '/';
      if (head.toLowerCase().includes('expect: 100-continue')) socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      socket.end(ANSWERS[path] ?? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    sc = await startChildSidecar(up.url, ['--forwarder', forwarder, '--upstream-timeout', '2s']);
  });
  after(async () => {
    await sc.stop();
    await up.close();
  });

  for (const base of [...REQUESTS, ...ANSWER_ROWS]) {
    const row = forwarder === 'undici' && base.undici ? { ...base, ...base.undici } : base;
    const why = row === base ? '' : ` (${base.undici?.why})`;
    it(`${row.name}: ${row.answer}${row.record ? `, recorded ${row.record.join(' ')}` : ', refused before any request'}${why}`, async () => {
      const logged = sc.accessLog().length;
      const reached = up.heads.length;
      const r = await rawSession(sc.port, row.request, { waitMs: 5000 });
      assert.equal(r.closedByServer, true, `${row.name}: the connection was left open`);
      if (row.answer === 'cut') {
        assert.doesNotMatch(r.raw, /PAYSIDECAR/);
        assert.ok(r.status === 0 || r.status === 200, r.raw.slice(0, 200));
      } else {
        assert.equal(r.status, row.answer, r.raw.slice(0, 300));
      }
      if (typeof row.answer === 'number' && row.answer >= 400) assert.match(r.body, /"code":"PAYSIDECAR_/);
      if (row.answer === 304 || row.answer === 204) assert.equal(r.body, '', 'no body after a 204/304');
      if (row.reachesApp !== 'either') assert.equal(up.heads.length > reached, row.reachesApp, 'whether the app saw it');
      await sleep(300);
      const lines = sc.accessLog().slice(logged);
      if (row.record === null) assert.deepEqual(lines, []);
      else assert.deepEqual(lines.map((l) => [l.status, l['error.type']]), [row.record]);
      assert.ok(sc.alive());
      assert.doesNotMatch(sc.stderr(), CRASH_MARKERS);
    });
  }

  it('pipelined prod and stress-marked requests from an untrusted caller: both answered, neither coloured', async () => {
    const logged = sc.accessLog().length;
    const r = await rawSession(sc.port, 'GET /p1 HTTP/1.1\r\nHost: app\r\n\r\nGET /p2 HTTP/1.1\r\nHost: app\r\nX-Test-Env: stress\r\nConnection: close\r\n\r\n');
    assert.equal((r.raw.match(/HTTP\/1\.1 200/g) ?? []).length, 2, r.raw);
    await sleep(300);
    const lines = sc.accessLog().slice(logged);
    assert.deepEqual(lines.map((l) => [l.status, l.traffic]), [[200, 'prod'], [200, 'prod']]);
    const p2 = up.heads.find((h) => h.startsWith('GET /p2 '));
    assert.ok(p2 && !/x-test-env/i.test(p2), p2);
  });

  it('header injection through every header the sidecar reads or writes reaches nobody', async () => {
    const r = await rawSession(
      sc.port,
      `GET /inject HTTP/1.1\r\n${H}x-trace-id: tr-1%0d%0aSet-Cookie: a=b\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nX-Forwarded-For: 1.2.3.4, \r\n\r\n`,
    );
    assert.equal(r.status, 200);
    assert.equal(r.headers['set-cookie'], undefined);
    assert.match(r.headers['x-trace-id'] ?? '', /^tr-[0-9a-f]{32}$/);
    const head = up.heads.slice(-1)[0];
    assert.match(head, /\r\nx-trace-id: tr-0af7651916cd43dd8448eb211c80319c\r\n/i);
    assert.doesNotMatch(head, /set-cookie|%0d%0a/i);
  });

  // Node 26 hands an upgrade request whose body has not all arrived with its head to 'upgrade'
  // with an UpgradeStream (a Duplex standing in for the socket until the body is read), not a
  // net.Socket: what the sidecar calls on it must be a Duplex's. The fuzzer found a crash here
  // (FUZZ_SEED=945613484 on Node 26.12: `socket.destroySoon is not a function`).
  for (const [framing, body] of [
    ['Transfer-Encoding: chunked', '5\r\nhello\r\n0\r\n\r\n'],
    ['Content-Length: 5', 'hello'],
  ] as const) {
    it(`an upgrade request whose body (${framing}) comes after its head, answered without switching: 200, recorded, the sidecar lives`, async () => {
      const logged = sc.accessLog().length;
      const r = await new Promise<string>((resolve) => {
        const sock = net.connect(sc.port, '127.0.0.1');
        let out = '';
        const t = setTimeout(() => sock.destroy(), 5000);
        sock.on('data', (d) => (out += d.toString('latin1')));
        sock.on('error', () => undefined);
        sock.on('close', () => {
          clearTimeout(t);
          resolve(out);
        });
        sock.write(`PUT /a HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${framing}\r\n\r\n`);
        setTimeout(() => sock.writable && sock.write(body), 100);
      });
      assert.match(r, /^HTTP\/1\.1 200 /, r.slice(0, 200));
      await sleep(300);
      assert.ok(sc.alive(), sc.stderr().slice(-2000));
      assert.doesNotMatch(sc.stderr(), CRASH_MARKERS);
      // The test before this one may still be flushing its GET line.
      assert.deepEqual(sc.accessLog().slice(logged).filter((l) => l.method === 'PUT').map((l) => l.status), [200]);
    });
  }

  it('upgrade requests abandoned at every stage leave nothing behind', async () => {
    const before = up.open();
    // Mid-head, after the head, and right after sending.
    for (const [payload, hangUp] of [
      ['GET /ws HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\n', 50],
      ['GET /ws HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', 0],
      ['GET /ws HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', 20],
    ] as const) {
      await rawSession(sc.port, payload, { hangUpAfterMs: hangUp });
    }
    await sleep(500);
    assert.ok(sc.alive());
    assert.ok(up.open() <= before, 'no upstream connection left open');
    assert.equal(await sc.live(), 200);
  });
});
