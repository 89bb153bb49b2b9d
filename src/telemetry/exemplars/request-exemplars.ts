/**
 * One exemplar slot per (series, bucket) of http.server.request.duration, filled by the record
 * stage and read by the OpenMetrics writer at scrape time.
 *
 * Per request this is map lookups on values the request already holds (route, status, method,
 * traffic, error type) and, only when the slot is replaced, four stores into preallocated arrays:
 * no string is built and nothing is allocated. A series' arrays are allocated once, the first time
 * it is seen, and the number of series is capped like the SDK caps attribute sets.
 *
 * Which request a slot keeps (the one most useful to open): a series already separates status,
 * error type and traffic, so an error never competes with a success for a slot. Within a slot a
 * request whose trace is exported (head-sampled, or failed and kept by the tail rule) and whose
 * access-log line is written ranks above one that has only one of the two, which ranks above one
 * with neither; at equal rank the newest wins. A higher-ranked exemplar is held for at most
 * HOLD_MS, so a bucket never shows a stale request for long. When spans are exported at all,
 * only requests whose trace is exported are offered (`exportedOnly`): an exemplar is a link, and a
 * link to a trace that was never exported leads nowhere.
 */
import { TraceFlags } from '@opentelemetry/api';
import { REQUEST_DURATION_BUCKETS } from '../names';

/** How long a better-ranked exemplar resists being replaced by a worse-ranked, newer one. */
export const HOLD_MS = 60_000;
/** The SDK's default cardinality limit per instrument: beyond it the SDK itself folds series into overflow. */
export const MAX_SERIES = 2000;

/** Rank bits: the exemplar's trace is exported; its access-log line is written. */
export const RANK_EXPORTED = 2;
export const RANK_LOGGED = 1;

export interface Exemplar {
  readonly traceId: string;
  readonly spanId: string;
  /** The observed value (seconds). */
  readonly value: number;
  /** Wall clock, milliseconds since the epoch (whole, strictly rising per slot). */
  readonly timeMs: number;
}

class SeriesSlots {
  readonly traceIds: string[];
  readonly spanIds: string[];
  readonly values: Float64Array;
  readonly times: Float64Array;
  readonly ranks: Int8Array;

  constructor(buckets: number) {
    this.traceIds = new Array<string>(buckets).fill('');
    this.spanIds = new Array<string>(buckets).fill('');
    this.values = new Float64Array(buckets);
    this.times = new Float64Array(buckets);
    this.ranks = new Int8Array(buckets).fill(-1);
  }
}

/** route → status → method → traffic → error type → slots; every key a value the request already holds. */
type Level = Map<string | number, Level | SeriesSlots>;

function child(level: Level, key: string | number): Level {
  let next = level.get(key) as Level | undefined;
  if (next === undefined) level.set(key, (next = new Map()));
  return next;
}

/** Index of the bucket `value` falls in: upper bounds are inclusive (Prometheus `le`); the last index is +Inf. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= bounds[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class RequestExemplars {
  private readonly tree: Level = new Map();
  private series = 0;
  private readonly buckets: number;
  /** Set when spans are exported: a request whose trace is not exported is not offered. */
  exportedOnly = false;

  constructor(
    readonly bounds: readonly number[] = REQUEST_DURATION_BUCKETS,
    private readonly maxSeries = MAX_SERIES,
  ) {
    this.buckets = bounds.length + 1;
  }

  /** Called once per recorded request. `errorType` is '' when the request did not fail. */
  offer(route: string, status: number, method: string, traffic: string, errorType: string, seconds: number, traceId: string, spanId: string, epochMs: number, rank: number): void {
    if (this.exportedOnly && (rank & RANK_EXPORTED) === 0) return;
    const slots = this.slotsFor(route, status, method, traffic, errorType);
    if (slots === undefined) return;
    const i = bucketIndex(this.bounds, seconds);
    const heldAt = slots.times[i];
    if (rank < slots.ranks[i] && epochMs - heldAt < HOLD_MS) return;
    slots.traceIds[i] = traceId;
    slots.spanIds[i] = spanId;
    slots.values[i] = seconds;
    // Prometheus refuses an exemplar not newer than the last one it stored for the series.
    slots.times[i] = Math.max(Math.floor(epochMs), heldAt + 1);
    slots.ranks[i] = rank;
  }

  /** The exemplar for one bucket line of the exposition, by its label values; `le` as written there. */
  lookup(route: string, status: number, method: string, traffic: string, errorType: string, le: string): Exemplar | undefined {
    let level: Level | undefined = this.tree;
    for (const key of [route, status, method, traffic]) level = level?.get(key) as Level | undefined;
    const slots = level?.get(errorType) as SeriesSlots | undefined;
    if (slots === undefined) return undefined;
    const i = le === '+Inf' ? this.buckets - 1 : this.bounds.indexOf(Number(le));
    if (i < 0 || slots.ranks[i] < 0) return undefined;
    return { traceId: slots.traceIds[i], spanId: slots.spanIds[i], value: slots.values[i], timeMs: slots.times[i] };
  }

  private slotsFor(route: string, status: number, method: string, traffic: string, errorType: string): SeriesSlots | undefined {
    const byError = child(child(child(child(this.tree, route), status), method), traffic);
    let slots = byError.get(errorType) as SeriesSlots | undefined;
    if (slots === undefined) {
      if (this.series >= this.maxSeries) return undefined;
      this.series++;
      byError.set(errorType, (slots = new SeriesSlots(this.buckets)));
    }
    return slots;
  }
}

/**
 * A request's rank for its slot. `failed` counts as exported because the sidecar's tail rule
 * (telemetry/tail-keep.ts) exports every failed request's span whatever the head sampler said.
 */
export function exemplarRank(traceFlags: number, failed: boolean, logged: boolean): number {
  return ((traceFlags & TraceFlags.SAMPLED) !== 0 || failed ? RANK_EXPORTED : 0) | (logged ? RANK_LOGGED : 0);
}
