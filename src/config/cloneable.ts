/**
 * A loaded config as data that crosses from the loader's child process as JSON, and back.
 * Everything the schema produces is strings, numbers, booleans and plain objects and arrays, except
 * URLs, which cross as their href and are rebuilt from it (an absent optional key stays absent).
 * The href is one the schema already accepted, so the sidecar gets a checked config without
 * validating it again.
 */
import type { Config } from './schema';

export interface CloneableConfig {
  values: Record<string, unknown>;
  /** Keys whose value was a URL and is carried as its href. */
  urlKeys: string[];
}

export function toCloneable(config: Config): CloneableConfig {
  const values: Record<string, unknown> = {};
  const urlKeys: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (value instanceof URL) {
      values[key] = value.href;
      urlKeys.push(key);
    } else {
      values[key] = value;
    }
  }
  return { values, urlKeys };
}

export function fromCloneable(cloned: CloneableConfig): Config {
  const out = { ...cloned.values };
  for (const key of cloned.urlKeys) out[key] = new URL(out[key] as string);
  return out as Config;
}
