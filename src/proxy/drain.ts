/**
 * Graceful drain: stop accepting, let in-flight requests finish (up to the drain timeout), and ask
 * keep-alive clients to go away by closing idle connections and answering with Connection: close.
 */
import type { Server } from 'node:http';
import { once } from 'node:events';
import { UPGRADED, type UpgradeTracking } from './accept';

export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];
  private readonly aborts = new Set<() => void>();

  get size(): number {
    return this.count;
  }

  /**
   * One more request in flight; `abandon` ends it if the drain deadline comes first. Returns the
   * matching leave(), which is idempotent.
   */
  enter(abandon?: () => void): () => void {
    this.count++;
    const token = abandon ?? (() => undefined);
    this.aborts.add(token);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.aborts.delete(token);
      this.leave();
    };
  }

  /** The drain deadline: ends every request still in flight, each through its own record. */
  abandonAll(): void {
    for (const abandon of [...this.aborts]) {
      try {
        abandon();
      } catch {
        // One request failing to end must not keep the others alive.
      }
    }
  }

  private leave(): void {
    if (--this.count === 0 && this.waiters.length > 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }

  /** Resolves true when idle, false when the timeout passed first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }
}

export async function drainServer(server: Server, inflight: InFlight, timeoutMs: number): Promise<{ completed: boolean; abandoned: number }> {
  const closed = server.listening ? once(server, 'close') : Promise.resolve();
  server.close();
  server.closeIdleConnections();
  // Connections that turn idle after their last response are closed as they go.
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  const completed = await inflight.idle(timeoutMs);
  clearInterval(idleSweep);
  const abandoned = inflight.size;
  // Each abandoned request is answered (or cut, if its response had started) and recorded before
  // the connections go, so the access log, metrics and spans still see it.
  inflight.abandonAll();
  server.closeAllConnections();
  for (const socket of (server as UpgradeTracking)[UPGRADED] ?? []) socket.destroy();
  await closed;
  // Records run on each response's close; give the last ones their turn before the flush.
  if (!completed) await inflight.idle(1000);
  return { completed, abandoned };
}
