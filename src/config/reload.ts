/**
 * Hot reload, whole: watch the config file and the stress-secret file (their directories, so a
 * ConfigMap's `..data` symlink swap is seen; see watch-files.ts), take `reload(trigger)` from
 * SIGHUP, re-run the loader with the inputs the sidecar started with (the same PAYSIDECAR_* env and
 * flags, so precedence is what it was at start), and hand the keys CONFIG_RELOAD marks `live` to
 * the parts that use them. Config owns no live state: each part subscribes (proxy/live,
 * telemetry/reloadable-sampler) and config never imports them.
 *
 * An invalid file changes nothing: the running config stays, the problems are logged (secrets
 * redacted by the loader) and the attempt is counted as a failure. Keys only a restart can change
 * keep their running values; they are named in a warning and raise
 * paysidecar_config_restart_required until the file and the running config agree again.
 */
import type { Logger } from '../telemetry/logger';
import type { Meter } from '@opentelemetry/api';
import { ConfigError } from '../errors';
import { admin } from '../telemetry/names';
import { loadConfig, type LoadInput } from './load';
import { CONFIG_KEYS, LIVE_KEYS, type Config, type ConfigKey } from './schema';
import { resolveStressSecret } from './stress-secret';
import { watchFiles, type FileWatch, type WatchOptions } from './watch-files';

export interface ReloadOutcome {
  result: (typeof admin.RELOAD_RESULTS)[keyof typeof admin.RELOAD_RESULTS];
  /** Live keys now in effect with new values (`stressSecret` also when only the secret file's contents changed). */
  applied: ConfigKey[];
  /** Keys the file changes that only a restart applies; their running values are kept. */
  restartRequired: ConfigKey[];
  /** Why a failed reload was refused, one line each. */
  problems: string[];
}

/**
 * A part of the sidecar that takes reloaded values. It checks and builds what it needs (and may
 * throw: then nothing anywhere is swapped) and returns the swap, which must not throw. Every
 * subscriber builds before any swaps, so a request sees all old settings or all new ones.
 */
export type ReloadSubscriber = (next: Config, changed: ReadonlySet<ConfigKey>, stressSecret: string | undefined) => (() => void) | undefined;

export interface ConfigReload {
  /** The config in effect: the latest live values, the start-up values for the rest. */
  current(): Config;
  reload(trigger: string): ReloadOutcome;
  /** Stops watching; a reload after this still works (SIGHUP while draining is harmless). */
  close(): void;
}

export interface ConfigReloadOptions {
  initial: Config;
  /** The stress secret in effect at start (resolved from the config or its file). */
  initialSecret: string | undefined;
  /** What the running config was loaded from; without it `reload()` refuses and nothing is watched. */
  input?: LoadInput;
  /** The config file to watch (resolved from --config or PAYSIDECAR_CONFIG). */
  configFile?: string;
  /** Watch timing, or false to reload on `reload()` (SIGHUP) only. */
  watch?: WatchOptions | false;
  subscribers: readonly ReloadSubscriber[];
  /** Logs each attempt; its level is the `logLevel` key's. */
  /** Settable level: a reload that changes logLevel applies it here. */
  logger: Logger & { level: string };
  meter: Meter;
}

const NO_RELOAD_SOURCE: ReloadOutcome = {
  result: admin.RELOAD_RESULTS.failure,
  applied: [],
  restartRequired: [],
  problems: ['this sidecar was started without SidecarOptions.loadInput, so there is nothing to reload from'],
};

function canonical(value: unknown): string {
  return value instanceof URL ? value.href : JSON.stringify(value) ?? 'undefined';
}

function changedKeys(from: Config, to: Config): ConfigKey[] {
  return CONFIG_KEYS.filter((k) => canonical(from[k as keyof Config]) !== canonical(to[k as keyof Config]));
}

export function startConfigReload(opts: ConfigReloadOptions): ConfigReload {
  const { input, subscribers, logger, meter } = opts;
  if (!input) return { current: () => opts.initial, reload: () => NO_RELOAD_SOURCE, close: () => undefined };
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

  function load(trigger: string): ReloadOutcome {
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
    const applied = changed.filter((k) => LIVE_KEYS.has(k));
    if (secret !== runningSecret && !applied.includes('stressSecret')) applied.push('stressSecret');
    const next = { ...running } as Record<string, unknown>;
    for (const k of applied) next[k] = (loaded as Record<string, unknown>)[k];
    const appliedSet = new Set(applied);
    let swaps: Array<() => void>;
    try {
      swaps = subscribers.map((s) => s(next as Config, appliedSet, secret)).filter((s) => s !== undefined);
    } catch (err) {
      return fail(trigger, [err instanceof Error ? err.message : String(err)]);
    }
    // First, so what the swaps log is filtered at the new level.
    if (appliedSet.has('logLevel')) logger.level = (next as Config).logLevel;
    for (const swap of swaps) swap();
    running = next as Config;
    runningSecret = secret;
    restartPending = changed.filter((k) => !LIVE_KEYS.has(k));
    reloads.add(1, { [admin.ATTR_RESULT]: admin.RELOAD_RESULTS.success });
    logger.info({ trigger, applied }, applied.length > 0 ? 'config reloaded' : 'config reloaded: nothing changed');
    if (restartPending.length > 0) {
      logger.warn({ trigger, keys: restartPending }, `config changes ${restartPending.join(', ')}, which take effect only after a restart; the running values are kept`);
    }
    return { result: admin.RELOAD_RESULTS.success, applied, restartRequired: restartPending, problems: [] };
  }

  // A reload may point at another secret file, so the watch follows what is running.
  const watchedPaths = () => [opts.configFile, running.stressSecretFile].filter((p): p is string => p !== undefined);
  let watch: FileWatch | undefined;
  let closed = false;
  const startWatch = () => {
    watch?.close();
    watch = watchFiles(watchedPaths(), () => reload('file change'), opts.watch || {});
  };
  function reload(trigger: string): ReloadOutcome {
    const before = watchedPaths().join('\0');
    const outcome = load(trigger);
    if (watch && !closed && watchedPaths().join('\0') !== before) startWatch();
    return outcome;
  }
  if (opts.watch !== false && watchedPaths().length > 0) startWatch();

  return {
    current: () => running,
    reload,
    close() {
      closed = true;
      watch?.close();
    },
  };
}
