/**
 * A sampling heap profile over a window: V8 samples one allocation every `intervalBytes` on
 * average and, at the end, reports the sampled objects that are still alive.
 */
import type { SamplingHeapProfile } from './heap-to-pprof';
import { withInspector } from './inspector-session';
import { waitWindow } from './wait';

export interface HeapCapture {
  profile: SamplingHeapProfile;
  intervalBytes: number;
  startedAtMs: number;
  durationMs: number;
}

export function captureHeapProfile(seconds: number, intervalBytes: number, signal?: AbortSignal): Promise<HeapCapture | undefined> {
  return withInspector(async (session) => {
    await session.post('HeapProfiler.enable');
    try {
      const startedAtMs = Date.now();
      await session.post('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
      const complete = await waitWindow(seconds * 1000, signal);
      const { profile } = (await session.post('HeapProfiler.getSamplingProfile')) as unknown as { profile: SamplingHeapProfile };
      await session.post('HeapProfiler.stopSampling');
      return complete ? { profile, intervalBytes, startedAtMs, durationMs: Date.now() - startedAtMs } : undefined;
    } finally {
      await session.post('HeapProfiler.disable');
    }
  });
}
