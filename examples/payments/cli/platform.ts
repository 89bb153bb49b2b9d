/** `paysidecar platform`: the mock WeChat Pay v3 platform. */
import type { Command } from 'commander';
import pino from 'pino';
import { ENV, readEnv } from '../../../src/config/env';
import { parsePlatformFaults, type PlatformFaults } from '../platform/faults';
import { VERIFY_MODES, type VerifyMode } from '../platform/identities';
import { PLATFORM_DEFAULTS, startPlatform, type PlatformOptions } from '../platform/server';
import { KEY_FILES } from '../wxpay/keys';
import { LATENCY_FLAG_EXPECTED, parseLatencyFlag } from '../wxpay/server/latency';
import { EXAMPLE_ENV } from '../env';
import { collect, duration, hostPort, jsonObject, logLevel, oneOf, positiveNumber, ratio, valueType } from '../../../src/config/values';
import { LOG_LEVELS, type LogLevel } from '../../../src/telemetry/logger';
import { ConfigError } from '../../../src/errors';
import { flagOrEnv } from './flag-or-env';

interface Flags {
  listen?: string;
  keysDir?: string;
  notifyTimeScale?: string;
  notifyTimeout?: string;
  signtestProbes?: boolean;
  refundDelay?: string;
  latency?: string;
  errorRate?: string;
  errorStatus?: string;
  resetRate?: string;
  faults?: string;
  verifyMode?: string;
  rotationWindow?: string;
  tls?: boolean;
  logLevel?: string;
}

const latency = valueType(LATENCY_FLAG_EXPECTED, parseLatencyFlag);
const ERROR_STATUS = oneOf(['500', '429', '503'] as const);
const errorStatus = valueType(ERROR_STATUS.expected, (s) => {
  const code = ERROR_STATUS.parse(s);
  return code === undefined ? undefined : (Number(code) as 500 | 429 | 503);
});

/** Flags (then PAYSIDECAR_* env, then defaults) → start options. Throws ConfigError with every problem. */
export function platformOptionsFromFlags(f: Flags, env: NodeJS.ProcessEnv = process.env): PlatformOptions & { logLevel: LogLevel } {
  const problems: string[] = [];
  const listen = collect(...flagOrEnv('--listen', f.listen, EXAMPLE_ENV.PLATFORM_LISTEN, env), hostPort, problems);
  let faults: PlatformFaults = {};
  const faultsJson = collect('--faults', f.faults, jsonObject, problems);
  if (faultsJson !== undefined) {
    const parsed = parsePlatformFaults(faultsJson);
    if (typeof parsed === 'string') problems.push(`--faults: ${parsed}`);
    else faults = parsed;
  }
  const addedLatency = collect('--latency', f.latency, latency, problems);
  if (addedLatency) faults.latency = addedLatency;
  const errorRate = collect('--error-rate', f.errorRate, ratio, problems);
  if (errorRate !== undefined) faults.errorRate = errorRate;
  const status = collect('--error-status', f.errorStatus, errorStatus, problems);
  if (status !== undefined) faults.errorStatus = status;
  const resetRate = collect('--reset-rate', f.resetRate, ratio, problems);
  if (resetRate !== undefined) faults.resetRate = resetRate;
  const options = {
    host: listen?.host,
    port: listen?.port,
    keysDir: f.keysDir ?? readEnv(EXAMPLE_ENV.KEYS_DIR, env),
    notifyTimeScale: collect('--notify-time-scale', f.notifyTimeScale, positiveNumber, problems),
    notifyTimeoutMs: collect('--notify-timeout', f.notifyTimeout, duration, problems),
    signtestProbes: f.signtestProbes === true,
    refundDelayMs: collect('--refund-delay', f.refundDelay, duration, problems),
    faults,
    verifyMode: collect('--verify-mode', f.verifyMode, oneOf(VERIFY_MODES), problems),
    rotationWindowMs: collect('--rotation-window', f.rotationWindow, duration, problems),
    tls: f.tls === true,
    logLevel: collect(...flagOrEnv('--log-level', f.logLevel, ENV.LOG_LEVEL, env), logLevel, problems) ?? 'info',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
}

const PLATFORM_HELP = `
Verify modes (how responses and callbacks are signed; Wechatpay-Serial says which key):
  certificate   a platform certificate's key; Wechatpay-Serial is its hex serial; merchants download
                the certificates with GET /v3/certificates (each encrypted under the APIv3 key)
  public-key    the WeChat Pay public key; Wechatpay-Serial is its PUB_KEY_ID_… id; /v3/certificates
                answers 404, as it does for merchants without certificates
  migration     the switch between the two: each signature uses either, so merchants must accept both

Keys directory (created when missing; shared with the gateway):
  ${KEY_FILES.ids}           mchid, appid, merchant_serial, platform_serial, public_key_id
  ${KEY_FILES.merchantPrivate}  ${KEY_FILES.merchantCertificate}   the merchant's API key and certificate (SDKs read serial_no from it)
  ${KEY_FILES.platformCertificate}      the platform certificate (also served by /v3/certificates)
  ${KEY_FILES.publicKey}            the WeChat Pay public key (public-key mode)
  ${KEY_FILES.apiV3Key}            the APIv3 key
  ${KEY_FILES.caCertificate}            the demo CA: trust it for --tls (NODE_EXTRA_CA_CERTS=<dir>/${KEY_FILES.caCertificate})
  private halves (0600) the platform reads: ${KEY_FILES.caPrivate}, ${KEY_FILES.platformPrivate}, ${KEY_FILES.publicKeyPrivate}, ${KEY_FILES.tlsPrivate}

Pointing an SDK at the mock: give it the mock's URL as its base URL when it takes one
(wechatpay-axios-plugin: baseURL, plus httpsAgent trusting ${KEY_FILES.caCertificate} with --tls). An SDK with
https://api.mch.weixin.qq.com built in (wechatpay-node-v3): run with --tls and either map the host
to 127.0.0.1 in /etc/hosts with the mock on port 443, or give the process an https agent that
connects every request to the mock (see the README).

At run time: POST /mock/pay {"out_trade_no": "…"} pays an order; POST /mock/faults (loopback only)
replaces the faults, {} clears; POST /mock/certificates/rotate (loopback only) rotates the platform
certificate; GET /mock/identity shows the mode and serials.`;

export function registerPlatform(program: Command): void {
  program
    .command('platform')
    .description('run the mock WeChat Pay v3 platform (signed API, encrypted callbacks, redelivery, faults)')
    .option('--listen <host:port>', `listen address (default ${PLATFORM_DEFAULTS.host}:${PLATFORM_DEFAULTS.port}) [env ${EXAMPLE_ENV.PLATFORM_LISTEN.name}]`)
    .option('--keys-dir <dir>', `keys directory, created when missing (default ${PLATFORM_DEFAULTS.keysDir}) [env ${EXAMPLE_ENV.KEYS_DIR.name}]`)
    .option('--notify-time-scale <n>', 'multiply the callback redelivery schedule (15s/15s/30s/3m/…) by n, e.g. 0.001 for tests (default 1)')
    .option('--notify-timeout <duration>', 'a merchant reply later than this counts as failed (default 5s)')
    .option('--signtest-probes', 'precede each first callback with a WECHATPAY/SIGNTEST/ probe a correct merchant refuses')
    .option('--refund-delay <duration>', 'how long a refund stays PROCESSING before REFUND.SUCCESS (default 1s)')
    .option('--latency <spec>', `added latency on /v3 endpoints: ${LATENCY_FLAG_EXPECTED}`)
    .option('--error-rate <0..1>', 'share of /v3 requests answered with --error-status')
    .option('--error-status <code>', '500 SYSTEM_ERROR, 429 FREQUENCY_LIMITED or 503 SERVICE_UNAVAILABLE (default 500)')
    .option('--reset-rate <0..1>', 'share of /v3 requests whose connection is reset')
    .option('--faults <json>', 'faults as POST /mock/faults takes them, incl. per-endpoint rules')
    .option('--verify-mode <mode>', 'how merchants verify the platform: certificate (default), public-key, or migration (each signature uses either)')
    .option('--rotation-window <duration>', 'how long a certificate replaced by POST /mock/certificates/rotate stays listed (default 1h)')
    .option('--tls', `serve HTTPS with ${KEY_FILES.tlsCertificate} (issued by the keys directory's ${KEY_FILES.caCertificate})`)
    .option('--log-level <level>', `${LOG_LEVELS.join('|')} (default info) [env ${ENV.LOG_LEVEL.name}]`)
    .addHelpText('after', PLATFORM_HELP)
    .action(async (f: Flags) => {
      let options: PlatformOptions & { logLevel: LogLevel };
      try {
        options = platformOptionsFromFlags(f);
      } catch (err) {
        if (err instanceof ConfigError) {
          for (const p of err.problems) process.stderr.write(`paysidecar platform: ${p}\n`);
          process.exit(2);
        }
        throw err;
      }
      const logger = pino({ name: 'paysidecar-platform', level: options.logLevel });
      const platform = await startPlatform({ ...options, logger });
      const stop = () => {
        platform.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}

