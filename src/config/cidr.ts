import { BlockList, isIP } from 'node:net';
import { normalizePeer } from '../net/peer';

export const CIDR_EXPECTED = 'an IPv4 or IPv6 CIDR like 10.0.0.0/8, 127.0.0.1/32 or ::1/128';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

export function parseCidr(text: string): Cidr | undefined {
  const t = text.trim();
  const slash = t.indexOf('/');
  const address = slash === -1 ? t : t.slice(0, slash);
  const fam = isIP(address);
  if (fam === 0) return undefined;
  const max = fam === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { address, prefix, family: fam === 4 ? 'ipv4' : 'ipv6' };
}

/** Membership test over a set of CIDRs, backed by node's BlockList. */
export class CidrSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(cidrs: readonly Cidr[]) {
    for (const c of cidrs) this.list.addSubnet(c.address, c.prefix, c.family);
    this.size = cidrs.length;
  }

  has(peer: string | undefined): boolean {
    if (this.size === 0) return false;
    const addr = normalizePeer(peer);
    const fam = isIP(addr);
    if (fam === 0) return false;
    return this.list.check(addr, fam === 4 ? 'ipv4' : 'ipv6');
  }
}
