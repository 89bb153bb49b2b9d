/**
 * Regenerates the example's dashboard: `node dist/examples/payments/dashboards/generate.js DIR
 * [--config FILE]` (DIR is examples/payments/dashboards for the committed copy). A script of the
 * example's own, so the product's CLI never grows an example command; `--config` takes the same
 * generator config as `paysidecar dashboards`.
 */
import { ConfigError } from '../../../src/errors';
import { loadGeneratorConfig } from '../../../src/generate/config';
import { writeGenerated } from '../../../src/generate/files';
import { exampleDashboardFiles } from './files';

const USAGE = 'usage: node dist/examples/payments/dashboards/generate.js DIR [--config FILE]';

function main(argv: readonly string[]): number {
  const configAt = argv.indexOf('--config');
  const configFile = configAt >= 0 ? argv[configAt + 1] : undefined;
  const positional = configAt >= 0 ? argv.filter((_, i) => i !== configAt && i !== configAt + 1) : [...argv];
  if (positional.length !== 1 || (configAt >= 0 && !configFile)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const written = writeGenerated(positional[0], exampleDashboardFiles(loadGeneratorConfig(configFile)));
    process.stdout.write(`payment gateway example dashboards: wrote ${written.length} files\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.problems.join('\n')}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
