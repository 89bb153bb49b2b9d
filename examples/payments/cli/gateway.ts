/** `paysidecar gateway`: the included merchant payment gateway. */
import type { Command } from 'commander';
import pino from 'pino';
import { ENV, readEnv } from '../../../src/config/env';
import { RESILIENCE_DEFAULTS } from '../gateway/platform/client';
import { GATEWAY_DEFAULTS, startGateway, type GatewayOptions } from '../gateway/server';
import type { GatewayFaults } from '../gateway/inbound/faults';
import { LATENCY_FLAG_EXPECTED, parseLatencyFlag } from '../wxpay/server/latency';
import { collect, duration, hostPort, httpUrl, intIn, logLevel, positiveDuration, ratio, valueType } from '../../../src/config/values';
import { LOG_LEVELS, type LogLevel } from '../../../src/telemetry/logger';
import { ConfigError } from '../../../src/errors';
import { flagOrEnv } from './flag-or-env';
import { EXAMPLE_ENV } from '../env';
import { formatDuration } from '../../../src/config/duration';

interface Flags {
  listen?: string;
  platform?: string;
  keysDir?: string;
  notifyUrl?: string;
  journal?: string;
  poolSize?: string;
  timeout?: string;
  retries?: string;
  backoff?: string;
  backoffMax?: string;
  breakerThreshold?: string;
  breakerHalfOpen?: string;
  rateLimit?: string;
  rateBurst?: string;
  openingBalance?: string;
  faultLatency?: string;
  faultErrorRate?: string;
  certificateRefresh?: string;
  tls?: boolean;
  logLevel?: string;
}

const BASE_URL = httpUrl({ like: 'http://127.0.0.1:8090', query: false });
/** A base URL that API paths are appended to, kept as written (URL.href would add a trailing slash). */
const baseUrl = valueType<string>(BASE_URL.expected, (s) => (BASE_URL.parse(s) ? s : undefined));
const latency = valueType(LATENCY_FLAG_EXPECTED, parseLatencyFlag);

/** Flags (then PAYSIDECAR_* env, then defaults) → start options. Throws ConfigError with every problem. */
export function gatewayOptionsFromFlags(f: Flags, env: NodeJS.ProcessEnv = process.env): GatewayOptions & { logLevel: LogLevel } {
  const problems: string[] = [];
  const listen = collect(...flagOrEnv('--listen', f.listen, EXAMPLE_ENV.GATEWAY_LISTEN, env), hostPort, problems);
  const platformUrl = collect(...flagOrEnv('--platform', f.platform, EXAMPLE_ENV.GATEWAY_PLATFORM, env), baseUrl, problems);
  const notifyUrl = collect(...flagOrEnv('--notify-url', f.notifyUrl, EXAMPLE_ENV.GATEWAY_NOTIFY_URL, env), baseUrl, problems);
  const faults: GatewayFaults = {};
  const faultLatency = collect('--fault-latency', f.faultLatency, latency, problems);
  if (faultLatency) faults.latency = faultLatency;
  const errorRate = collect('--fault-error-rate', f.faultErrorRate, ratio, problems);
  if (errorRate !== undefined) faults.errorRate = errorRate;
  const rps = collect('--rate-limit', f.rateLimit, intIn(0, 1_000_000), problems);
  const burst = collect('--rate-burst', f.rateBurst, intIn(1, 10_000_000), problems);
  const resilience = {
    connections: collect('--pool-size', f.poolSize, intIn(1, 1024), problems),
    timeoutMs: collect('--timeout', f.timeout, positiveDuration, problems),
    maxRetries: collect('--retries', f.retries, intIn(0, 20), problems),
    backoffInitialMs: collect('--backoff', f.backoff, duration, problems),
    backoffMaxMs: collect('--backoff-max', f.backoffMax, duration, problems),
    breakerThreshold: collect('--breaker-threshold', f.breakerThreshold, intIn(1, 1000), problems),
    breakerHalfOpenAfterMs: collect('--breaker-half-open', f.breakerHalfOpen, duration, problems),
  };
  const openingBalance = collect('--opening-balance', f.openingBalance, intIn(0, Number.MAX_SAFE_INTEGER), problems);
  const level = collect(...flagOrEnv('--log-level', f.logLevel, ENV.LOG_LEVEL, env), logLevel, problems);
  const certificateRefreshMs = collect('--certificate-refresh', f.certificateRefresh, positiveDuration, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    host: listen?.host,
    port: listen?.port,
    platformUrl,
    notifyUrl,
    keysDir: f.keysDir ?? readEnv(EXAMPLE_ENV.KEYS_DIR, env),
    journal: f.journal ?? readEnv(EXAMPLE_ENV.GATEWAY_JOURNAL, env),
    resilience: Object.fromEntries(Object.entries(resilience).filter(([, v]) => v !== undefined)),
    rateLimit: rps === undefined && burst === undefined ? undefined : { ratePerSecond: rps ?? GATEWAY_DEFAULTS.rateLimit.ratePerSecond, burst: burst ?? Math.max(1, 2 * (rps ?? GATEWAY_DEFAULTS.rateLimit.ratePerSecond)) },
    openingBalance,
    faults,
    certificateRefreshMs,
    tls: f.tls === true,
    logLevel: level ?? 'info',
  };
}

export function registerGateway(program: Command): void {
  const r = RESILIENCE_DEFAULTS;
  program
    .command('gateway')
    .description('run the included payment gateway (WeChat Pay v3 merchant side: orders, callbacks, accounts)')
    .option('--listen <host:port>', `listen address (default ${GATEWAY_DEFAULTS.host}:${GATEWAY_DEFAULTS.port}) [env ${EXAMPLE_ENV.GATEWAY_LISTEN.name}]`)
    .option('--platform <url>', `payment platform base URL (default ${GATEWAY_DEFAULTS.platformUrl}) [env ${EXAMPLE_ENV.GATEWAY_PLATFORM.name}]`)
    .option('--keys-dir <dir>', `keys directory shared with the platform, created when missing (default ${GATEWAY_DEFAULTS.keysDir}) [env ${EXAMPLE_ENV.KEYS_DIR.name}]`)
    .option('--notify-url <url>', `base URL the platform calls back: <url>/notify/wxpay and <url>/notify/refund; point it at the sidecar to trace callbacks (default: the gateway itself) [env ${EXAMPLE_ENV.GATEWAY_NOTIFY_URL.name}]`)
    .option('--journal <file>', `append every state change (fsync'd) and replay it at start (default: memory only) [env ${EXAMPLE_ENV.GATEWAY_JOURNAL.name}]`)
    .option('--pool-size <n>', `keep-alive connections to the platform (default ${r.connections})`)
    .option('--timeout <duration>', `per-attempt platform timeout (default ${formatDuration(r.timeoutMs)})`)
    .option('--retries <n>', `retries on network errors, timeouts, 429 and 5xx (default ${r.maxRetries})`)
    .option('--backoff <duration>', `first retry backoff, doubling, jittered (default ${formatDuration(r.backoffInitialMs)})`)
    .option('--backoff-max <duration>', `backoff cap (default ${formatDuration(r.backoffMaxMs)})`)
    .option('--breaker-threshold <n>', `consecutive failures that open the circuit breaker (default ${r.breakerThreshold})`)
    .option('--breaker-half-open <duration>', `open time before a half-open probe (default ${formatDuration(r.breakerHalfOpenAfterMs)})`)
    .option('--rate-limit <rps>', `inbound /api token bucket rate, 0 = off (default ${GATEWAY_DEFAULTS.rateLimit.ratePerSecond})`)
    .option('--rate-burst <n>', `token bucket size (default ${GATEWAY_DEFAULTS.rateLimit.burst}, or 2 x --rate-limit)`)
    .option('--opening-balance <fen>', `opening balance of payer accounts (default ${GATEWAY_DEFAULTS.openingBalance})`)
    .option('--fault-latency <spec>', `added latency on /api: ${LATENCY_FLAG_EXPECTED}`)
    .option('--fault-error-rate <0..1>', 'share of /api requests answered 500 PAYSIDECAR_GATEWAY_FAULT_INJECTED')
    .option('--certificate-refresh <duration>', `how often GET /v3/certificates is downloaded again; an unknown Wechatpay-Serial also triggers it (default ${formatDuration(GATEWAY_DEFAULTS.certificateRefreshMs)})`)
    .option('--tls', 'serve HTTPS with the keys directory\'s tls_cert.pem (issued by its ca_cert.pem)')
    .option('--log-level <level>', `${LOG_LEVELS.join('|')} (default info) [env ${ENV.LOG_LEVEL.name}]`)
    .addHelpText('after', '\nThe gateway verifies the platform under both identities at once: the WeChat Pay public key (pub_key.pem, PUB_KEY_ID_…) and the platform certificates (platform_cert.pem, then GET /v3/certificates, kept only when they chain to ca_cert.pem). An https --platform is trusted through ca_cert.pem.\nAt run time: POST /admin/faults (loopback only) with {"latencyMs": 2500, "errorRate": 0.2} drives p99 > 2 s and errors > 5%; {} clears.')
    .action(async (f: Flags) => {
      let options: GatewayOptions & { logLevel: LogLevel };
      try {
        options = gatewayOptionsFromFlags(f);
      } catch (err) {
        if (err instanceof ConfigError) {
          for (const p of err.problems) process.stderr.write(`paysidecar gateway: ${p}\n`);
          process.exit(2);
        }
        throw err;
      }
      const logger = pino({ name: 'paysidecar-gateway', level: options.logLevel });
      const gateway = await startGateway({ ...options, logger });
      const stop = () => {
        gateway.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
