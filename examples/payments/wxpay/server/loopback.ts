/** Fault-injection endpoints answer loopback callers only. */
import { normalizePeer } from '../../../../src/config/cidr';

export function isLoopbackPeer(address: string | undefined): boolean {
  const a = normalizePeer(address);
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}
