/**
 * Builds the effective config: defaults < YAML file < PAYSIDECAR_* env < flags. Every problem is
 * reported at once, one line each, naming where the value came from, the value and what was
 * expected; secrets are never echoed.
 */
import { readFileSync, statSync } from 'node:fs';
import { CONFIG_FILE_MAX_BYTES } from './limits';
import { ConfigError } from '../errors';
import { allEnvVars, readEnv, unknownEnvVars, ENV } from './env';
import { configSchema, type Config } from './schema';
import { flagName, CONFIG_KEYS, SECRET_KEYS, type ConfigKey } from './keys';
import { invalid, showValue } from './values';

type Raw = Partial<Record<ConfigKey, unknown>>;
type Source = 'file' | 'env' | 'flag';

export interface LoadInput {
  /** Values from CLI flags, keyed by config key; undefined means not given. */
  flags?: Raw;
  env?: NodeJS.ProcessEnv;
  /** Config file path (from --config or PAYSIDECAR_CONFIG). */
  file?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Where each explicitly set key came from. */
  sources: Partial<Record<ConfigKey, Source>>;
  file?: string;
}

function describeSource(key: ConfigKey, source: Source | undefined, file?: string): string {
  switch (source) {
    case 'flag':
      return flagName(key);
    case 'env':
      return allEnvVars().find((e) => e.key === key)?.name ?? key;
    case 'file':
      return `${key} (in ${file})`;
    default:
      return `${key} (default)`;
  }
}

function shown(key: ConfigKey, value: unknown): string {
  return SECRET_KEYS.has(key) ? '[redacted]' : showValue(value);
}

function readConfigFile(path: string): Raw {
  let text: string;
  try {
    // Checked before reading: parsing a runaway file would stall the event loop for seconds.
    const { size } = statSync(path);
    if (size > CONFIG_FILE_MAX_BYTES) {
      throw new ConfigError([`--config: "${path}" is ${size} bytes, above the limit of ${CONFIG_FILE_MAX_BYTES} bytes`]);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([`--config: cannot read "${path}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let doc: unknown;
  try {
    // Required here, not at the top: without a config file (the default) the sidecar never
    // carries the YAML parser (72 modules, about 1 MB of heap for as long as it runs).
    const { parse } = require('yaml') as typeof import('yaml');
    doc = parse(text);
  } catch (err) {
    throw new ConfigError([`--config: "${path}" is not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError([`--config: "${path}" must hold a mapping of config keys, got ${Array.isArray(doc) ? 'a list' : typeof doc}`]);
  }
  return doc as Raw;
}

function fromEnv(env: NodeJS.ProcessEnv): Raw {
  const out: Raw = {};
  for (const e of allEnvVars()) {
    if (!e.key) continue;
    const value = readEnv(e, env);
    if (value !== undefined) out[e.key as ConfigKey] = value;
  }
  return out;
}

function defined(raw: Raw | undefined): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k as ConfigKey] = v;
  }
  return out;
}

export function loadConfig(input: LoadInput = {}): LoadedConfig {
  const env = input.env ?? process.env;
  const problems: string[] = [];

  for (const name of unknownEnvVars(env)) {
    problems.push(`${name}: unknown environment variable (known: ${allEnvVars().map((e) => e.name).join(', ')})`);
  }

  const file = input.file ?? readEnv(ENV.CONFIG, env);
  let fileRaw: Raw = {};
  if (file) {
    try {
      fileRaw = readConfigFile(file);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  const envRaw = fromEnv(env);
  const flagRaw = defined(input.flags);

  const sources: Partial<Record<ConfigKey, Source>> = {};
  const merged: Record<string, unknown> = {};
  for (const [source, raw] of [['file', fileRaw], ['env', envRaw], ['flag', flagRaw]] as const) {
    for (const [k, v] of Object.entries(raw)) {
      merged[k] = v;
      sources[k as ConfigKey] = source;
    }
  }

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) {
          problems.push(`${k} (in ${file}): unknown config key (known: ${CONFIG_KEYS.join(', ')})`);
        }
        continue;
      }
      const key = issue.path[0] as ConfigKey;
      const where = describeSource(key, sources[key], file);
      if (issue.code === 'custom' && (issue as { params?: { limit?: boolean } }).params?.limit) {
        // A size limit: the value itself may be megabytes, so it is named, never echoed.
        problems.push(`${where}: ${issue.message}`);
        continue;
      }
      const expected = issue.code === 'invalid_union' || issue.code === 'invalid_type' ? 'a string, number or list' : issue.message;
      // A list names its bad element, not the whole list.
      const item = issue.code === 'custom' ? (issue.params as { item?: string } | undefined)?.item : undefined;
      problems.push(invalid(where, shown(key, item ?? merged[key]), expected));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: result.data as Config, sources, file };
}
