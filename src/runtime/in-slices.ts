/**
 * Work over a list in short slices, giving the event loop back between them. Building a reloaded
 * route table or CIDR set at the size limits (config/limits.ts) is a few milliseconds of
 * synchronous work; done in one turn it delays every request waiting on the loop by that much.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Longest a slice runs before it yields. Well under the "few ms" a reload may block, and long
 * enough that a list at the limit is built in a handful of turns, not hundreds.
 */
export const SLICE_BUDGET_MS = 2;

/** The clock is read once per this many items: it costs more than adding one route. */
const ITEMS_PER_CLOCK_READ = 16;

/** Calls `each` on every item in order; resolves when all are done. `each` may throw: the promise rejects. */
export async function forEachInSlices<T>(items: readonly T[], each: (item: T) => void, budgetMs = SLICE_BUDGET_MS): Promise<void> {
  let sliceStart = performance.now();
  for (let i = 0; i < items.length; i++) {
    each(items[i]);
    if (i % ITEMS_PER_CLOCK_READ === ITEMS_PER_CLOCK_READ - 1 && performance.now() - sliceStart >= budgetMs) {
      // setImmediate, not a resolved promise: microtasks would run before any I/O callback.
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
