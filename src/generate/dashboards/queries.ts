/** PromQL shapes the dashboards repeat: rates over `$__rate_interval`, always summed after `rate`. */
import { runtime } from '../../telemetry/names';
import { L, LE, REQUESTS, SERVER_ERROR_STATUS, eq, leValue, quantile, rate, re, sel, sumBy, type Matcher } from '../promql';
import { RATE_INTERVAL } from './panels';

export function sumRate(by: readonly string[], metric: string, ...matchers: Matcher[]): string {
  return sumBy(by, rate(sel(metric, ...matchers), RATE_INTERVAL));
}

/**
 * A lazily created counter (first error, first retry…) has no series until it happens; `or on()
 * vector(0)` draws 0 instead of "No data" while keeping the real series once they exist.
 */
export function orZero(expr: string): string {
  return `${expr} or on() vector(0)`;
}

export function requestRate(by: readonly string[], filters: readonly Matcher[]): string {
  return sumRate(by, REQUESTS.count, ...filters);
}

/** 5xx share; `(errors or 0 * total) / total` gives 0, not nothing, when there are no errors. */
export function errorRatio(by: readonly string[], filters: readonly Matcher[]): string {
  const total = requestRate(by, filters);
  const errors = requestRate(by, [...filters, re(L.status, SERVER_ERROR_STATUS)]);
  return `(${errors} or 0 * ${total})\n/\n${total}`;
}

export function latencyQuantile(q: number, by: readonly string[], filters: readonly Matcher[]): string {
  return quantile(q, sumBy([...by, LE], rate(sel(REQUESTS.bucket, ...filters), RATE_INTERVAL)));
}

/** Share of requests slower than `seconds` (a bucket edge). */
export function slowerThan(seconds: number, by: readonly string[], filters: readonly Matcher[]): string {
  return `1 - (\n${sumRate(by, REQUESTS.bucket, ...filters, eq(LE, leValue(seconds)))}\n/\n${requestRate(by, filters)}\n)`;
}

/**
 * Series merged from the agent into the sidecar's /metrics carry `paysidecar_source="agent"`;
 * the sidecar's own have no such label. Naming the empty value "sidecar" lets one legend tell the
 * sidecar's runtime from the app's.
 */
export const SOURCE = runtime.MERGED_SOURCE_LABEL;
export function withSource(expr: string): string {
  return `label_replace(${expr}, "${SOURCE}", "sidecar", "${SOURCE}", "")`;
}
