/**
 * The config's read, parse and validation, on a worker thread started for the load: at start-up
 * (so the schema and zod are never compiled into the main isolate, ~16 MB of RSS kept for the
 * process's life) and for each reload. On the event
 * loop they held it for one turn of 30-100 ms for a config at the size limits (yaml.parse most of
 * it; benchmarks/reload-block.js), and every request the sidecar was serving waited. One worker per reload rather than one kept alive: reloads
 * are minutes apart, so the ~0.25 s a worker takes to start is not felt, while a kept worker holds
 * an isolate (and its heap, grown by the last parse) for the life of the process; and a worker that
 * crashes takes nothing with it that the next reload needs.
 *
 * Whatever happens to the worker (it throws, runs out of its memory, exits, never answers) is an
 * answer with a problem line, never an exception in the sidecar. When the promise resolves the
 * thread is gone.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { fromCloneable, type CloneableConfig } from './cloneable';
import type { LoadInput } from './load';
import type { Config } from './schema';

/** What the worker posts back. */
export type LoadAnswer = { ok: true; config: CloneableConfig; secret: string | undefined; file: string | undefined } | { ok: false; problems: string[] };

export type OffThreadLoad = { ok: true; config: Config; secret: string | undefined; file: string | undefined } | { ok: false; problems: string[] };

/** A file that cannot be read (a FIFO, a hung network mount) must not hold reloads forever. */
export const LOADER_TIMEOUT_MS = 10_000;

/**
 * The worker's heap. A config file at its limit (64 KiB) parses in a few MB; these leave room for
 * that several times over while bounding what a pathological file can take from the pod's memory.
 * The young generation is the part a short-lived worker touches most: kept small, the thread adds
 * about 40 MB RSS at its peak instead of 60.
 */
export const LOADER_RESOURCE_LIMITS = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 2 } as const;

export interface OffThreadOptions {
  /** Stops the worker and answers at once (shutdown). */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The worker's script (tests replace it with one that fails). */
  script?: string;
  /**
   * Keep the process alive while the loader runs: at start-up nothing else holds the event loop
   * yet. A reload leaves it unreferenced, so a loader never keeps a stopping process alive.
   */
  ref?: boolean;
}

const SCRIPT = join(__dirname, 'load-worker.js');

const failed = (problem: string): OffThreadLoad => ({ ok: false, problems: [problem] });

export function loadOffThread(input: LoadInput, opts: OffThreadOptions = {}): Promise<OffThreadLoad> {
  const timeoutMs = opts.timeoutMs ?? LOADER_TIMEOUT_MS;
  if (opts.signal?.aborted) return Promise.resolve(failed('not loaded: the sidecar is shutting down'));
  // Copied: process.env is not plain data, and the worker must see the env the sidecar was started with.
  const workerData: LoadInput = { flags: input.flags, file: input.file, env: { ...(input.env ?? process.env) } };
  let worker: Worker;
  try {
    // stdout piped and dropped: the sidecar's stdout is the access log, one JSON line each.
    worker = new Worker(opts.script ?? SCRIPT, { workerData, resourceLimits: LOADER_RESOURCE_LIMITS, stdout: true });
  } catch (err) {
    return Promise.resolve(failed(`cannot start the config loader: ${err instanceof Error ? err.message : String(err)}`));
  }
  worker.stdout.resume();
  if (!opts.ref) worker.unref();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: OffThreadLoad) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const done = () => resolve(answer);
      worker.terminate().then(done, done);
    };
    const onAbort = () => finish(failed('not loaded: the sidecar is shutting down'));
    const timer = setTimeout(() => finish(failed(`the config loader did not answer within ${timeoutMs} ms and was stopped`)), timeoutMs);
    timer.unref();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (answer: LoadAnswer) => {
      try {
        finish(answer.ok ? { ok: true, config: fromCloneable(answer.config), secret: answer.secret, file: answer.file } : { ok: false, problems: answer.problems });
      } catch (err) {
        finish(failed(`the config loader answered with something unreadable: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
    worker.once('messageerror', (err) => finish(failed(`the config loader's answer could not be read: ${err.message}`)));
    worker.once('error', (err) => finish(failed(`the config loader failed: ${err.message}`)));
    worker.once('exit', (code) => finish(failed(`the config loader exited with code ${code} before answering`)));
  });
}
