#!/usr/bin/env node
/** The `paysidecar` command: wiring only; each command lives in its own file. */
import { Command } from 'commander';
import { packageVersion } from '../version';
import { registerRun } from './run';
import { registerBench } from './bench';
import { registerDemo } from './demo';
import { registerGateway } from './gateway';
import { registerPlatform } from './platform';
import { registerDashboards } from './dashboards';
import { registerAlerts } from './alerts';

const program = new Command('paysidecar')
  .description('Observability sidecar and tracing agent for payment services')
  .version(packageVersion(), '-V, --version')
  .showHelpAfterError()
  .enablePositionalOptions();

registerRun(program);
registerBench(program);
registerDemo(program);
registerGateway(program);
registerPlatform(program);
registerDashboards(program);
registerAlerts(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`paysidecar: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
