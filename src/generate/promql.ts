/**
 * The PromQL vocabulary the generators share: series and label names derived from the names
 * module (never typed as literals), plus small helpers to write selectors and aggregations.
 */
import {
  ATTR_ERROR_TYPE,
  ATTR_METHOD,
  ATTR_REASON,
  ATTR_ROUTE,
  ATTR_STATUS,
  ATTR_TRAFFIC,
  HTTP_SERVER_REQUEST_DURATION,
  prom,
  promLabel,
  type MetricName,
} from '../telemetry/names';

/** Prometheus's own labels; not attribute names, so not in the names module. */
export const JOB = 'job';
export const INSTANCE = 'instance';
export const LE = 'le';
/** Series Prometheus writes itself: scrape health and alert state. */
export const UP = 'up';
export const ALERTS = 'ALERTS';

/** Label names as they reach Prometheus. */
export const L = {
  method: promLabel(ATTR_METHOD),
  status: promLabel(ATTR_STATUS),
  route: promLabel(ATTR_ROUTE),
  traffic: promLabel(ATTR_TRAFFIC),
  errorType: promLabel(ATTR_ERROR_TYPE),
  reason: promLabel(ATTR_REASON),
} as const;

/** The series a histogram writes. */
export function histogram(m: MetricName): { bucket: string; count: string; sum: string } {
  if (m.kind !== 'histogram') throw new Error(`${m.otel} is a ${m.kind}, not a histogram`);
  const base = prom(m);
  return { bucket: `${base}_bucket`, count: `${base}_count`, sum: `${base}_sum` };
}

export const REQUESTS = histogram(HTTP_SERVER_REQUEST_DURATION);

export type Matcher = readonly [label: string, op: '=' | '!=' | '=~' | '!~', value: string];

export const eq = (label: string, value: string): Matcher => [label, '=', value];
export const re = (label: string, value: string): Matcher => [label, '=~', value];

/** Values inside PromQL double-quoted strings: escape backslashes and quotes. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function sel(metric: string, ...matchers: Matcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map(([l, op, v]) => `${l}${op}${quote(v)}`).join(', ')}}`;
}

export function rate(selector: string, window: string): string {
  return `rate(${selector}[${window}])`;
}

/** `sum by (a, b) (expr)`; with no labels, `sum(expr)`. */
export function sumBy(labels: readonly string[], expr: string, op = 'sum'): string {
  return labels.length ? `${op} by (${labels.join(', ')}) (${expr})` : `${op}(${expr})`;
}

export function quantile(q: number, bucketRate: string): string {
  return `histogram_quantile(${q}, ${bucketRate})`;
}

/** 5xx responses count against availability; 4xx are the caller's problem. */
export const SERVER_ERROR_STATUS = '5..';

/** Bucket edges as the OpenTelemetry exporter prints them in `le` (JS number formatting). */
export function leValue(seconds: number): string {
  return String(seconds);
}
