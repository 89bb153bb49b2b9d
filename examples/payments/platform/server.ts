/** Starts the mock platform in-process: `startPlatform({ keysDir, port: 0 })` → `{ url, close() }`. */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { ensureKeysDir, loadPlatformKeys, type PlatformKeys } from '../wxpay/keys';
import { listenError } from '../wxpay/server/listen-error';
import { buildPlatformApp } from './app';
import { PlatformIdentities, type VerifyMode } from './identities';
import { FaultInjector, type PlatformFaults } from './faults';
import { NOTIFY_REPLY_DEADLINE_MS } from './notify/schedule';
import { Notifier } from './notify/notifier';
import { PlatformStore } from './store';

export const PLATFORM_DEFAULTS = {
  host: '127.0.0.1',
  port: 8090,
  keysDir: '.paysidecar-keys',
  notifyTimeScale: 1,
  notifyTimeoutMs: NOTIFY_REPLY_DEADLINE_MS,
  refundDelayMs: 1000,
  verifyMode: 'certificate' as VerifyMode,
  /** How long a replaced certificate stays listed (the real overlap is about 5 days). */
  rotationWindowMs: 3_600_000,
} as const;

export interface PlatformOptions {
  /** Listen host (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 8090; 0 picks a free port). */
  port?: number;
  /** Keys directory, created when missing (default .paysidecar-keys). */
  keysDir?: string;
  /** Multiplies the redelivery schedule (default 1; 0.001 turns 15 s into 15 ms). */
  notifyTimeScale?: number;
  /** A merchant reply later than this counts as failed (default 5000 ms). */
  notifyTimeoutMs?: number;
  /** Precede each first callback with a WECHATPAY/SIGNTEST/ probe (default off). */
  signtestProbes?: boolean;
  /** How long a refund stays PROCESSING (default 1000 ms). */
  refundDelayMs?: number;
  /** Faults active from the start (default none). */
  faults?: PlatformFaults;
  /** certificate (default), public-key or migration: who responses and callbacks are signed as. */
  verifyMode?: VerifyMode;
  /** How long a certificate replaced by POST /mock/certificates/rotate stays listed (default 1 h). */
  rotationWindowMs?: number;
  /** Serve HTTPS with the keys directory's TLS certificate (issued by its demo CA; default off). */
  tls?: boolean;
  /** Default: pino at info to stdout. */
  logger?: Logger;
}

export interface RunningPlatform {
  /** Base URL, e.g. http://127.0.0.1:8090 */
  readonly url: string;
  readonly address: AddressInfo;
  readonly keys: PlatformKeys;
  readonly identities: PlatformIdentities;
  readonly keysCreated: boolean;
  readonly store: PlatformStore;
  readonly notifier: Notifier;
  readonly faults: FaultInjector;
  readonly logger: Logger;
  /** The fastify app (tests use `app.inject` to play a non-loopback peer). */
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<RunningPlatform> {
  const logger = opts.logger ?? pino({ name: 'paysidecar-platform' });
  const ensured = await ensureKeysDir(opts.keysDir ?? PLATFORM_DEFAULTS.keysDir);
  const keys = await loadPlatformKeys(ensured.dir);
  const identities = new PlatformIdentities(keys, opts.verifyMode ?? PLATFORM_DEFAULTS.verifyMode);
  const notifier = new Notifier({
    identities,
    ca: keys.ca.certificatePem,
    timeScale: opts.notifyTimeScale ?? PLATFORM_DEFAULTS.notifyTimeScale,
    replyDeadlineMs: opts.notifyTimeoutMs ?? PLATFORM_DEFAULTS.notifyTimeoutMs,
    signtestProbes: opts.signtestProbes ?? false,
    logger,
  });
  const faults = new FaultInjector(opts.faults ?? {});
  const store = new PlatformStore();
  const timers = new Set<NodeJS.Timeout>();
  const app = buildPlatformApp(
    { keys, identities, store, notifier, faults, logger, refundDelayMs: opts.refundDelayMs ?? PLATFORM_DEFAULTS.refundDelayMs, rotationWindowMs: opts.rotationWindowMs ?? PLATFORM_DEFAULTS.rotationWindowMs },
    timers,
    opts.tls ? { key: keys.tls.privateKeyPem.reveal(), cert: keys.tls.certificatePem } : undefined,
  );
  const host = opts.host ?? PLATFORM_DEFAULTS.host;
  const port = opts.port ?? PLATFORM_DEFAULTS.port;
  try {
    await app.listen({ host, port });
  } catch (err) {
    await notifier.close();
    identities.close();
    throw listenError(err, host, port, 'mock platform');
  }
  const address = app.server.address() as AddressInfo;
  const url = `${opts.tls ? 'https' : 'http'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ url, keys_dir: keys.dir, keys_created: ensured.created, mchid: keys.mchid, verify_mode: identities.mode, platform_serial: identities.usesCertificates ? keys.platformSerial : undefined, public_key_id: identities.mode === 'certificate' ? undefined : keys.publicKeyId }, 'mock platform listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    address,
    keys,
    identities,
    keysCreated: ensured.created,
    store,
    notifier,
    faults,
    logger,
    app,
    close() {
      closing ??= (async () => {
        for (const t of timers) clearTimeout(t);
        identities.close();
        await notifier.close();
        await app.close();
      })();
      return closing;
    },
  };
}
