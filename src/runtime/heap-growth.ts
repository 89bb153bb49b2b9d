/**
 * Caps how far V8 lets the old generation grow past what survived the last full GC. V8 picks a
 * factor between 1.1 and 4 from its GC and allocation speeds; a proxy allocates fast and keeps
 * little (about 15 MB live), so it lands high: at a steady 1000 req/s old space sits near 24 MB,
 * and at saturation with a small young generation it balloons (117 MB RSS with
 * --max-semi-space-size=8). At 1.2 it stays near 20 MB and 96 MB; the extra full GCs mark about
 * 15 MB each (a few ms, mostly incremental).
 *
 * `paysidecar run` only: it is a process-wide V8 flag, not something a library embedding
 * startSidecar() should change under its host. Node does not accept this flag in NODE_OPTIONS, so
 * it is set from here; V8 reads it at every full GC, so setting it after start-up takes effect.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 20;

/** Applies the cap unless `node --heap-growing-percent=N` already chose one. Returns the percent in effect, or undefined when left to the command line. */
export function limitOldSpaceGrowth(execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return undefined;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return HEAP_GROWING_PERCENT;
}
