/**
 * Hot reload: re-run the loader with the inputs the sidecar started with (the file, the same
 * PAYSIDECAR_* env and the same flags, so precedence is what it was at start), then put the
 * reloadable settings into effect between two requests. An invalid file changes nothing: the
 * running config stays, the problems are logged (secrets redacted by the loader) and the attempt
 * is counted as a failure. Settings only a restart can change (listen addresses, upstream,
 * timeouts …) keep their running values; they are named in a warning and raise
 * paysidecar_config_restart_required until the file and the running config agree again.
 */
import type { Logger } from '../telemetry/logger';
import type { Meter } from '@opentelemetry/api';
import { ConfigError } from '../errors';
import { admin } from '../telemetry/names';
import { loadConfig, type LoadInput } from './load';
import { CONFIG_KEYS, type Config, type ConfigKey } from './schema';
import { resolveStressSecret } from './stress-secret';

/** What a reload can change under a running sidecar; everything else needs a restart. */
export const RELOADABLE_KEYS: ReadonlySet<ConfigKey> = new Set<ConfigKey>([
  'trustCidr',
  'stressSecret',
  'stressSecretFile',
  'stressSecretOverlap',
  'traceSampleRatio',
  'sampleStress',
  'logLevel',
  'route',
  'accessLogSample',
  'maxInflight',
  'drainTimeout',
]);

export interface ReloadOutcome {
  result: (typeof admin.RELOAD_RESULTS)[keyof typeof admin.RELOAD_RESULTS];
  /** Reloadable keys now in effect with new values (`stressSecret` also when only the secret file's contents changed). */
  applied: ConfigKey[];
  /** Keys the file changes that only a restart applies; their running values are kept. */
  restartRequired: ConfigKey[];
  /** Why a failed reload was refused, one line each. */
  problems: string[];
}

export interface ReloadTarget {
  /** Puts the reloadable part of `next` into effect; called only with a valid config. */
  apply(next: Config, changed: ReadonlySet<ConfigKey>, stressSecret: string | undefined): void;
}

export interface ConfigReloader {
  /** The config in effect: the latest reloadable values, the start-up values for the rest. */
  current(): Config;
  reload(trigger: string): ReloadOutcome;
}

function canonical(value: unknown): string {
  return value instanceof URL ? value.href : JSON.stringify(value) ?? 'undefined';
}

function changedKeys(from: Config, to: Config): ConfigKey[] {
  return CONFIG_KEYS.filter((k) => canonical(from[k as keyof Config]) !== canonical(to[k as keyof Config]));
}

export interface ReloaderOptions {
  /** What the running config was loaded from; every reload loads it again. */
  input: LoadInput;
  initial: Config;
  /** The stress secret in effect at start (resolved from the config or its file). */
  initialSecret: string | undefined;
  target: ReloadTarget;
  logger: Logger;
  meter: Meter;
}

export function createConfigReloader(opts: ReloaderOptions): ConfigReloader {
  const { input, target, logger, meter } = opts;
  let running = opts.initial;
  let runningSecret = opts.initialSecret;
  let restartPending: ConfigKey[] = [];

  const reloads = meter.createCounter(admin.CONFIG_RELOADS.otel, { description: admin.CONFIG_RELOADS.description, unit: admin.CONFIG_RELOADS.unit });
  meter
    .createObservableGauge(admin.CONFIG_RESTART_REQUIRED.otel, { description: admin.CONFIG_RESTART_REQUIRED.description, unit: admin.CONFIG_RESTART_REQUIRED.unit })
    .addCallback((r) => r.observe(restartPending.length > 0 ? 1 : 0));

  function fail(trigger: string, problems: string[]): ReloadOutcome {
    reloads.add(1, { [admin.ATTR_RESULT]: admin.RELOAD_RESULTS.failure });
    logger.error({ trigger, problems }, 'config reload failed; the running config is unchanged');
    return { result: admin.RELOAD_RESULTS.failure, applied: [], restartRequired: restartPending, problems };
  }

  return {
    current: () => running,
    reload(trigger) {
      let loaded: Config;
      let secret: string | undefined;
      try {
        loaded = loadConfig(input).config;
        secret = resolveStressSecret(loaded);
      } catch (err) {
        if (err instanceof ConfigError) return fail(trigger, err.problems);
        return fail(trigger, [err instanceof Error ? err.message : String(err)]);
      }
      const changed = changedKeys(running, loaded);
      const applied = changed.filter((k) => RELOADABLE_KEYS.has(k));
      if (secret !== runningSecret && !applied.includes('stressSecret')) applied.push('stressSecret');
      const next = { ...running } as Record<string, unknown>;
      for (const k of applied) next[k] = (loaded as Record<string, unknown>)[k];
      try {
        target.apply(next as Config, new Set(applied), secret);
      } catch (err) {
        return fail(trigger, [err instanceof Error ? err.message : String(err)]);
      }
      running = next as Config;
      runningSecret = secret;
      restartPending = changed.filter((k) => !RELOADABLE_KEYS.has(k));
      reloads.add(1, { [admin.ATTR_RESULT]: admin.RELOAD_RESULTS.success });
      logger.info({ trigger, applied }, applied.length > 0 ? 'config reloaded' : 'config reloaded: nothing changed');
      if (restartPending.length > 0) {
        logger.warn({ trigger, keys: restartPending }, `config changes ${restartPending.join(', ')}, which take effect only after a restart; the running values are kept`);
      }
      return { result: admin.RELOAD_RESULTS.success, applied, restartRequired: restartPending, problems: [] };
    },
  };
}
