/**
 * The wait for a pooled upstream connection on the undici core, made ours. undici's Pool queues
 * requests beyond `connections` with no timer, and a queued request can be taken out of its queue
 * only through an internal hook. So the gate counts the requests it lets through (at most `limit`
 * per pool, the Pool's own `connections`) and holds the rest in its own queue: a waiter has a timer
 * (--socket-wait-timeout) and leaves the queue the moment its client does. A request lets the next
 * one through when undici reports its end (response end, error, abort or protocol switch), which
 * undici guarantees for every dispatched request; the Pool's 'drain' is not used, as it is not
 * emitted when a connection it counted fails while its own queue is empty.
 */

/** A request waiting for a connection. */
export interface Waiter {
  /** Hands the request to the Pool; the gate has counted it. */
  send(): void;
  /** The wait passed --socket-wait-timeout: the waiter has left the queue and must be answered. */
  expired(): void;
}

export class UpstreamGate {
  private active = 0;
  /** Insertion-ordered: the first entry has waited longest; deletion from the middle is O(1). */
  private readonly waiting = new Map<Waiter, NodeJS.Timeout | undefined>();

  constructor(
    private readonly limit: number,
    private readonly waitMs: number,
  ) {}

  /** Sends `w` now if a connection is free, or queues it (bounded by the wait timeout). */
  enter(w: Waiter): void {
    if (this.active < this.limit && this.waiting.size === 0) {
      this.active++;
      w.send();
      return;
    }
    const timer = this.waitMs > 0 ? setTimeout(() => this.expire(w), this.waitMs) : undefined;
    this.waiting.set(w, timer);
  }

  /** A sent request ended: the longest waiter goes next. Call once per sent request. */
  leave(): void {
    this.active--;
    while (this.active < this.limit && this.waiting.size > 0) {
      const [w, timer] = this.waiting.entries().next().value as [Waiter, NodeJS.Timeout | undefined];
      this.waiting.delete(w);
      clearTimeout(timer);
      this.active++;
      w.send();
    }
  }

  /** A waiter's client left: out of the queue, never sent. No-op once it was sent. */
  cancel(w: Waiter): void {
    const timer = this.waiting.get(w);
    if (!this.waiting.delete(w)) return;
    clearTimeout(timer);
  }

  /** Requests sent and not yet ended, and requests waiting; for tests and leak checks. */
  stats(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.size };
  }

  private expire(w: Waiter): void {
    if (!this.waiting.delete(w)) return;
    w.expired();
  }
}
