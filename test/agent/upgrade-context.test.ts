/**
 * Upgrade requests (WebSocket) carry context too: node publishes no request-start event for
 * them, so the app's 'upgrade' listener, and the upgraded socket's events, ran with no request
 * context on both propagation paths, and a stress WebSocket's calls left as prod on a new trace.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SCENARIO, TRACE, useBothPaths } from './both-paths';

const both = useBothPaths();

/** Upgrades, waits for the 101, sends `call:<afterId>`, waits for `done:<afterId>`; bounded to 5 s. */
function upgradeAndCall(base: string, id: string, afterId: string, headers: string): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    let raw = '';
    const s = net.connect(Number(port), '127.0.0.1', () => {
      s.write(`GET /ws?id=${id} HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: fixture\r\n${headers}\r\n`);
    });
    const timer = setTimeout(() => s.destroy(new Error(`no answer in 5 s: ${JSON.stringify(raw)}`)), 5000);
    s.on('data', (d) => {
      const first = !raw.includes('\r\n\r\n');
      raw += d.toString();
      if (first && raw.includes('\r\n\r\n')) s.write(`call:${afterId}`);
      if (raw.includes(`done:${afterId}`)) {
        clearTimeout(timer);
        s.destroy();
        resolve(raw);
      }
    });
    s.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

let nextId = 0;

for (const [name, app] of both.paths) {
  describe(`an upgraded connection (${name})`, () => {
    test('a stress upgrade: the upgrade listener and the socket events call out with its trace and stress markers', async () => {
      const [id, afterId] = [`ws-stress-${++nextId}`, `ws-stress-msg-${nextId}`];
      const raw = await upgradeAndCall(app().base, id, afterId, `X-Test-Env: ${SCENARIO}\r\ntraceparent: 00-${TRACE}-b7ad6b7169203331-01\r\n`);
      assert.match(raw, /^HTTP\/1\.1 101 /);
      for (const seenId of [id, afterId]) {
        const seen = both.downstream.seen.get(seenId);
        assert.ok(seen, `downstream never saw ${seenId}`);
        assert.equal(seen['x-test-env'], SCENARIO, seenId);
        assert.equal(seen['x-trace-id'], `t-${TRACE}`, seenId);
        assert.match(String(seen.traceparent), new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
      }
    });

    test('a prod upgrade: its trace, and no stress markers', async () => {
      const [id, afterId] = [`ws-prod-${++nextId}`, `ws-prod-msg-${nextId}`];
      await upgradeAndCall(app().base, id, afterId, `traceparent: 00-${TRACE}-b7ad6b7169203331-01\r\n`);
      for (const seenId of [id, afterId]) {
        const seen = both.downstream.seen.get(seenId);
        assert.ok(seen, `downstream never saw ${seenId}`);
        assert.equal(seen['x-test-env'], undefined, seenId);
        assert.equal(seen['x-trace-id'], `tr-${TRACE}`, seenId);
      }
    });
  });
}
