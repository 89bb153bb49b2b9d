/**
 * The config loader's worker thread (see load-off-thread.ts): reads, parses and validates the config
 * file and the stress-secret file, answers once and ends. Parsing a file at the size limit takes
 * tens of milliseconds of synchronous work, which here holds no request.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../errors';
import { toCloneable } from './cloneable';
import { loadConfig, type LoadInput } from './load';
import { resolveStressSecret } from './stress-secret';
import type { LoadAnswer } from './load-off-thread';

/**
 * On a busy pod the loader and the event loop want the same cores; the loader can wait, a request
 * should not. 10, not 19: at 19 a saturated event loop would leave the loader about 1.5% of a core
 * and a reload would run into LOADER_TIMEOUT_MS; at 10 it gets about 10%, a few seconds at worst.
 */
const LOADER_NICE = 10;

/**
 * Linux schedules threads on their own, and /proc/thread-self names this one. Lowering a priority
 * is never refused; elsewhere the loader runs at the event loop's priority.
 */
function yieldToTheEventLoop(): void {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), LOADER_NICE);
  } catch {
    // Not Linux: the same priority as the event loop.
  }
}

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

yieldToTheEventLoop();
parentPort?.postMessage(load(workerData as LoadInput));
