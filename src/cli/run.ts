/**
 * `paysidecar run`: load config, start the sidecar, reload on SIGHUP, reopen log files on SIGUSR1,
 * drain on SIGTERM/SIGINT.
 */
import type { Command } from 'commander';
import { loadInChild } from '../config/load-in-child';
import { CONFIG_HELP, CONFIG_KEYS, LIST_KEYS, flagName, type ConfigKey } from '../config/keys';
import { allEnvVars } from '../config/env';
import { ConfigError } from '../errors';
import { startSidecar } from '../sidecar';
import { createLogs, type Logs } from '../telemetry/logs';
import { limitOldSpaceGrowth } from '../runtime/heap-growth';
import { keepProfilesAttributable } from '../runtime/profile-attribution';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function camel(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('run the sidecar proxy in front of the payment app')
    .option('--config <file>', 'YAML config file (keys as below in camelCase); also PAYSIDECAR_CONFIG');
  for (const key of CONFIG_KEYS) {
    const env = allEnvVars().find((e) => e.key === key);
    const help = `${CONFIG_HELP[key]}${env ? ` [env ${env.name}]` : ''}`;
    if (LIST_KEYS.has(key)) cmd.option(`${flagName(key)} <value>`, help, collect);
    else cmd.option(`${flagName(key)} <value>`, help);
  }
  cmd.addHelpText(
    'after',
    '\nPrecedence: defaults < --config file < PAYSIDECAR_* env < flags. Durations: 500ms, 30s, 2m or plain seconds.' +
      '\nThe config file (and --stress-secret-file) is watched and SIGHUP reloads it; settings that need a restart are named in the log.' +
      '\nSIGUSR1 reopens the access and stress log files (logrotate: create + postrotate kill -USR1).',
  );
  cmd.action(async (opts: Record<string, unknown>) => {
    limitOldSpaceGrowth();
    keepProfilesAttributable();
    const flags: Partial<Record<ConfigKey, unknown>> = {};
    for (const key of CONFIG_KEYS) flags[key] = opts[camel(flagName(key))];
    // Installed before start-up, which logs "paysidecar started" before it returns: a SIGHUP sent
    // on that line must not hit node's default (exit). One that comes before the sidecar is up
    // reloads once it is, as the file may have changed after it was read.
    let sidecar: Awaited<ReturnType<typeof startSidecar>> | undefined;
    let stopping = false;
    let reloadWhenUp = false;
    process.on('SIGHUP', () => {
      if (!sidecar) reloadWhenUp = true;
      else if (!stopping) void sidecar.reload('SIGHUP');
    });
    // logrotate renames the log file, then sends SIGUSR1: open the path again. Node's own action on
    // SIGUSR1 is to start the inspector on 127.0.0.1:9229; a listener replaces it, so the signal a
    // log rotation sends never opens a debugger. Installed first, for the same reason as SIGHUP.
    let logs: Logs | undefined;
    process.on('SIGUSR1', () => logs?.reopen());
    try {
      const loadInput = { flags, file: opts.config as string | undefined };
      // In the loader's child process, as every reload is: the schema (zod) never enters this process.
      const loaded = await loadInChild(loadInput);
      if (!loaded.ok) throw new ConfigError(loaded.problems);
      logs = await createLogs(loaded.config);
      sidecar = await startSidecar(loaded.config, { configFile: loaded.file, loadInput, logs });
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const p of err.problems) process.stderr.write(`paysidecar run: ${p}\n`);
        process.exit(2);
      }
      throw err;
    }
    const started = sidecar;
    if (reloadWhenUp) void started.reload('SIGHUP');
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      started.logger.info({ signal }, 'draining');
      started.shutdown().then(
        () => process.exit(0),
        (err: unknown) => {
          started.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
