import { BlockList, isIP } from 'node:net';
import { normalizePeer } from '../net/peer';
import { forEachInSlices } from '../runtime/in-slices';

/** A peer range; parsing is `cidr` in values.ts. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Membership test over a set of CIDRs, backed by node's BlockList. */
export class CidrSet {
  private readonly list = new BlockList();
  private count = 0;

  constructor(cidrs: readonly Cidr[]) {
    for (const c of cidrs) this.add(c);
  }

  /** The same set, built a slice at a time: each addSubnet is a call into C++, a thousand of them take milliseconds. */
  static async build(cidrs: readonly Cidr[]): Promise<CidrSet> {
    const set = new CidrSet([]);
    await forEachInSlices(cidrs, (c) => set.add(c));
    return set;
  }

  get size(): number {
    return this.count;
  }

  private add(c: Cidr): void {
    this.list.addSubnet(c.address, c.prefix, c.family);
    this.count++;
  }

  has(peer: string | undefined): boolean {
    if (this.size === 0) return false;
    const addr = normalizePeer(peer);
    const fam = isIP(addr);
    if (fam === 0) return false;
    return this.list.check(addr, fam === 4 ? 'ipv4' : 'ipv6');
  }
}
