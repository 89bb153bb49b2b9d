/** A CPU profile of this thread from node:inspector's Profiler, taken over a window. */
import type { Profiler } from 'node:inspector';
import { withInspector } from './inspector-session';
import { waitWindow } from './wait';

export interface CpuCapture {
  profile: Profiler.Profile;
  intervalUs: number;
  startedAtMs: number;
}

/** Resolves undefined when `signal` aborts (the client went away) before the window ends. */
export function captureCpuProfile(seconds: number, intervalUs: number, signal?: AbortSignal): Promise<CpuCapture | undefined> {
  return withInspector(async (session) => {
    await session.post('Profiler.enable');
    try {
      await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
      const startedAtMs = Date.now();
      await session.post('Profiler.start');
      const complete = await waitWindow(seconds * 1000, signal);
      const { profile } = await session.post('Profiler.stop');
      return complete ? { profile, intervalUs, startedAtMs } : undefined;
    } finally {
      await session.post('Profiler.disable');
    }
  });
}
