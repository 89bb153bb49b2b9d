/**
 * One capture at a time, per process: the inspector's profilers are per isolate, and two
 * overlapping CPU profiles would both be distorted. Shared by every debug handler in the process
 * (the agent's listener and, when both live in one process, the sidecar's admin listener).
 */

let running: string | undefined;

/** Returns a release function, or undefined when `current()` is already capturing. */
export function tryAcquireCapture(kind: string): (() => void) | undefined {
  if (running !== undefined) return undefined;
  running = kind;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    running = undefined;
  };
}

/** The kind of the capture in progress (profile, heap, trace), if any. */
export function currentCapture(): string | undefined {
  return running;
}
