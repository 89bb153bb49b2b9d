import { BlockList, isIP } from 'node:net';
import { normalizePeer } from '../net/peer';

/** A peer range; parsing is `cidr` in values.ts. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
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
