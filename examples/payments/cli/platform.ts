/** `paysidecar platform`: the mock WeChat Pay v3 platform. */
import type { Command } from 'commander';
import pino from 'pino';
import { ENV, readEnv } from '../../../src/config/env';
import { parsePlatformFaults, type PlatformFaults } from '../platform/faults';
import { PLATFORM_DEFAULTS, startPlatform, type PlatformOptions } from '../platform/server';
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
    logLevel: collect(...flagOrEnv('--log-level', f.logLevel, ENV.LOG_LEVEL, env), logLevel, problems) ?? 'info',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
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
    .option('--log-level <level>', `${LOG_LEVELS.join('|')} (default info) [env ${ENV.LOG_LEVEL.name}]`)
    .addHelpText('after', '\nAt run time: POST /mock/faults (loopback only) replaces the faults, {} clears; POST /mock/pay {"out_trade_no": "…"} pays an order.')
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

