/**
 * The slowest and the failed recent requests, for the status page: two fixed arrays of slots
 * filled in place from the record stage. A request costs one call and a comparison or two; only a
 * request that enters a set writes into a slot (field stores, no allocation: the strings already
 * exist on the Exchange). What a slot holds is what the access log writes, never headers or tokens.
 *
 * "Recent": a slow request stays in the slowest set for `windowMs`, then makes room; the failed
 * set keeps the last `size` failures, newest first when read.
 */
export interface RecentRequest {
  /** Epoch ms when the request ended. */
  at: number;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  traffic: string;
  traceId: string;
  errorType: string;
}

function emptySlot(): RecentRequest {
  return { at: 0, method: '', route: '', status: 0, durationMs: 0, traffic: '', traceId: '', errorType: '' };
}

function fill(slot: RecentRequest, at: number, method: string, route: string, status: number, durationMs: number, traffic: string, traceId: string, errorType: string | undefined): void {
  slot.at = at;
  slot.method = method;
  slot.route = route;
  slot.status = status;
  slot.durationMs = durationMs;
  slot.traffic = traffic;
  slot.traceId = traceId;
  slot.errorType = errorType ?? '';
}

export const RECENT_DEFAULTS = {
  /** Entries per set: a page's table, not a log. */
  size: 10,
  /** How long a slow request counts as recent. */
  windowMs: 5 * 60_000,
} as const;

export class RecentRequests {
  private readonly slow: RecentRequest[];
  private readonly failed: RecentRequest[];
  private nextFailed = 0;
  /** A request must be slower than this to enter the slowest set (the set's fastest, or 0 while it has room). */
  private floorMs = 0;
  private floorIndex = 0;

  constructor(
    readonly size: number = RECENT_DEFAULTS.size,
    private readonly windowMs: number = RECENT_DEFAULTS.windowMs,
  ) {
    this.slow = Array.from({ length: size }, emptySlot);
    this.failed = Array.from({ length: size }, emptySlot);
  }

  /** Called once per request by the record stage. */
  offer(method: string, route: string, status: number, durationMs: number, traffic: string, traceId: string, errorType: string | undefined): void {
    if (status >= 500 || errorType !== undefined) {
      fill(this.failed[this.nextFailed], Date.now(), method, route, status, durationMs, traffic, traceId, errorType);
      this.nextFailed = (this.nextFailed + 1) % this.size;
    }
    if (durationMs <= this.floorMs) return;
    fill(this.slow[this.floorIndex], Date.now(), method, route, status, durationMs, traffic, traceId, errorType);
    this.refloor(Date.now());
  }

  /** Recomputes which slot the next slow request replaces: an empty or expired one, else the fastest. */
  private refloor(now: number): void {
    let index = 0;
    let floor = Infinity;
    for (let i = 0; i < this.size; i++) {
      const s = this.slow[i];
      if (s.at === 0 || now - s.at > this.windowMs) {
        s.at = 0;
        index = i;
        floor = 0;
        break;
      }
      if (s.durationMs < floor) {
        floor = s.durationMs;
        index = i;
      }
    }
    this.floorIndex = index;
    this.floorMs = floor;
  }

  /** Copies for the page: the slowest first, the failures newest first; expired slow entries dropped. */
  read(now = Date.now()): { slowest: RecentRequest[]; failed: RecentRequest[] } {
    this.refloor(now);
    const live = (s: RecentRequest) => s.at !== 0 && now - s.at <= this.windowMs;
    return {
      slowest: this.slow.filter(live).map((s) => ({ ...s })).sort((a, b) => b.durationMs - a.durationMs),
      failed: this.failed.filter((s) => s.at !== 0).map((s) => ({ ...s })).sort((a, b) => b.at - a.at),
    };
  }
}
