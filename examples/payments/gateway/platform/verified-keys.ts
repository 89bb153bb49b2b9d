/**
 * Verified platform public keys by serial, bounded and with a TTL. An expired or unknown serial
 * reloads the keys directory (so a rotated key is picked up), at most once per `minReloadMs`:
 * a stream of forged callbacks with made-up serials must not turn into a disk read each.
 */
import type { KeyObject } from 'node:crypto';
import { TtlCache } from '../state/ttl-cache';

export interface KeyLoader {
  (): Promise<{ serial: string; key: KeyObject }>;
}

export interface VerifiedKeyCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** Least time between two reloads of the keys directory (default 1000 ms). */
  minReloadMs?: number;
}

export class VerifiedKeyCache {
  private readonly cache: TtlCache<string, KeyObject>;
  private readonly minReloadMs: number;
  private lastLoad = 0;

  constructor(
    private readonly loader: KeyLoader,
    opts: VerifiedKeyCacheOptions,
    private readonly onLookup: (hit: boolean) => void = () => {},
  ) {
    this.cache = new TtlCache(opts.maxEntries, opts.ttlMs);
    this.minReloadMs = opts.minReloadMs ?? 1000;
  }

  seed(serial: string, key: KeyObject): void {
    this.cache.set(serial, key);
  }

  async lookup(serial: string): Promise<KeyObject | undefined> {
    const hit = this.cache.get(serial);
    this.onLookup(hit !== undefined);
    if (hit) return hit;
    const now = Date.now();
    if (now - this.lastLoad < this.minReloadMs) return undefined;
    this.lastLoad = now;
    try {
      const loaded = await this.loader();
      this.cache.set(loaded.serial, loaded.key);
      return loaded.serial === serial ? loaded.key : undefined;
    } catch {
      return undefined;
    }
  }
}
