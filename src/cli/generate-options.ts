/** What `paysidecar dashboards` and `paysidecar alerts` share: config loading, writing, exit codes. */
import type { Command } from 'commander';
import { ConfigError } from '../errors';
import { loadGeneratorConfig } from '../generate/config';
import { writeGenerated } from '../generate/files';
import { OUTPUTS, type OutputSet } from '../generate/index';

function optionKey(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Registers one generator command writing the output sets of `command`. */
export function registerGenerator(program: Command, command: OutputSet['command'], description: string): void {
  const sets = OUTPUTS.filter((o) => o.command === command);
  const cmd = program.command(command).description(description).option('--config <file>', 'YAML generator config (thresholds, SLO targets, job names, URLs); see README');
  for (const s of sets) {
    cmd.option(`${s.flag} <dir>`, s.flag === '--out' ? `directory to write into (the repository keeps them in ${s.dir}/)` : `also write the ${s.dir}/ files here`);
  }
  cmd.addHelpText('after', `\nThe committed copies are regenerated with:\n  paysidecar ${command} ${sets.map((s) => `${s.flag} ${s.dir}`).join(' ')}`);
  cmd.action((opts: Record<string, string | undefined>) => {
    const name = `paysidecar ${command}`;
    if (!opts.out) {
      process.stderr.write(`${name}: --out is required: expected the directory to write the ${command} into, e.g. --out ${sets[0].dir}\n`);
      process.exit(2);
    }
    let config;
    try {
      config = loadGeneratorConfig(opts.config);
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const p of err.problems) process.stderr.write(`${name}: ${p}\n`);
        process.exit(2);
      }
      throw err;
    }
    let count = 0;
    for (const s of sets) {
      const dir = opts[optionKey(s.flag)];
      if (dir) count += writeGenerated(dir, s.files(config)).length;
    }
    process.stdout.write(`${name}: wrote ${count} files\n`);
  });
}
