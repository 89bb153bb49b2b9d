/**
 * The config's read, parse and validation in a child process started for the load: at start-up and
 * for each reload. On the event loop a reload held it for one turn of 30-100 ms for a config at the
 * size limits (yaml.parse most of it; benchmarks/reload-block.js), and every request the sidecar
 * was serving waited. A child process rather than a worker thread: what the schema (zod) and the
 * YAML parser cost in memory leaves with it, where a worker thread's first start left ~20 MB of
 * RSS in the sidecar for good and compiling zod here kept ~7 MB more (README, "Forwarding core").
 * One per load rather than one kept alive: reloads are minutes apart, and a loader that crashes
 * takes nothing with it that the next load needs.
 *
 * What the loader is given (flags, the environment, the file's path) goes on its stdin, never its
 * command line or environment, so no secret shows in `ps`. Whatever happens to it (it throws, runs
 * out of its memory, exits, never answers) is an answer with a problem line, never an exception in
 * the sidecar. When the promise resolves the process is gone or has been killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fromCloneable, type CloneableConfig } from './cloneable';
import type { LoadInput } from './load';
import type { Config } from './schema';

/** What the loader writes on its stdout. */
export type LoadAnswer = { ok: true; config: CloneableConfig; secret: string | undefined; file: string | undefined } | { ok: false; problems: string[] };

export type ChildLoad = { ok: true; config: Config; secret: string | undefined; file: string | undefined } | { ok: false; problems: string[] };

/** A file that cannot be read (a FIFO, a hung network mount) must not hold a load forever. */
export const LOADER_TIMEOUT_MS = 10_000;

/**
 * The loader's V8 heap. A config file at its limit (64 KiB) parses in a few MB; this leaves room
 * for that several times over while bounding what a pathological file can take from the pod.
 */
export const LOADER_HEAP_MB = 32;

/** An answer is a config: far below this; more is a loader gone wrong, stopped before it fills memory. */
const MAX_ANSWER_BYTES = 4 << 20;
/** Enough of stderr to name why a loader died. */
const MAX_STDERR_BYTES = 16 << 10;

export interface LoaderOptions {
  /** Stops the loader and answers at once (shutdown). */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The loader's script (tests replace it with one that fails). */
  script?: string;
}

const SCRIPT = join(__dirname, 'load-child.js');

const failed = (problem: string): ChildLoad => ({ ok: false, problems: [problem] });

/** Why a loader that ended without answering did, from its exit and what it printed. */
function whyNoAnswer(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  if (/heap out of memory|Reached heap limit/i.test(stderr)) return `the config loader failed: it reached its memory limit (${LOADER_HEAP_MB} MB of heap)`;
  // An exception the loader did not catch: node prints the stack after the source line.
  const thrown = /^(?:[A-Za-z]*Error|Uncaught[^:]*): (.+)$/m.exec(stderr);
  if (thrown) return `the config loader failed: ${thrown[1]}`;
  if (signal) return `the config loader was ended by ${signal} before answering`;
  return `the config loader exited with code ${code} before answering`;
}

export function loadInChild(input: LoadInput, opts: LoaderOptions = {}): Promise<ChildLoad> {
  const timeoutMs = opts.timeoutMs ?? LOADER_TIMEOUT_MS;
  if (opts.signal?.aborted) return Promise.resolve(failed('not loaded: the sidecar is shutting down'));
  // Copied: process.env is not plain data, and the loader must see the env the sidecar was started with.
  const sent = JSON.stringify({ flags: input.flags, file: input.file, env: { ...(input.env ?? process.env) } } satisfies LoadInput);
  let child: ChildProcess;
  try {
    // No NODE_OPTIONS or other environment: the loader is given its input on stdin and runs with
    // its own heap limit, whatever the sidecar's process was started with.
    child = spawn(process.execPath, [`--max-old-space-size=${LOADER_HEAP_MB}`, '--max-semi-space-size=1', opts.script ?? SCRIPT], {
      env: {},
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (err) {
    return Promise.resolve(failed(`cannot start the config loader: ${err instanceof Error ? err.message : String(err)}`));
  }
  return new Promise((resolve) => {
    let settled = false;
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    const finish = (answer: ChildLoad) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(answer);
    };
    const onAbort = () => finish(failed('not loaded: the sidecar is shutting down'));
    const timer = setTimeout(() => finish(failed(`the config loader did not answer within ${timeoutMs} ms and was stopped`)), timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => finish(failed(`cannot start the config loader: ${err.message}`)));
    // A loader that dies before reading its input closes the pipe under the write; a pipe that
    // fails otherwise ends the loader, whose exit is then the answer.
    child.stdin!.on('error', () => undefined);
    child.stdout!.on('error', () => child.kill('SIGKILL'));
    child.stderr!.on('error', () => child.kill('SIGKILL'));
    child.stdin!.end(sent);
    child.stdout!.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_ANSWER_BYTES) finish(failed(`the config loader answered with more than ${MAX_ANSWER_BYTES} bytes and was stopped`));
      else out.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8', 0, Math.min(chunk.length, MAX_STDERR_BYTES - stderr.length));
    });
    // 'close': the process has exited and its output is all read.
    child.once('close', (code, signal) => {
      if (settled) return;
      if (code !== 0 || outBytes === 0) return finish(failed(whyNoAnswer(code, signal, stderr)));
      try {
        const answer = JSON.parse(Buffer.concat(out).toString('utf8')) as LoadAnswer;
        finish(answer.ok ? { ok: true, config: fromCloneable(answer.config), secret: answer.secret, file: answer.file } : { ok: false, problems: answer.problems });
      } catch (err) {
        finish(failed(`the config loader answered with something unreadable: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  });
}
