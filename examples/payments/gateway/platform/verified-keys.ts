/**
 * The platform keys the gateway verifies responses and callbacks with, by Wechatpay-Serial:
 * the WeChat Pay public key (PUB_KEY_ID_…, from the keys directory) and the platform
 * certificates (seeded from the keys directory, then refreshed from GET /v3/certificates). Both
 * at once, so a platform in the middle of a certificate → public-key migration verifies.
 *
 * Refreshes: every `refreshMs` (real merchants refresh about every 12 h), and when a serial is
 * unknown (a rotated certificate), at most once per `minRefreshMs`: a stream of forged callbacks
 * with made-up serials must not become a stream of downloads. A refresh replaces the downloaded
 * set, so a certificate the platform retired stops verifying.
 */
import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { PlatformCertificate } from '../../wxpay/keys';
import { serialKey } from '../../wxpay/x509/serial';

export interface KeyringOptions {
  publicKey?: { id: string; key: KeyObject };
  certificates: PlatformCertificate[];
  /** Downloads the current certificates; throws when the platform has none (public-key mode answers 404). */
  download?: (known: (serial: string) => KeyObject | undefined) => Promise<PlatformCertificate[]>;
  /** Least time between two downloads triggered by unknown serials (default 1000 ms). */
  minRefreshMs?: number;
  logger?: Logger;
  onLookup?: (hit: boolean) => void;
}

export class VerifiedKeyCache {
  private certs = new Map<string, PlatformCertificate>();
  private lastRefresh = 0;
  private inFlight: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly minRefreshMs: number;

  constructor(private readonly opts: KeyringOptions) {
    for (const c of opts.certificates) this.certs.set(serialKey(c.serial), c);
    this.minRefreshMs = opts.minRefreshMs ?? 1000;
  }

  /** The key for a serial among those known now (no download). */
  known(serial: string, nowMs = Date.now()): KeyObject | undefined {
    if (this.opts.publicKey && serial === this.opts.publicKey.id) return this.opts.publicKey.key;
    const c = this.certs.get(serialKey(serial));
    return c && c.notAfter.getTime() > nowMs ? c.publicKey : undefined;
  }

  /** Serials verifiable now: certificate serials, then the public key id. */
  serials(): string[] {
    return [...[...this.certs.values()].map((c) => c.serial), ...(this.opts.publicKey ? [this.opts.publicKey.id] : [])];
  }

  async lookup(serial: string): Promise<KeyObject | undefined> {
    const hit = this.known(serial);
    this.opts.onLookup?.(hit !== undefined);
    if (hit) return hit;
    if (Date.now() - this.lastRefresh < this.minRefreshMs && !this.inFlight) return undefined;
    await this.refresh();
    return this.known(serial);
  }

  /** Downloads the certificates now (one download at a time); false when it failed. */
  refresh(): Promise<boolean> {
    const download = this.opts.download;
    if (!download) return Promise.resolve(false);
    this.inFlight ??= (async () => {
      this.lastRefresh = Date.now();
      try {
        const certs = await download((s) => this.known(s));
        this.certs = new Map(certs.map((c) => [serialKey(c.serial), c]));
        this.opts.logger?.debug({ serials: certs.map((c) => c.serial) }, 'platform certificates refreshed');
        return true;
      } catch (err) {
        this.opts.logger?.warn({ error: (err as Error).message }, 'platform certificate download failed; keeping the known keys');
        return false;
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  /** Refreshes every `ms` in the background; the timer never keeps the process alive. */
  refreshEvery(ms: number): void {
    this.stop();
    if (!(ms > 0)) return;
    this.timer = setInterval(() => void this.refresh(), ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
