/**
 * The README's flag table, generated from the schema so the documentation cannot drift from the CLI.
 * `node scripts/readme-flags.js` rewrites it in README.md;
 * test/config/readme-flags.test.ts fails when README.md holds a different one.
 */
import { loadConfig } from './load';
import { redactedConfig } from './redact';
import { CONFIG_HELP, CONFIG_KEYS, flagName } from './keys';
import { allEnvVars } from './env';

function cell(v: unknown): string {
  if (v === undefined) return '—';
  if (Array.isArray(v)) return v.length ? `\`${v.join(',')}\`` : 'none';
  return `\`${String(v)}\``;
}

export function flagsTable(): string {
  const defaults = redactedConfig(loadConfig({ env: {} }).config);
  const rows = CONFIG_KEYS.map((k) => {
    const env = allEnvVars().find((e) => e.key === k);
    return `| \`${flagName(k)}\` | ${env ? `\`${env.name}\`` : '—'} | \`${k}\` | ${cell(defaults[k])} | ${CONFIG_HELP[k].replace(/\|/g, '\\|')} |`;
  });
  return ['| flag | env | file key | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}
