/**
 * Readiness: not ready while draining, or while the upstream's port refuses connections (a sidecar
 * that reports ready in front of a dead app only moves the 502s to the client). The probe result is
 * cached briefly so a burst of probes costs one connect.
 */
import { connect } from 'node:net';

export interface ReadinessState {
  ready: boolean;
  reason?: string;
}

const CACHE_MS = 500;
const PROBE_TIMEOUT_MS = 1000;

export class Readiness {
  private draining = false;
  private last?: { at: number; state: ReadinessState };

  constructor(private readonly upstream: URL) {}

  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async check(now = Date.now()): Promise<ReadinessState> {
    if (this.draining) return { ready: false, reason: 'draining' };
    if (this.last && now - this.last.at < CACHE_MS) return this.last.state;
    const state = await this.probe();
    this.last = { at: now, state };
    return state;
  }

  private probe(): Promise<ReadinessState> {
    const port = Number(this.upstream.port || (this.upstream.protocol === 'https:' ? 443 : 80));
    const host = this.upstream.hostname.replace(/^\[|\]$/g, '');
    return new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (state: ReadinessState) => {
        clearTimeout(timer);
        socket.destroy();
        resolve(state);
      };
      const timer = setTimeout(() => done({ ready: false, reason: `upstream ${host}:${port} did not accept within ${PROBE_TIMEOUT_MS}ms` }), PROBE_TIMEOUT_MS);
      socket.once('connect', () => done({ ready: true }));
      socket.once('error', (err: NodeJS.ErrnoException) => done({ ready: false, reason: `upstream ${host}:${port}: ${err.code ?? err.message}` }));
    });
  }
}
