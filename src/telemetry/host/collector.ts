/** What every host collector is: a named, async read that returns values to report. */
import type { Attributes } from '@opentelemetry/api';
import type { MetricName, host } from '../names';

export interface Observation {
  readonly metric: MetricName;
  readonly value: number;
  readonly attributes?: Attributes;
}

export interface Collector {
  readonly name: host.CollectorName;
  /**
   * Called once before the first timed run: utilisation readings are deltas between two calls, and
   * the first call only sets the baseline (systeminformation's CPU one even waits 500 ms for it).
   */
  prime?(): Promise<void>;
  /** Throws when it cannot read; the runner turns that into up=0. */
  collect(): Promise<Observation[]>;
}
