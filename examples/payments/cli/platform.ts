/** `paysidecar platform`: the mock WeChat Pay v3 platform. */
import type { Command } from 'commander';
import pino from 'pino';
import { ENV, readEnv } from '../../../src/config/env';
import { parsePlatformFaults, type PlatformFaults } from '../platform/faults';
import { PLATFORM_DEFAULTS, startPlatform, type PlatformOptions } from '../platform/server';
import { LATENCY_FLAG_EXPECTED, parseLatencyFlag } from '../wxpay/server/latency';
import { EXAMPLE_ENV } from '../env';
import { UsageError, duration, flagValue, hostPort, json, logLevel, positiveNumber, ratio } from '../wxpay/server/flag-values';

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
  logLevel?: string;
}

/** Flags (then PAYSIDECAR_* env, then defaults) → start options. Throws UsageError. */
export function platformOptionsFromFlags(f: Flags, env: NodeJS.ProcessEnv = process.env): PlatformOptions & { logLevel: string } {
  const listen = flagValue(f.listen !== undefined ? '--listen' : EXAMPLE_ENV.PLATFORM_LISTEN.name, f.listen ?? readEnv(EXAMPLE_ENV.PLATFORM_LISTEN, env), hostPort);
  let faults: PlatformFaults = {};
  if (f.faults !== undefined) {
    const parsed = parsePlatformFaults(flagValue('--faults', f.faults, json));
    if (typeof parsed === 'string') throw new UsageError(`--faults: ${parsed}`);
    faults = parsed;
  }
  const latency = flagValue('--latency', f.latency, { parse: parseLatencyFlag, expected: LATENCY_FLAG_EXPECTED });
  if (latency) faults.latency = latency;
  const errorRate = flagValue('--error-rate', f.errorRate, ratio);
  if (errorRate !== undefined) faults.errorRate = errorRate;
  const errorStatus = flagValue('--error-status', f.errorStatus, { parse: (s) => (['500', '429', '503'].includes(s) ? (Number(s) as 500 | 429 | 503) : undefined), expected: 'one of 500|429|503' });
  if (errorStatus !== undefined) faults.errorStatus = errorStatus;
  const resetRate = flagValue('--reset-rate', f.resetRate, ratio);
  if (resetRate !== undefined) faults.resetRate = resetRate;
  return {
    host: listen?.host,
    port: listen?.port,
    keysDir: f.keysDir ?? readEnv(EXAMPLE_ENV.KEYS_DIR, env),
    notifyTimeScale: flagValue('--notify-time-scale', f.notifyTimeScale, positiveNumber),
    notifyTimeoutMs: flagValue('--notify-timeout', f.notifyTimeout, duration),
    signtestProbes: f.signtestProbes === true,
    refundDelayMs: flagValue('--refund-delay', f.refundDelay, duration),
    faults,
    logLevel: flagValue(f.logLevel !== undefined ? '--log-level' : ENV.LOG_LEVEL.name, f.logLevel ?? readEnv(ENV.LOG_LEVEL, env), logLevel) ?? 'info',
  };
}

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
    .option('--log-level <level>', `trace|debug|info|warn|error|silent (default info) [env ${ENV.LOG_LEVEL.name}]`)
    .addHelpText('after', '\nAt run time: POST /mock/faults (loopback only) replaces the faults, {} clears; POST /mock/pay {"out_trade_no": "…"} pays an order.')
    .action(async (f: Flags) => {
      let options: PlatformOptions & { logLevel: string };
      try {
        options = platformOptionsFromFlags(f);
      } catch (err) {
        if (err instanceof UsageError) {
          process.stderr.write(`paysidecar platform: ${err.message}\n`);
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

