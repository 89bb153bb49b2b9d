/**
 * Starts the gateway in-process: `startGateway({ platformUrl, keysDir, port: 0 })` →
 * `{ url, close() }`. Replays the journal (when configured) before listening.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { ensureKeysDir, loadMerchantKeys, loadTls, type MerchantKeys } from '../wxpay/keys';
import { CACHES, JOURNAL_OUTCOMES, ATTR_OUTCOME } from './names';
import { packageVersion } from '../../../src/version';
import { listenError } from '../wxpay/server/listen-error';
import { buildGatewayApp } from './app';
import type { GatewayContext } from './context';
import { GatewayFaultInjector, type GatewayFaults } from './inbound/faults';
import type { RateLimitOptions } from './inbound/rate-limit';
import { GatewayMetrics } from './metrics';
import { PlatformApi } from './platform/api';
import { PlatformClient, RESILIENCE_DEFAULTS, type ResilienceOptions } from './platform/client';
import { VerifiedKeyCache } from './platform/verified-keys';
import { Accounts } from './state/accounts';
import { Journal, NoJournal, type JournalSink } from './state/journal';
import { KeyedMutex } from './state/keyed-mutex';
import { OrderBook } from './state/orders';
import { MERCHANT_ACCOUNT, type JournalRecord } from './state/records';
import { TtlCache } from './state/ttl-cache';

export const GATEWAY_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  platformUrl: 'http://127.0.0.1:8090',
  keysDir: '.paysidecar-keys',
  rateLimit: { ratePerSecond: 1000, burst: 2000 } satisfies RateLimitOptions,
  /** Opening balance of a payer account seen for the first time (fen): 10 000 CNY. */
  openingBalance: 1_000_000,
  /** Platform certificates are downloaded again after this long (real merchants: about 12 h). */
  certificateRefreshMs: 12 * 3_600_000,
  /** Callback ids are remembered for the whole redelivery window (24h4m) plus a margin. */
  notifyIdTtlMs: 25 * 3_600_000,
  notifyIdMax: 100_000,
  resilience: RESILIENCE_DEFAULTS,
} as const;

export interface GatewayOptions {
  /** Listen host (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 8080; 0 picks a free port). */
  port?: number;
  /** Payment platform base URL (default http://127.0.0.1:8090). */
  platformUrl?: string;
  /** Keys directory shared with the platform, created when missing (default .paysidecar-keys). */
  keysDir?: string;
  /**
   * Base URL the platform calls back; callbacks go to <base>/notify/wxpay and <base>/notify/refund.
   * Point it at a sidecar in front of the gateway to trace callbacks (default: the gateway's own URL).
   */
  notifyUrl?: string;
  /** Journal file: every state change is appended (fsync'd) and replayed at start (default: memory only). */
  journal?: string;
  /** Inbound token bucket on /api/* (default 1000/s, burst 2000; ratePerSecond 0 disables). */
  rateLimit?: RateLimitOptions;
  /** Outbound pool, timeout, retry and breaker settings (defaults in RESILIENCE_DEFAULTS). */
  resilience?: Partial<ResilienceOptions>;
  /** Faults active from the start (default none). */
  faults?: GatewayFaults;
  /** Opening balance of payer accounts (default 1 000 000 fen); the merchant account opens at 0. */
  openingBalance?: number;
  /** Opening balances for specific accounts (overrides openingBalance; ignored once the journal has the account). */
  accounts?: Record<string, number>;
  /** How often GET /v3/certificates is called again (default 12 h); an unknown serial also triggers it. */
  certificateRefreshMs?: number;
  /** Download the certificates before listening (default false: start on the keys directory's certificate, download on the first unknown serial). */
  certificateDownloadAtStart?: boolean;
  /** Serve HTTPS with the keys directory's TLS certificate (default off). */
  tls?: boolean;
  notifyIdTtlMs?: number;
  notifyIdMax?: number;
  /** Default: pino at info to stdout. */
  logger?: Logger;
}

export interface RunningGateway {
  readonly url: string;
  readonly address: AddressInfo;
  readonly keys: MerchantKeys;
  readonly faults: GatewayFaultInjector;
  readonly client: PlatformClient;
  /** What the journal replay found (0 records without a journal). */
  readonly replay: { records: number; truncatedBytes: number };
  readonly logger: Logger;
  /** The fastify app (tests use `app.inject` to play a non-loopback peer). */
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** `--notify-url` may be a base or the full …/notify/wxpay URL; both mean the same base. */
export function notifyBaseFrom(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/notify\/wxpay$/, '');
}

export async function startGateway(opts: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = opts.logger ?? pino({ name: 'paysidecar-gateway' });
  const ensured = await ensureKeysDir(opts.keysDir ?? GATEWAY_DEFAULTS.keysDir);
  const keys = await loadMerchantKeys(ensured.dir);
  let client: PlatformClient | undefined;
  const metrics = new GatewayMetrics(() => client?.breakerState() ?? 0);

  let journal: JournalSink<JournalRecord> = new NoJournal();
  const replayInfo = { records: 0, truncatedBytes: 0 };
  const orders = new OrderBook();
  const seeded = opts.accounts ?? {};
  const openingBalance = opts.openingBalance ?? GATEWAY_DEFAULTS.openingBalance;
  const accountsObserver = { deduction: (outcome: string) => metrics.deductions.add(1, { [ATTR_OUTCOME]: outcome }) };
  let accounts: Accounts;
  const opening = (id: string) => seeded[id] ?? (id === MERCHANT_ACCOUNT ? 0 : openingBalance);
  if (opts.journal) {
    const opened = await Journal.open<JournalRecord>(opts.journal, {
      written: (n, s) => {
        metrics.journalWrites.add(n, { [ATTR_OUTCOME]: JOURNAL_OUTCOMES.ok });
        metrics.journalFsync.record(s);
      },
      failed: (n, err) => {
        metrics.journalWrites.add(n, { [ATTR_OUTCOME]: JOURNAL_OUTCOMES.error });
        logger.error({ err, journal: opts.journal }, 'journal write failed');
      },
    });
    journal = opened.journal;
    accounts = new Accounts(journal, opening, accountsObserver);
    for (const r of opened.replay.records) {
      if (r.k === 'order') orders.put(r.v);
      else if (r.k === 'account') accounts.restore(r.v);
    }
    replayInfo.records = opened.replay.records.length;
    replayInfo.truncatedBytes = opened.replay.truncatedBytes;
    if (opened.replay.truncatedBytes > 0) {
      metrics.journalTruncated.add(1);
      logger.warn({ journal: opened.journal.path, dropped_bytes: opened.replay.truncatedBytes }, 'journal ended in a truncated record (crash mid-write); dropped it and continued');
    }
    logger.info({ journal: opened.journal.path, records: replayInfo.records, orders: orders.size }, 'journal replayed');
  } else {
    accounts = new Accounts(journal, opening, accountsObserver);
  }

  let platformApi: PlatformApi | undefined;
  const verifiedKeys = new VerifiedKeyCache({
    publicKey: { id: keys.publicKeyId, key: keys.wechatpayPublicKey },
    certificates: [keys.platformCertificate],
    download: (known) => (platformApi ? platformApi.downloadCertificates(known) : Promise.resolve([])),
    logger,
    onLookup: (hit) => metrics.cache(CACHES.platformKeys, hit),
  });
  const resilience: ResilienceOptions = { ...RESILIENCE_DEFAULTS, ...opts.resilience };
  client = new PlatformClient({
    baseUrl: opts.platformUrl ?? GATEWAY_DEFAULTS.platformUrl,
    keys,
    verifiedKeys,
    resilience,
    metrics,
    logger,
    userAgent: `paysidecar-gateway/${packageVersion()} (node ${process.version})`,
    ca: keys.caCertificatePem,
  });
  platformApi = new PlatformApi(client, keys);
  if (opts.certificateDownloadAtStart) await verifiedKeys.refresh();
  verifiedKeys.refreshEvery(opts.certificateRefreshMs ?? GATEWAY_DEFAULTS.certificateRefreshMs);
  const faults = new GatewayFaultInjector(opts.faults ?? {}, metrics);

  let url = '';
  const ctx: GatewayContext = {
    keys,
    orders,
    accounts,
    journal,
    orderLocks: new KeyedMutex(),
    platform: platformApi,
    client,
    verifiedKeys,
    notifyIds: new TtlCache(opts.notifyIdMax ?? GATEWAY_DEFAULTS.notifyIdMax, opts.notifyIdTtlMs ?? GATEWAY_DEFAULTS.notifyIdTtlMs),
    metrics,
    logger,
    notifyBase: () => notifyBaseFrom(opts.notifyUrl ?? url),
    breakerRetryAfterS: Math.max(1, Math.ceil(resilience.breakerHalfOpenAfterMs / 1000)),
  };
  const tls = opts.tls ? await loadTls(keys.dir) : undefined;
  const app = buildGatewayApp(ctx, { rateLimit: opts.rateLimit ?? GATEWAY_DEFAULTS.rateLimit, faults, journalPath: opts.journal, tls });
  const listenHost = opts.host ?? GATEWAY_DEFAULTS.host;
  const listenPort = opts.port ?? GATEWAY_DEFAULTS.port;
  try {
    await app.listen({ host: listenHost, port: listenPort });
  } catch (err) {
    verifiedKeys.stop();
    await client.close();
    await journal.close();
    metrics.dispose();
    throw listenError(err, listenHost, listenPort, 'gateway');
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;
  logger.info({ url, platform: opts.platformUrl ?? GATEWAY_DEFAULTS.platformUrl, notify_base: ctx.notifyBase(), keys_dir: keys.dir, mchid: keys.mchid, journal: opts.journal ?? null }, 'gateway listening');

  let closing: Promise<void> | undefined;
  const activeClient = client;
  return {
    url,
    address,
    keys,
    faults,
    client: activeClient,
    replay: replayInfo,
    logger,
    app,
    close() {
      closing ??= (async () => {
        await app.close();
        verifiedKeys.stop();
        await activeClient.close();
        await journal.close();
        metrics.dispose();
      })();
      return closing;
    },
  };
}
