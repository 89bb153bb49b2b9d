/**
 * The config loader's worker thread (see load-off-thread.ts): reads, parses and validates the config
 * file and the stress-secret file, answers once and ends. Parsing a file at the size limit takes
 * tens of milliseconds of synchronous work, which here holds no request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../errors';
import { toCloneable } from './cloneable';
import { loadConfig, type LoadInput } from './load';
import { resolveStressSecret } from './stress-secret';
import type { LoadAnswer } from './load-off-thread';

function load(input: LoadInput): LoadAnswer {
  try {
    const { config } = loadConfig(input);
    return { ok: true, config: toCloneable(config), secret: resolveStressSecret(config) };
  } catch (err) {
    // The loader's problems already name the key and redact secrets.
    if (err instanceof ConfigError) return { ok: false, problems: err.problems };
    return { ok: false, problems: [`the config loader failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

parentPort?.postMessage(load(workerData as LoadInput));
