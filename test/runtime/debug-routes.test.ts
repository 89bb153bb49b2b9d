/**
 * /debug/pprof over real HTTP: index, profiles, timeline and active resources; one capture at a
 * time (409); parameters checked; loopback-or-bearer access; a capture whose caller leaves is
 * stopped. Served from this test process, as the sidecar's admin listener serves it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDebugHandler } from '../../src/runtime/pprof/routes';
import type { Logger } from '../../src/telemetry/logger';
import { checkDebugAccess } from '../../src/runtime/pprof/access';
import type { TraceDocument } from '../../src/runtime/pprof/timeline';
import { assertPprofInvariants, decodeProfile } from './pprof-check';

const TOKEN = 'sekret-debug-token-9f3a';
const logged: string[] = [];
const logger: Logger = {
  info: (o, m) => logged.push(JSON.stringify({ ...o, m })),
  warn: (o, m) => logged.push(JSON.stringify({ ...o, m })),
  error: (o, m) => logged.push(JSON.stringify({ ...o, m })),
};

const servers: Server[] = [];
async function serve(handler: ReturnType<typeof createDebugHandler>): Promise<string> {
  const server = createServer((req, res) => {
    if (!handler(req, res)) {
      res.writeHead(418);
      res.end('not a debug path');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let withToken: string;
let noToken: string;
let app: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  withToken = await serve(createDebugHandler({ token: TOKEN, logger }));
  noToken = await serve(createDebugHandler({}));
  // Something for the timeline to see: an app server in the same process.
  const appServer = createServer((req, res) => setTimeout(() => res.end('done'), 20));
  appServer.listen(0, '127.0.0.1');
  await once(appServer, 'listening');
  servers.push(appServer);
  app = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function code(body: Buffer): string {
  return (JSON.parse(body.toString()) as { code: string }).code;
}

describe('/debug/pprof routes', () => {
  test('the index lists the endpoints and states the access rule', async () => {
    for (const path of ['/debug/pprof/', '/debug/pprof']) {
      const res = await get(withToken + path);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      const html = res.body.toString();
      for (const link of ['profile?seconds=30', 'heap?seconds=10', 'trace?seconds=5', 'goroutine']) assert.ok(html.includes(`href="${link}"`), link);
      assert.match(html, /any other caller needs <code>Authorization: Bearer/);
    }
    assert.match((await get(noToken + '/debug/pprof/')).body.toString(), /no PAYSIDECAR_DEBUG_TOKEN is configured, so every other caller gets 403/);
  });

  test('paths outside /debug/pprof are not handled', async () => {
    assert.equal((await get(withToken + '/metrics')).status, 418);
    assert.equal((await get(withToken + '/debug/pprofile')).status, 418);
  });

  test('goroutine: active handles by type, with the listening servers described', async () => {
    const res = await get(withToken + '/debug/pprof/goroutine');
    assert.equal(res.status, 200);
    const text = res.body.toString();
    assert.match(text, /^active resources: \d+ \(handles \d+, requests \d+\)/);
    assert.match(text, /\d+ TCPServerWrap/);
    assert.ok(text.includes(`Server listening on ${new URL(withToken).host}`), text);
  });

  test('profile: a gzipped pprof CPU profile', async () => {
    const res = await get(withToken + '/debug/pprof/profile?seconds=1');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    const p = decodeProfile(res.body);
    assertPprofInvariants(p, [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ]);
  });

  test('one capture at a time: 409 while busy, on every handler of the process, then free again', async () => {
    const first = get(withToken + '/debug/pprof/profile?seconds=2');
    await sleep(200);
    for (const url of [`${withToken}/debug/pprof/heap?seconds=1`, `${withToken}/debug/pprof/trace?seconds=1`, `${noToken}/debug/pprof/profile?seconds=1`]) {
      const busy = await get(url);
      assert.equal(busy.status, 409, url);
      assert.equal(code(busy.body), 'PAYSIDECAR_CAPTURE_BUSY');
      assert.match(busy.body.toString(), /a profile capture is running/);
    }
    assert.equal((await get(withToken + '/debug/pprof/goroutine')).status, 200, 'goroutine is not a capture');
    assert.equal((await first).status, 200);
    assert.equal((await get(withToken + '/debug/pprof/heap?seconds=1')).status, 200);
  });

  test('a capture whose caller goes away is stopped and frees the lock', async () => {
    const ac = new AbortController();
    const gone = fetch(withToken + '/debug/pprof/profile?seconds=60', { signal: ac.signal }).catch((e: Error) => e);
    await sleep(200);
    ac.abort();
    assert.ok((await gone) instanceof Error);
    let status = 409;
    const deadline = Date.now() + 5000;
    while (status === 409 && Date.now() < deadline) {
      await sleep(100);
      status = (await get(withToken + '/debug/pprof/trace?seconds=1')).status;
    }
    assert.equal(status, 200, 'a new capture runs within seconds, not after 60');
    assert.ok(logged.some((l) => l.includes('the caller went away')));
  });

  test('bad parameters: 400 naming the parameter, the value and the range', async () => {
    const cases: Array<[string, RegExp]> = [
      ['profile?seconds=0', /seconds: "0" is invalid, expected an integer from 1 to 300/],
      ['profile?seconds=301', /seconds: "301" is invalid/],
      ['trace?seconds=abc', /seconds: "abc" is invalid/],
      ['heap?interval=12', /interval: "12" is invalid, expected an integer from 1024 to 67108864/],
    ];
    for (const [path, message] of cases) {
      const res = await get(`${withToken}/debug/pprof/${path}`);
      assert.equal(res.status, 400, path);
      assert.equal(code(res.body), 'PAYSIDECAR_BAD_PARAMETER');
      assert.match((JSON.parse(res.body.toString()) as { message: string }).message, message);
    }
  });

  test('unknown profile 404 lists the known ones, whatever the method; other methods on a profile 405', async () => {
    const nf = await get(withToken + '/debug/pprof/mutex');
    assert.equal(nf.status, 404);
    assert.equal(code(nf.body), 'PAYSIDECAR_NOT_FOUND');
    assert.match(nf.body.toString(), /known profiles are \/debug\/pprof\/profile, \/debug\/pprof\/heap, \/debug\/pprof\/trace, \/debug\/pprof\/goroutine/);
    const postUnknown = await fetch(withToken + '/debug/pprof/mutex', { method: 'POST' });
    assert.equal(postUnknown.status, 404);
    await postUnknown.arrayBuffer();
    for (const path of ['/debug/pprof/profile', '/debug/pprof/']) {
      const post = await fetch(withToken + path, { method: 'POST' });
      assert.equal(post.status, 405, path);
      assert.equal(post.headers.get('allow'), 'GET, HEAD');
      assert.equal(post.headers.get('content-type'), 'application/json; charset=utf-8');
      const body = (await post.json()) as { code: string; message: string };
      assert.equal(body.code, 'PAYSIDECAR_METHOD_NOT_ALLOWED');
      assert.match(body.message, /^method not allowed: POST \/debug\/pprof\/.*: use GET$/);
    }
  });

  test('access: a caller behind a proxy needs the bearer token; the token is never echoed or logged', async () => {
    const proxied = { 'x-forwarded-for': '203.0.113.9' };
    const none = await get(withToken + '/debug/pprof/goroutine', proxied);
    assert.equal(none.status, 403);
    assert.equal(code(none.body), 'PAYSIDECAR_DEBUG_FORBIDDEN');
    assert.match(none.body.toString(), /must send Authorization: Bearer <PAYSIDECAR_DEBUG_TOKEN>/);
    const wrong = await get(withToken + '/debug/pprof/goroutine', { ...proxied, authorization: 'Bearer nope' });
    assert.equal(wrong.status, 403);
    assert.match(wrong.body.toString(), /does not match/);
    const right = await get(withToken + '/debug/pprof/goroutine', { ...proxied, authorization: `Bearer ${TOKEN}` });
    assert.equal(right.status, 200);
    const forwarded = await get(withToken + '/debug/pprof/', { forwarded: 'for=203.0.113.9' });
    assert.equal(forwarded.status, 403, 'Forwarded counts as proxied too');

    const noTok = await get(noToken + '/debug/pprof/goroutine', { ...proxied, authorization: `Bearer ${TOKEN}` });
    assert.equal(noTok.status, 403);
    assert.match(noTok.body.toString(), /no debug token is configured \(PAYSIDECAR_DEBUG_TOKEN\), so only loopback callers are served/);

    for (const text of [none.body.toString(), wrong.body.toString(), noTok.body.toString(), ...logged]) assert.ok(!text.includes(TOKEN));
  });

  test('access decisions by peer address', () => {
    const req = (remoteAddress: string, headers: Record<string, string> = {}) => ({ socket: { remoteAddress } as Socket, headers }) as unknown as IncomingMessage;
    // Every spelling of loopback is test/net/peer.test.ts's business; here: the verdicts built on it.
    assert.equal(checkDebugAccess(req('::ffff:127.0.0.1'), undefined).ok, true);
    assert.equal(checkDebugAccess(req('::ffff:10.0.0.7'), undefined).ok, false);
    assert.equal(checkDebugAccess(req('10.0.0.7'), TOKEN).ok, false);
    assert.equal(checkDebugAccess(req('10.0.0.7', { authorization: `Bearer ${TOKEN}` }), TOKEN).ok, true);
    assert.equal(checkDebugAccess(req('10.0.0.7', { authorization: `bearer ${TOKEN}` }), TOKEN).ok, true, 'the scheme is case-insensitive');
    assert.equal(checkDebugAccess(req('10.0.0.7', { authorization: `Basic ${TOKEN}` }), TOKEN).ok, false);
    assert.equal(checkDebugAccess(req('10.0.0.7', { authorization: `Bearer ${TOKEN}` }), undefined).ok, false);
    assert.equal(checkDebugAccess(req('::1'), undefined).ok, true);
  });

  test('trace: a Chrome Trace Event timeline with requests and their trace ids, GC, blocks and counters', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const capture = get(withToken + '/debug/pprof/trace?seconds=1');
    await sleep(150);
    const inbound = await Promise.all(
      [1, 2, 3].map((n) => fetch(`${app}/work?n=${n}&secret=x`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } }).then((r) => r.text())),
    );
    assert.deepEqual(inbound, ['done', 'done', 'done']);
    await new Promise<void>((resolve, reject) => {
      const r = httpRequest(`${app}/outbound`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b8-01` } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      r.on('error', reject);
      r.end();
    });
    const end = Date.now() + 80;
    while (Date.now() < end); // an 80 ms event-loop block
    gc();
    const res = await capture;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const doc = JSON.parse(res.body.toString()) as TraceDocument;
    assert.ok(Array.isArray(doc.traceEvents));
    for (const e of doc.traceEvents) {
      assert.ok(['X', 'B', 'E', 'i', 'C', 'M'].includes(e.ph), e.ph);
      assert.equal(typeof e.ts, 'number');
      assert.equal(e.pid, process.pid);
      if (e.ph === 'X') assert.ok(typeof e.dur === 'number' && e.dur >= 0);
    }
    const x = doc.traceEvents.filter((e) => e.ph === 'X');
    const served = x.filter((e) => e.cat === 'http.server' && e.name === 'GET /work');
    assert.equal(served.length, 3, 'the three inbound requests, path only');
    assert.ok(served.every((e) => e.args?.trace_id === traceId && e.args?.status === 200 && e.dur! >= 15_000));
    assert.ok(!x.some((e) => String(e.name).includes('secret=')), 'query strings are left out');
    assert.ok(!x.some((e) => String(e.name).includes('/debug/pprof')), 'the capture request itself is not drawn');
    const fetched = x.filter((e) => e.cat === 'http.client' && e.args?.client === 'undici');
    assert.equal(fetched.length, 3, 'fetch calls come from undici channels');
    const outbound = x.find((e) => e.cat === 'http.client' && String(e.name).endsWith('/outbound'));
    assert.equal(outbound?.args?.trace_id, traceId);
    const block = x.find((e) => e.name === 'event-loop block');
    assert.ok(block && block.dur! >= 70_000, `a block of about 80 ms: ${JSON.stringify(block)}`);
    assert.ok(x.some((e) => e.cat === 'gc' && e.name === 'GC major'), 'the forced GC');
    const counters = doc.traceEvents.filter((e) => e.ph === 'C');
    assert.ok(counters.filter((e) => e.name === 'event loop utilization').length >= 5);
    assert.ok(counters.filter((e) => e.name === 'heap').every((e) => Number(e.args?.used) > 0));
    // Requests that overlap sit on different lanes, so complete events on one lane never overlap.
    const byTid = new Map<number, Array<{ ts: number; end: number }>>();
    for (const e of x.filter((ev) => String(ev.cat).startsWith('http.'))) {
      byTid.set(e.tid, [...(byTid.get(e.tid) ?? []), { ts: e.ts, end: e.ts + e.dur! }]);
    }
    for (const spans of byTid.values()) {
      spans.sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < spans.length; i++) assert.ok(spans[i].ts >= spans[i - 1].end, 'no overlap within a lane');
    }
    const names = doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.name);
    assert.ok(names.includes('event loop') && names.includes('GC') && names.includes('inbound HTTP #1'));
  });
});
