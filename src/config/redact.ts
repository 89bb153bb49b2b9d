/**
 * The effective config as /config and the startup log show it: JSON-safe, secrets and URL
 * credentials replaced. Apart from load.ts so the running sidecar prints its config without
 * loading the schema (zod stays in the loader's child process).
 */
import { CONFIG_KEYS, DURATION_KEYS, SECRET_KEYS } from './keys';
import type { Config } from './schema';
import { formatDuration } from './duration';
import { formatHostPort } from './address';

/** A collector or upstream URL may carry user:password; /config is read by humans and support bundles. */
function withoutCredentials(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = 'redacted';
  copy.password = '';
  return copy.href;
}

/** The effective config as JSON-safe values, secrets replaced by `[redacted]`. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const v = (config as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (SECRET_KEYS.has(key)) out[key] = '[redacted]';
    else if (v instanceof URL) out[key] = withoutCredentials(v);
    else if (key === 'listen' || key === 'admin') out[key] = formatHostPort(v as { host: string; port: number });
    else if (DURATION_KEYS.has(key)) out[key] = formatDuration(v as number);
    else if (key === 'trustCidr') out[key] = (v as { address: string; prefix: number }[]).map((c) => `${c.address}/${c.prefix}`);
    else out[key] = v;
  }
  return out;
}
