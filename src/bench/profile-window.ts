/**
 * When to profile: in the steady part of the run, not in its first seconds (connections opening,
 * the target's JIT still warming) and not at its tail (the loop draining). For a ramp, the last
 * step: the peak, where a bottleneck shows. The capture endpoint takes whole seconds.
 */

export interface ProfileWindow {
  /** Milliseconds after the start of the run. */
  startMs: number;
  seconds: number;
}

/** Profiles longer than this add little to the picture and keep the target's sampler on longer. */
export const DEFAULT_MAX_PROFILE_SECONDS = 10;
/** The first fifth of a run, at most this long, is left to warm up. */
const WARM_UP_SHARE = 0.2;
const MAX_WARM_UP_MS = 3000;
/** Kept clear of the end, so the capture is over before the load stops. */
const TAIL_MS = 500;
/** A run bounded only by --requests has no known end: profile early, briefly. */
const UNBOUNDED_START_MS = 1000;
const UNBOUNDED_SECONDS = 5;

export function profileWindow(o: {
  /** Known length of the run (Infinity when only --requests bounds it). */
  durationMs: number;
  /** Ramp: the length of its last step. */
  lastStepMs?: number;
  maxSeconds?: number;
}): ProfileWindow {
  const max = o.maxSeconds ?? DEFAULT_MAX_PROFILE_SECONDS;
  if (!Number.isFinite(o.durationMs)) return { startMs: UNBOUNDED_START_MS, seconds: Math.min(max, UNBOUNDED_SECONDS) };
  if (o.lastStepMs !== undefined) {
    const seconds = Math.max(1, Math.min(max, Math.floor((o.lastStepMs - TAIL_MS) / 1000)));
    return { startMs: Math.max(0, o.durationMs - TAIL_MS - seconds * 1000), seconds };
  }
  const warm = Math.min(MAX_WARM_UP_MS, o.durationMs * WARM_UP_SHARE);
  const room = o.durationMs - warm - TAIL_MS;
  const seconds = Math.max(1, Math.min(max, Math.floor(room / 1000)));
  // Centred in the steady part: as far from the warm-up as from the drain.
  return { startMs: Math.max(0, warm + Math.max(0, (room - seconds * 1000) / 2)), seconds };
}
