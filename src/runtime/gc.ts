/** GC pauses as PerformanceObserver reports them: entry.duration (ms) and entry.detail.kind. */
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { GC_KINDS } from '../telemetry/names/runtime';

export interface GcPause {
  /** minor | major | incremental | weakcb | other */
  readonly kind: string;
  /** performance.now() time base (ms). */
  readonly start: number;
  readonly duration: number;
}

function gcKindName(kind: number | undefined): string {
  if (kind === undefined) return 'other';
  return GC_KINDS[kind] ?? 'other';
}

function kindOf(entry: PerformanceEntry): number | undefined {
  // Node >= 16 puts the kind in entry.detail; older releases had entry.kind.
  const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
  return detail?.kind ?? (entry as PerformanceEntry & { kind?: number }).kind;
}

export function observeGc(onPause: (pause: GcPause) => void): { stop(): void } {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      onPause({ kind: gcKindName(kindOf(entry)), start: entry.startTime, duration: entry.duration });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { stop: () => observer.disconnect() };
}

