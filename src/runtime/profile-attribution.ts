/**
 * Keeps CPU profiles naming the function that burns the CPU. On Node 24 (V8 13.6) a loop that
 * Maglev compiles on-stack (OSR) is sampled as its caller: a 20 ms hot loop re-scheduled by
 * setImmediate showed up as 99% `processImmediate`, and a helper inlined into an OSR'd loop as
 * the loop's function (measured with node:inspector's Profiler, 1 ms sampling; 100% correct with
 * --no-maglev-osr; Node 26.12 still attributes about half of it to the caller). Without Maglev
 * OSR, hot loops are OSR'd by Turbofan, whose frames the profiler resolves; the loop only waits
 * a little longer for optimised code. A process-wide V8 flag, so only the agent and
 * `paysidecar run` set it, before the app's code runs, never startSidecar() under its host.
 */
import { setFlagsFromString } from 'node:v8';

const PROFILE_FLAG = '--no-maglev-osr';

/** Sets PROFILE_FLAG unless the command line already chose a Maglev OSR setting. True when set. */
export function keepProfilesAttributable(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if ([...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--(no-)?maglev[-_]osr\b/.test(a))) return false;
  setFlagsFromString(PROFILE_FLAG);
  return true;
}
