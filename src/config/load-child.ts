/**
 * The config loader's child process (see load-in-child.ts): reads what to load as JSON on stdin,
 * reads, parses and validates the config file and the stress-secret file, writes one JSON answer
 * on stdout and ends. Parsing a file at the size limit takes tens of milliseconds of synchronous
 * work, which here holds no request; and what the schema (zod) and the YAML parser cost in memory
 * leaves with the process.
 */
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { ConfigError } from '../errors';
import { toCloneable } from './cloneable';
import { loadConfig, type LoadInput } from './load';
import { resolveStressSecret } from './stress-secret';
import type { LoadAnswer } from './load-in-child';

/**
 * On a busy pod the loader and the event loop want the same cores; the loader can wait, a request
 * should not. 10, not 19: at 19 a saturated event loop would leave the loader about 1.5% of a core
 * and a reload would run into LOADER_TIMEOUT_MS; at 10 it gets about 10%, a few seconds at worst.
 */
const LOADER_NICE = 10;

function load(input: LoadInput): LoadAnswer {
  try {
    const { config, file } = loadConfig(input);
    return { ok: true, config: toCloneable(config), secret: resolveStressSecret(config), file };
  } catch (err) {
    // The loader's problems already name the key and redact secrets.
    if (err instanceof ConfigError) return { ok: false, problems: err.problems };
    return { ok: false, problems: [`the config loader failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

try {
  // Lowering a priority is never refused.
  setPriority(LOADER_NICE);
} catch {
  // Not permitted here: the loader runs at the sidecar's priority.
}
process.stdout.write(JSON.stringify(load(JSON.parse(readFileSync(0, 'utf8')) as LoadInput)));
