/**
 * The one loopback test and peer normaliser: the union of what the three former copies accepted
 * (127/8, ::1, ::ffff:127.x.y.z) plus the spellings node's BlockList knows, and none of the
 * look-alikes a prefix test let through.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { isLoopback, normalizePeer } from '../../src/net/peer';

describe('isLoopback', () => {
  it('accepts 127.0.0.0/8 and ::1 in every spelling, IPv4-mapped included', () => {
    const yes = [
      '127.0.0.1', '127.8.9.10', '127.255.255.255', '127.0.0.0',
      '::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001',
      '::ffff:127.0.0.1', '::FFFF:127.1.2.3', '::ffff:7f00:1',
    ];
    for (const a of yes) assert.equal(isLoopback(a), true, a);
  });

  it('refuses other addresses, look-alikes and non-addresses', () => {
    const no = [
      undefined, '', '0.0.0.0', '::', '10.0.0.7', '192.0.2.2', '128.0.0.1', '126.255.255.255',
      '::ffff:10.0.0.7', '::ffff:a00:7', 'fe80::1', '::2', '::127.0.0.1',
      '127.evil.example', '127.0.0.256', '127.0.0.1.nip.io', 'localhost', '127.1',
    ];
    for (const a of no) assert.equal(isLoopback(a), false, String(a));
  });

  it('a real loopback connection, over IPv4 and on a dual-stack socket, is loopback', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.socket.remoteAddress ?? '');
      res.end();
    });
    server.listen(0, '::');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      for (const host of ['127.0.0.1', '::1']) {
        await new Promise<void>((resolve, reject) => request({ host, port }, (res) => res.resume().on('end', resolve)).on('error', reject).end());
      }
      assert.equal(seen.length, 2);
      assert.match(seen[0], /^::ffff:127\.0\.0\.1$/, 'a dual-stack socket reports IPv4 peers mapped');
      for (const a of seen) assert.equal(isLoopback(a), true, a);
    } finally {
      server.close();
    }
  });
});

describe('normalizePeer', () => {
  it('unwraps IPv4-mapped peers and leaves everything else as it is', () => {
    assert.equal(normalizePeer('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(normalizePeer('::FFFF:10.1.2.3'), '10.1.2.3');
    assert.equal(normalizePeer('10.1.2.3'), '10.1.2.3');
    assert.equal(normalizePeer('2001:db8::1'), '2001:db8::1');
    assert.equal(normalizePeer('::ffff:not-an-ip'), '::ffff:not-an-ip');
    assert.equal(normalizePeer(undefined), '');
  });
});
