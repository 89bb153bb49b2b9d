#!/usr/bin/env node
/** The `paysidecar` command: wiring only; each command lives in its own file. */
import { Command } from 'commander';
import { packageVersion } from '../version';
import { registerRun } from './run';

const program = new Command('paysidecar')
  .description('Observability sidecar and tracing agent for payment services')
  .version(packageVersion(), '-V, --version')
  .showHelpAfterError()
  .enablePositionalOptions();

registerRun(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`paysidecar: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
