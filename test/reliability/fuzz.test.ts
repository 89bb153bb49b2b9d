/**
 * A seeded mutation fuzzer against `paysidecar run` as a child process: thousands of requests built
 * from hostile parts (smuggling shapes, bad framing, odd line ends, injected headers, pipelined prod
 * and stress requests, abandoned upgrades) and then byte-mutated, each answered by the upstream with
 * a mutated response (bad status lines, wrong lengths, bad chunks, 1xx, trailers, 204/304 with
 * bodies, stalls, huge headers). After every batch: the process is alive, /live answers, its open
 * sockets and in-flight requests return to their baseline, metric series stay bounded, and nothing
 * was logged as a crash or an error of the sidecar's own. Replay a failure with FUZZ_SEED=<seed>.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { describeEachForwarder, metricValue } from '../helpers/sidecar';
import { startChildSidecar, CRASH_MARKERS, type ChildSidecar } from './child-sidecar';
import { startRawUpstream } from './raw-upstream';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const BATCHES = 8;
const PER_BATCH = 250;
const CONCURRENCY = 32;
/** The whole run stops starting batches after this long (the machine may be shared and slow). */
const TIME_BUDGET_MS = 60_000;

const pair = (name: string, value: string) => fc.constant([name, value] as [string, string]);

const requestHeader = fc.oneof(
  pair('Content-Length', '5'),
  pair('Content-Length', '5, 6'),
  pair('Content-Length', '-1'),
  pair('Content-Length', '99999999999999999999'),
  pair('Content-Length', '0x10'),
  pair('Transfer-Encoding', 'chunked'),
  pair('Transfer-Encoding', 'identity'),
  pair('Transfer-Encoding', 'gzip, chunked'),
  pair('Transfer-Encoding', 'chunked, gzip'),
  pair('Transfer-Encoding', ' chunked'),
  pair('Expect', '100-continue'),
  pair('Expect', 'something-else'),
  pair('Connection', 'Upgrade'),
  pair('Upgrade', 'websocket'),
  pair('Upgrade', 'h2c'),
  pair('Connection', 'close'),
  pair('Connection', 'keep-alive, x-trace-id, traceparent'),
  pair('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
  pair('traceparent', 'ff-' + 'f'.repeat(200)),
  pair('tracestate', 'a=b,,c=d\u00ff'),
  pair('baggage', 'x-stress-test=true'),
  pair('x-trace-id', 't-forged'),
  pair('x-trace-id', 'tr-1\r\nSet-Cookie: injected=1'),
  pair('X-Stress-Test', 'true'),
  pair('X-Stress-Token', 'v1.0.x.y'),
  pair('x_test_env', 'stress'),
  pair('X-Forwarded-For', '10.0.0.1\r\n X-Injected: 1'),
  pair('Host', ''),
  pair(' Host', 'space-before-name'),
  pair('Host ', 'space-before-colon'),
  pair('X-Fold', 'a\r\n folded'),
  pair('X-Bare-LF', 'a\nX-Second: b'),
  pair('X-Bare-CR', 'a\rb'),
  pair('X-Big', 'x'.repeat(20_000)),
  pair('X-Nul', 'a\u0000b'),
  fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 })),
);

const requestBody = fc.oneof(
  fc.constant(''),
  fc.constant('hello'),
  fc.constant('5\r\nhello\r\n0\r\n\r\n'),
  fc.constant('5;ext=1\r\nhello\r\n0\r\nTrailer-Field: x\r\n\r\n'),
  fc.constant('fffffffffffffffffffff\r\nx\r\n0\r\n\r\n'),
  fc.constant('-1\r\nx\r\n'),
  fc.constant('5\nhello\n0\n\n'),
  fc.string({ maxLength: 64 }),
);

const requestPart = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PRI', 'get', 'G ET', ''),
  path: fc.constantFrom('/', '/api/orders', '/api/orders/1', '/v3/pay/transactions/jsapi', '*', 'http://evil.example/x', '/%00', '/a?b=c#d', '/' + 'a'.repeat(3000), '//x', '/\u00ff', 'example.com:443'),
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ', ''),
  eol: fc.constantFrom('\r\n', '\r\n', '\r\n', '\n', '\r'),
  headers: fc.array(requestHeader, { maxLength: 6 }),
  body: requestBody,
});

const mutation = fc.record({ at: fc.nat(), op: fc.constantFrom('flip', 'delete', 'insert', 'duplicate'), byte: fc.integer({ min: 0, max: 255 }) });

const responseHead = fc.constantFrom(
  'HTTP/1.1 200 OK',
  'HTTP/1.1 200 OK',
  'HTTP/1.1 204 No Content',
  'HTTP/1.1 304 Not Modified',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK',
  'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK',
  'HTTP/1.1 999 Weird',
  'HTTP/1.1 200',
  'HTTP/1.0 200 OK',
  'HTTP/2 200',
  'HTTP/1.1 -1 Minus',
  'garbage',
  'HTTP/1.1 500 Internal Server Error',
);

const responseHeader = fc.constantFrom(
  'Content-Length: 5',
  'Content-Length: 2',
  'Content-Length: 5\r\nContent-Length: 6',
  'Content-Length: abc',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: chunked\r\nContent-Length: 5',
  'Set-Cookie: session=secret',
  'Connection: close',
  'Connection: keep-alive',
  'Trailer: X-Checksum',
  'X-Big: ' + 'y'.repeat(40_000),
  'X-Fold: a\r\n folded',
  'X-Trace-ID: tr-from-upstream',
  'Bad Header Name: 1',
);

const responseBody = fc.constantFrom(
  '',
  'hello',
  'hello world, past the length',
  '5\r\nhello\r\n0\r\n\r\n',
  '5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n',
  'zz\r\nhello\r\n',
  'fffffffffffffffffffff\r\nx\r\n',
  '5\r\nhel',
);

const upstreamAnswer = fc.record({
  head: responseHead,
  headers: fc.array(responseHeader, { maxLength: 4 }),
  body: responseBody,
  // Mostly prompt; a few stall past --upstream-timeout or close mid-answer.
  then: fc.constantFrom('end', 'end', 'end', 'end', 'end', 'end', 'close', 'stall'),
});

const fuzzCase = fc.record({
  request: requestPart,
  mutations: fc.array(mutation, { maxLength: 3 }),
  pipelined: fc.option(requestPart, { freq: 5 }),
  answer: upstreamAnswer,
  client: fc.constantFrom('wait', 'wait', 'wait', 'hang-up', 'half-close'),
});
type RequestPart = typeof requestPart extends fc.Arbitrary<infer T> ? T : never;
type UpstreamAnswer = typeof upstreamAnswer extends fc.Arbitrary<infer T> ? T : never;

function buildRequest(p: RequestPart, id: string): Buffer {
  const lines = [`${p.method} ${p.path} ${p.version}`.trimEnd(), ...p.headers.map(([n, v]) => `${n}: ${v}`), 'Host: app', `X-Fuzz-Case: ${id}`];
  return Buffer.from(lines.join(p.eol) + p.eol + p.eol + p.body, 'latin1');
}

function mutate(bytes: Buffer, mutations: Array<{ at: number; op: string; byte: number }>): Buffer {
  let b = bytes;
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.op === 'flip') b = Buffer.concat([b.subarray(0, at), Buffer.from([b[at] ^ (1 << m.byte % 8)]), b.subarray(at + 1)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 16), b.subarray(at)]);
  }
  return b;
}

/** Sends one case's bytes and reads until the sidecar closes, the client leaves, or 2.5 s pass. */
function send(port: number, bytes: Buffer, client: string): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const done = () => {
      clearTimeout(t);
      sock.destroy();
      resolve();
    };
    const t = setTimeout(done, client === 'hang-up' ? 30 : 2500);
    sock.on('error', done);
    sock.on('close', done);
    sock.on('data', () => undefined);
    sock.write(bytes, () => {
      if (client === 'half-close') sock.end();
    });
  });
}

/** Socket descriptors the sidecar holds (Linux /proc). */
function openSockets(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

function seriesCount(text: string): number {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).length;
}

describeEachForwarder('protocol fuzzer', { timeout: 150_000 }, (forwarder) => {
  it(`survives ${BATCHES * PER_BATCH} mutated requests and upstream answers (FUZZ_SEED=${SEED})`, async () => {
    const answers = new Map<string, UpstreamAnswer>();
    const up = await startRawUpstream((socket, head) => {
      const id = /x-fuzz-case: *([0-9-]+)/i.exec(head)?.[1];
      const a = id ? answers.get(id) : undefined;
      if (!a) {
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
        return;
      }
      socket.write(Buffer.from(`${a.head}\r\n${a.headers.map((h) => h + '\r\n').join('')}\r\n${a.body}`, 'latin1'));
      if (a.then === 'end') socket.end();
      else if (a.then === 'close') socket.destroy();
      else setTimeout(() => socket.destroy(), 1500).unref();
    });
    const sc: ChildSidecar = await startChildSidecar(up.url, [
      '--forwarder', forwarder,
      '--upstream-timeout', '1s', '--headers-timeout', '1s', '--socket-wait-timeout', '1s', '--max-sockets', '16',
      '--trust-cidr', '127.0.0.1/32', '--stress-secret', 'fuzz-secret', '--drain-timeout', '2s',
    ]);
    const pid = sc.child.pid!;
    const started = Date.now();
    let sent = 0;
    try {
      await sleep(300);
      const baseline = openSockets(pid);
      const seriesBaseline = seriesCount(await sc.metrics());
      for (let batch = 0; batch < BATCHES && Date.now() - started < TIME_BUDGET_MS; batch++) {
        const cases = fc.sample(fuzzCase, { seed: SEED + batch, numRuns: PER_BATCH });
        let next = 0;
        const worker = async () => {
          while (next < cases.length) {
            const i = next++;
            const c = cases[i];
            const id = `${batch}-${i}`;
            answers.set(id, c.answer);
            let bytes = mutate(buildRequest(c.request, id), c.mutations);
            if (c.pipelined) bytes = Buffer.concat([bytes, buildRequest(c.pipelined, `${id}-p`)]);
            if (c.pipelined) answers.set(`${id}-p`, c.answer);
            await send(sc.port, bytes, c.client);
            sent++;
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        const where = `batch ${batch}, FUZZ_SEED=${SEED}`;
        assert.ok(sc.alive(), `the sidecar exited (${where}): ${sc.stderr().slice(-3000)}`);
        assert.equal(await sc.live(), 200, where);
        // In-flight work and sockets settle back once stalled answers time out.
        const deadline = Date.now() + 6000;
        let sockets = openSockets(pid);
        let active = metricValue(await sc.metrics(), 'http_server_active_requests');
        while ((sockets > baseline || active !== 0) && Date.now() < deadline) {
          await sleep(200);
          sockets = openSockets(pid);
          active = metricValue(await sc.metrics(), 'http_server_active_requests');
        }
        const ownErrors = sc.stderr().split('\n').filter((l) => /"level":(50|60)/.test(l));
        assert.deepEqual(ownErrors, [], where);
        assert.ok(sockets <= baseline, `${sockets} sockets open, baseline ${baseline} (${where})`);
        assert.equal(active, 0, `requests still active (${where})`);
        const series = seriesCount(await sc.metrics());
        assert.ok(series < seriesBaseline + 1500, `${series} series (baseline ${seriesBaseline}, ${where})`);
        assert.doesNotMatch(sc.stderr(), CRASH_MARKERS, where);
        answers.clear();
      }
      assert.ok(sent >= PER_BATCH * 2, `only ${sent} requests sent within the time budget`);
      assert.equal(await sc.stop(), 0, sc.stderr().slice(-2000));
    } finally {
      await sc.stop();
      await up.close();
    }
  });
});
