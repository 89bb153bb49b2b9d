/**
 * Rotating the stress secret without a flag day: after a change, tokens signed with the previous
 * secret stay valid for the overlap window (`--stress-secret-overlap`), so load generators can be
 * switched over while they run. Only one previous secret is kept: a second rotation inside the
 * window retires the oldest at once.
 */
import type { StressPolicy } from './stress';

export type RotationResult = 'unchanged' | 'set' | 'rotated' | 'removed';

export class StressSecretRotation {
  private current: string | undefined;
  private overlapTimer?: NodeJS.Timeout;

  constructor(
    private readonly policy: StressPolicy,
    initial: string | undefined,
    private readonly onOverlapEnd: () => void = () => undefined,
  ) {
    this.current = initial;
    policy.secrets = initial === undefined ? [] : [initial];
  }

  rotate(next: string | undefined, overlapMs: number): RotationResult {
    if (next === this.current) return 'unchanged';
    this.close();
    const previous = this.current;
    this.current = next;
    if (next === undefined) {
      // Turning token-based stress off is a security decision: it takes effect at once.
      this.policy.secrets = [];
      return 'removed';
    }
    if (previous === undefined || overlapMs === 0) {
      this.policy.secrets = [next];
      return 'set';
    }
    this.policy.secrets = [next, previous];
    this.overlapTimer = setTimeout(() => {
      this.policy.secrets = [next];
      this.overlapTimer = undefined;
      this.onOverlapEnd();
    }, overlapMs);
    // A pending overlap must not keep a stopping process alive.
    this.overlapTimer.unref();
    return 'rotated';
  }

  /** True while the previous secret is still accepted. */
  get overlapping(): boolean {
    return this.overlapTimer !== undefined;
  }

  close(): void {
    if (this.overlapTimer) clearTimeout(this.overlapTimer);
    this.overlapTimer = undefined;
  }
}
