/** `paysidecar run`: load config, start the sidecar, reload on SIGHUP, drain on SIGTERM/SIGINT. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load';
import { CONFIG_HELP, CONFIG_KEYS, LIST_KEYS, flagName, type ConfigKey } from '../config/schema';
import { allEnvVars } from '../config/env';
import { ConfigError } from '../errors';
import { startSidecar } from '../sidecar';
import { limitOldSpaceGrowth } from '../runtime/heap-growth';

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
      '\nThe config file (and --stress-secret-file) is watched and SIGHUP reloads it; settings that need a restart are named in the log.',
  );
  cmd.action(async (opts: Record<string, unknown>) => {
    limitOldSpaceGrowth();
    const flags: Partial<Record<ConfigKey, unknown>> = {};
    for (const key of CONFIG_KEYS) flags[key] = opts[camel(flagName(key))];
    let sidecar;
    try {
      const loadInput = { flags, file: opts.config as string | undefined };
      const loaded = loadConfig(loadInput);
      sidecar = await startSidecar(loaded.config, { configFile: loaded.file, loadInput });
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const p of err.problems) process.stderr.write(`paysidecar run: ${p}\n`);
        process.exit(2);
      }
      throw err;
    }
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      sidecar.logger.info({ signal }, 'draining');
      sidecar.shutdown().then(
        () => process.exit(0),
        (err: unknown) => {
          sidecar.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // Also keeps SIGHUP from killing the process, its default.
    process.on('SIGHUP', () => {
      if (!stopping) sidecar.reload('SIGHUP');
    });
  });
}
