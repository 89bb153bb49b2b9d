import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutHopByHop } from '../../src/proxy/hop-by-hop';

test('withoutHopByHop copies every end-to-end header and none of the hop-by-hop ones', () => {
  const headers = {
    host: 'pay.example',
    connection: 'keep-alive, X-Conn-Private',
    'keep-alive': 'timeout=5',
    'x-conn-private': 'secret-ish',
    te: 'trailers',
    trailer: 'x-sum',
    upgrade: 'websocket',
    'proxy-authorization': 'Basic abc',
    'proxy-connection': 'keep-alive',
    'proxy-authenticate': 'Basic',
    'transfer-encoding': 'chunked',
    'set-cookie': ['a=1', 'b=2'],
    'content-type': 'application/json',
  };
  const before = JSON.stringify(headers);
  const out = withoutHopByHop(headers);
  assert.deepEqual(out, { host: 'pay.example', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'], 'content-type': 'application/json' });
  assert.equal(JSON.stringify(headers), before, 'the original is left as it was');
  // Names in `drop` go too (the framing the next hop redoes).
  assert.deepEqual(withoutHopByHop(headers, false, new Set(['transfer-encoding'])), { host: 'pay.example', 'set-cookie': ['a=1', 'b=2'], 'content-type': 'application/json' });
});

test('withoutHopByHop keeps connection and upgrade for an upgrade request, and still drops what Connection names', () => {
  const out = withoutHopByHop({ connection: 'Upgrade, X-Private', upgrade: 'websocket', 'x-private': '1', 'keep-alive': '5', host: 'h' }, true);
  assert.deepEqual(out, { connection: 'Upgrade, X-Private', upgrade: 'websocket', host: 'h' });
  assert.deepEqual(withoutHopByHop({ connection: 'close', host: 'h' }), { host: 'h' });
  assert.deepEqual(withoutHopByHop({}), {});
});
