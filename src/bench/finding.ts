/** One conclusion of the diagnosis (diagnose.ts), with the figures it rests on. */

export type FindingRule = 'eventloop-saturated' | 'eventloop-blocked' | 'gc' | 'upstream' | 'client-bound' | 'hot-function';

export interface Finding {
  rule: FindingRule;
  /** `bottleneck`: what limited the run; `info`: where the time went, without a limit reached. */
  level: 'bottleneck' | 'info';
  /** The watched target it is about (its name in the report); absent for the load generator. */
  target?: string;
  /** One line, as printed: `event loop saturated: utilisation 0.98, delay p99 140 ms; 41% of CPU under JSON.parse ← orders.js:42`. */
  summary: string;
  /** The numbers behind it, by name. */
  evidence: Record<string, number | string>;
}
