#!/usr/bin/env node
/** The `paysidecar` command: wiring only; each command lives in its own file. */
import { Command } from 'commander';
import { packageVersion } from '../version';
import { EXAMPLE_COMMANDS } from './example';

type Register = (program: Command) => void;

/*
 * Each command's module is loaded only when that command runs (all of them for --help): the
 * sidecar should not carry the gateway, the bench client and the generators in its heap
 * (about 23 MB of RSS at idle).
 */
const COMMANDS: Record<string, () => Register> = {
  run: () => (require('./run') as typeof import('./run')).registerRun,
  bench: () => (require('./bench') as typeof import('./bench')).registerBench,
  dashboards: () => (require('./dashboards') as typeof import('./dashboards')).registerDashboards,
  alerts: () => (require('./alerts') as typeof import('./alerts')).registerAlerts,
  ...EXAMPLE_COMMANDS,
};

const program = new Command('paysidecar')
  .description('Observability sidecar and tracing agent for payment services')
  .version(packageVersion(), '-V, --version')
  .showHelpAfterError()
  .enablePositionalOptions();

const requested = process.argv[2];
const names = requested !== undefined && Object.hasOwn(COMMANDS, requested) ? [requested] : Object.keys(COMMANDS);
for (const name of names) COMMANDS[name]()(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`paysidecar: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
