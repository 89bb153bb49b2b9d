/** Sleeps for a capture window; resolves false instead of throwing when the caller went away. */
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitWindow(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    // ref: true keeps a short-lived app alive until the capture it was asked for is answered.
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
