/**
 * Who is on the other end of a socket: the one place that reads a peer address. The proxy labels
 * and matches peers with it (trusted CIDRs), /debug/pprof and the example's fault endpoints let
 * loopback callers in with it.
 */
import { BlockList, isIP } from 'node:net';

/** IPv4 peers on a dual-stack socket arrive as ::ffff:a.b.c.d; report and match them as IPv4. */
export function normalizePeer(address: string | undefined): string {
  if (!address) return '';
  const v4 = address.slice(7);
  return address.slice(0, 7).toLowerCase() === '::ffff:' && isIP(v4) === 4 ? v4 : address;
}

// BlockList rather than string prefixes: it knows every spelling of ::1 (0:0:0:0:0:0:0:1) and the
// IPv4-mapped forms in hex (::ffff:7f00:1), and it never mistakes "127.evil" for an address.
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8 or ::1, IPv4-mapped included; false for anything that is not an IP address. */
export function isLoopback(address: string | undefined): boolean {
  const a = normalizePeer(address);
  const family = isIP(a);
  return family !== 0 && LOOPBACK.check(a, family === 4 ? 'ipv4' : 'ipv6');
}
