/**
 * A request whose body arrives after its head, in a later socket read: the app's calls made once
 * the body is read (from the body's 'end' listener, as body parsers do) must still carry that
 * request's context. They left with no stress markers and a new trace on the context-only path,
 * so stress traffic reached the app's downstreams as prod.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SCENARIO, TRACE, useBothPaths } from './both-paths';

const both = useBothPaths();

/** Sends the head, then the body `delayMs` later in its own write; resolves with the raw answer. */
function postBodyLater(base: string, path: string, headers: string, delayMs: number): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    let raw = '';
    const s = net.connect(Number(port), '127.0.0.1', () => {
      s.write(`POST ${path} HTTP/1.1\r\nHost: app\r\n${headers}Content-Length: 5\r\nConnection: close\r\n\r\n`);
      setTimeout(() => s.write('hello'), delayMs);
    });
    const timer = setTimeout(() => s.destroy(new Error('no answer in 5 s')), 5000);
    s.on('data', (d) => (raw += d.toString()));
    s.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(raw);
    });
  });
}

let nextId = 0;

for (const [name, app] of both.paths) {
  describe(`a body read after its head (${name})`, () => {
    for (const via of ['http', 'fetch']) {
      test(`${via}: a stress request's call from the body's end listener carries its trace and stress markers`, async () => {
        const id = `body-stress-${++nextId}`;
        const raw = await postBodyLater(app().base, `/call-after-body?via=${via}&id=${id}`, `X-Test-Env: ${SCENARIO}\r\ntraceparent: 00-${TRACE}-b7ad6b7169203331-01\r\n`, 150);
        assert.match(raw, /^HTTP\/1\.1 200 /, raw);
        assert.match(raw, /"size":5/, 'the app read the whole body');
        const seen = both.downstream.seen.get(id);
        assert.ok(seen, `downstream never saw ${id}`);
        assert.equal(seen['x-test-env'], SCENARIO);
        assert.equal(seen['x-trace-id'], `t-${TRACE}`);
        assert.match(String(seen.traceparent), new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
        assert.match(String(seen.baggage), /(^|,)stress=stress-v2(,|$)/);
      });

      test(`${via}: a prod request's call from the body's end listener carries its trace and no stress markers`, async () => {
        const id = `body-prod-${++nextId}`;
        const raw = await postBodyLater(app().base, `/call-after-body?via=${via}&id=${id}`, `traceparent: 00-${TRACE}-b7ad6b7169203331-01\r\n`, 150);
        assert.match(raw, /^HTTP\/1\.1 200 /, raw);
        const seen = both.downstream.seen.get(id);
        assert.ok(seen, `downstream never saw ${id}`);
        assert.equal(seen['x-test-env'], undefined);
        assert.equal(seen['x-trace-id'], `tr-${TRACE}`);
      });
    }
  });
}
