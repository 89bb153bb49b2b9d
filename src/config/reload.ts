/**
 * Hot reload, whole: watch the config file and the stress-secret file (their directories, so a
 * ConfigMap's `..data` symlink swap is seen; see watch-files.ts), take `reload(trigger)` from
 * SIGHUP, re-run the loader with the inputs the sidecar started with (the same PAYSIDECAR_* env and
 * flags, so precedence is what it was at start), and hand the keys CONFIG_RELOAD marks `live` to
 * the parts that use them. Config owns no live state: each part subscribes (proxy/live,
 * telemetry/reloadable-sampler) and config never imports them.
 *
 * A reload must not stall the requests the sidecar is serving: the file is read, parsed and
 * validated in a child process (load-in-child.ts), subscribers build in slices, and only the
 * swap runs in one turn of the event loop. Reloads never overlap: one asked for while another runs
 * waits for it, and all asked for meanwhile share one more attempt, which reads the file as it is
 * then (the latest file wins).
 *
 * An invalid file changes nothing: the running config stays, the problems are logged (secrets
 * redacted by the loader) and the attempt is counted as a failure. Keys only a restart can change
 * keep their running values; they are named in a warning and raise
 * paysidecar_config_restart_required until the file and the running config agree again.
 */
import type { Logger } from '../telemetry/logger';
import type { Meter } from '@opentelemetry/api';
import { admin } from '../telemetry/names';
import type { LoadInput } from './load';
import { loadInChild, type LoaderOptions } from './load-in-child';
import { CONFIG_KEYS, LIVE_KEYS, type ConfigKey } from './keys';
import type { Config } from './schema';
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

/** Applies a reload to one part of the sidecar; must not throw. */
export type Swap = () => void;

/**
 * A part of the sidecar that takes reloaded values. It checks and builds what it needs (and may
 * throw or reject: then nothing anywhere is swapped) and returns the swap. Building may take
 * several turns of the event loop (a large table built in slices); every subscriber builds before
 * any swaps, and the swaps run together in one turn, so a request sees all old settings or all new.
 */
export type ReloadSubscriber = (
  next: Config,
  changed: ReadonlySet<ConfigKey>,
  stressSecret: string | undefined,
) => Swap | undefined | Promise<Swap | undefined>;

export interface ConfigReload {
  /** The config in effect: the latest live values, the start-up values for the rest. */
  current(): Config;
  /** Never rejects: a failure is an outcome. Asked for while a reload runs, it shares the next attempt. */
  reload(trigger: string): Promise<ReloadOutcome>;
  /** Stops watching and any loader process; a reload asked for after this is refused, uncounted. */
  close(): Promise<void>;
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
  /** The loader process's timeout and script (tests make it fail). */
  loader?: Omit<LoaderOptions, 'signal'>;
}

const NO_RELOAD_SOURCE: ReloadOutcome = {
  result: admin.RELOAD_RESULTS.failure,
  applied: [],
  restartRequired: [],
  problems: ['this sidecar was started without SidecarOptions.loadInput, so there is nothing to reload from'],
};

const SHUTTING_DOWN = 'not reloaded: the sidecar is shutting down';

function canonical(value: unknown): string {
  return value instanceof URL ? value.href : JSON.stringify(value) ?? 'undefined';
}

function changedKeys(from: Config, to: Config): ConfigKey[] {
  return CONFIG_KEYS.filter((k) => canonical(from[k as keyof Config]) !== canonical(to[k as keyof Config]));
}

export function startConfigReload(opts: ConfigReloadOptions): ConfigReload {
  const { input, subscribers, logger, meter } = opts;
  if (!input) return { current: () => opts.initial, reload: () => Promise.resolve(NO_RELOAD_SOURCE), close: () => Promise.resolve() };
  const source: LoadInput = input;
  let running = opts.initial;
  let runningSecret = opts.initialSecret;
  let restartPending: ConfigKey[] = [];

  const reloads = meter.createCounter(admin.CONFIG_RELOADS.otel, { description: admin.CONFIG_RELOADS.description, unit: admin.CONFIG_RELOADS.unit });
  meter
    .createObservableGauge(admin.CONFIG_RESTART_REQUIRED.otel, { description: admin.CONFIG_RESTART_REQUIRED.description, unit: admin.CONFIG_RESTART_REQUIRED.unit })
    .addCallback((r) => r.observe(restartPending.length > 0 ? 1 : 0));

  const stopping = new AbortController();

  function fail(trigger: string, problems: string[]): ReloadOutcome {
    reloads.add(1, { [admin.ATTR_RESULT]: admin.RELOAD_RESULTS.failure });
    logger.error({ trigger, problems }, 'config reload failed; the running config is unchanged');
    return { result: admin.RELOAD_RESULTS.failure, applied: [], restartRequired: restartPending, problems };
  }

  function refused(trigger: string): ReloadOutcome {
    logger.info({ trigger }, SHUTTING_DOWN);
    return { result: admin.RELOAD_RESULTS.failure, applied: [], restartRequired: restartPending, problems: [SHUTTING_DOWN] };
  }

  async function load(trigger: string): Promise<ReloadOutcome> {
    const loaded = await loadInChild(source, { ...opts.loader, signal: stopping.signal });
    if (stopping.signal.aborted) return refused(trigger);
    if (!loaded.ok) return fail(trigger, loaded.problems);
    const { config, secret } = loaded;
    const changed = changedKeys(running, config);
    const applied = changed.filter((k) => LIVE_KEYS.has(k));
    if (secret !== runningSecret && !applied.includes('stressSecret')) applied.push('stressSecret');
    const next = { ...running } as Record<string, unknown>;
    for (const k of applied) next[k] = (config as Record<string, unknown>)[k];
    const appliedSet = new Set(applied);
    const swaps: Swap[] = [];
    try {
      for (const subscriber of subscribers) {
        const swap = await subscriber(next as Config, appliedSet, secret);
        if (swap) swaps.push(swap);
      }
    } catch (err) {
      return fail(trigger, [err instanceof Error ? err.message : String(err)]);
    }
    if (stopping.signal.aborted) return refused(trigger);
    // From here to the end, one synchronous turn: no request runs between two swaps.
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
  const startWatch = () => {
    watch?.close();
    watch = watchFiles(watchedPaths(), () => void reload('file change'), opts.watch || {});
  };

  async function attempt(trigger: string): Promise<ReloadOutcome> {
    const before = watchedPaths().join('\0');
    let outcome: ReloadOutcome;
    try {
      outcome = await load(trigger);
    } catch (err) {
      // A subscriber's swap or the logger threw: still an outcome, never a rejection.
      outcome = fail(trigger, [err instanceof Error ? err.message : String(err)]);
    }
    if (watch && !stopping.signal.aborted && watchedPaths().join('\0') !== before) startWatch();
    return outcome;
  }

  // The attempt running, and the one the reloads asked for meanwhile will share.
  let inProgress: Promise<void> | undefined;
  let queued: { triggers: Set<string>; waiters: Array<(outcome: ReloadOutcome) => void> } | undefined;

  async function runQueued(): Promise<void> {
    while (queued) {
      const batch = queued;
      queued = undefined;
      let outcome: ReloadOutcome;
      try {
        outcome = await attempt([...batch.triggers].join(', '));
      } catch (err) {
        // Only a logger that throws gets here; the queue must still move on, and every caller hear.
        outcome = { result: admin.RELOAD_RESULTS.failure, applied: [], restartRequired: restartPending, problems: [err instanceof Error ? err.message : String(err)] };
      }
      for (const resolve of batch.waiters) resolve(outcome);
    }
    inProgress = undefined;
  }

  function reload(trigger: string): Promise<ReloadOutcome> {
    if (stopping.signal.aborted) return Promise.resolve(refused(trigger));
    return new Promise((resolve) => {
      queued ??= { triggers: new Set(), waiters: [] };
      queued.triggers.add(trigger);
      queued.waiters.push(resolve);
      inProgress ??= runQueued();
    });
  }

  if (opts.watch !== false && watchedPaths().length > 0) startWatch();

  return {
    current: () => running,
    reload,
    async close() {
      stopping.abort();
      watch?.close();
      await inProgress;
    },
  };
}
