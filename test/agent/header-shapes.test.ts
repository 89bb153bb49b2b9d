/**
 * The app's outbound headers in node:http's array forms (flat [name, value, ...] and nested
 * [[name, value], ...]) go out as the app wrote them, with the agent's headers added, on both
 * propagation paths. They went out mangled: the nested form as one-letter headers on the
 * context-only path, both forms as headers named "0", "1", ... on the SDK path.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from './app-process';
import { SCENARIO, TRACE, useBothPaths } from './both-paths';

const both = useBothPaths();

let nextId = 0;

for (const [name, app] of both.paths) {
  describe(`array headers on an outbound call (${name})`, () => {
    for (const form of ['flat', 'nested']) {
      test(`${form}: the app's headers go out as written, next to the stress request's context`, async () => {
        const id = `array-${form}-${++nextId}`;
        const res = await get(`${app().base}/call-array-headers?form=${form}&id=${id}`, {
          'x-test-env': SCENARIO,
          traceparent: `00-${TRACE}-b7ad6b7169203331-01`,
        });
        assert.equal(res.status, 200, res.text);
        const seen = both.downstream.seen.get(id);
        assert.ok(seen, `downstream never saw ${id}`);
        assert.equal(seen.host, 'pay.example');
        assert.equal(seen['x-app'], 'yes');
        assert.equal(seen['x-dup'], 'a, b');
        assert.equal(seen['0'], undefined, 'no header named by its index');
        assert.equal(seen.t, undefined, 'no one-letter header');
        assert.equal(seen['x-test-env'], SCENARIO);
        assert.equal(seen['x-trace-id'], `t-${TRACE}`);
        assert.match(String(seen.traceparent), new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
      });
    }
  });
}
