/**
 * Recording rules, named `level:metric:operations` (monitoring-mixins). Ratios are recorded as
 * sum(numerator) / sum(denominator) per window, never averaged from shorter windows. Only the
 * sidecar's jobs are read: an app instrumented with instrumentation-http writes the same
 * histogram name, and counting it too would double every request.
 */
import { HTTP_SERVER_REQUEST_DURATION, REQUEST_DURATION_BUCKETS, prom } from '../../telemetry/names';
import type { GeneratorConfig } from '../config';
import { JOB, L, LE, REQUESTS, SERVER_ERROR_STATUS, eq, leValue, quantile, rate, re, sel, sumBy } from '../promql';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/** SRE-workbook windows: page on 1h/5m and 6h/30m, ticket on 1d/2h and 3d/6h. */
const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

const LEVEL = `${JOB}_${L.traffic}`;
const BY = [JOB, L.traffic] as const;
/** `http_server_request`: the base the derived SLI names hang off. */
const REQUEST_BASE = prom(HTTP_SERVER_REQUEST_DURATION).replace(/_duration$/, '');

/** Names of the recorded series, per window. */
export const recorded = {
  requestRate: (w: string) => `${LEVEL}:${REQUESTS.count}:rate${w}`,
  errorRatio: (w: string) => `${LEVEL}:${REQUEST_BASE}_errors:ratio_rate${w}`,
  slowRatio: (w: string) => `${LEVEL}:${REQUEST_BASE}_slow:ratio_rate${w}`,
  p99: (w: string) => `${LEVEL}:${prom(HTTP_SERVER_REQUEST_DURATION)}:p99_rate${w}`,
};

export function sidecarMatcher(config: GeneratorConfig) {
  return re(JOB, config.jobs.sidecar);
}

function requestRate(config: GeneratorConfig, w: string): RecordingRule {
  return { record: recorded.requestRate(w), expr: sumBy(BY, rate(sel(REQUESTS.count, sidecarMatcher(config)), w)) };
}

/**
 * `(errors or 0 * total) / total`: a window without a single 5xx still records 0 instead of
 * nothing, so dashboards and `absent()`-free alerts see a value.
 */
function errorRatio(config: GeneratorConfig, w: string): RecordingRule {
  const total = sumBy(BY, rate(sel(REQUESTS.count, sidecarMatcher(config)), w));
  const errors = sumBy(BY, rate(sel(REQUESTS.count, sidecarMatcher(config), re(L.status, SERVER_ERROR_STATUS)), w));
  return { record: recorded.errorRatio(w), expr: `(${errors} or 0 * ${total})\n/\n${total}` };
}

/** Share of requests slower than the latency SLO's threshold, read from its bucket edge. */
function slowRatio(config: GeneratorConfig, w: string): RecordingRule {
  const total = sumBy(BY, rate(sel(REQUESTS.count, sidecarMatcher(config)), w));
  const fast = sumBy(BY, rate(sel(REQUESTS.bucket, sidecarMatcher(config), eq(LE, leValue(config.slo.latencySeconds))), w));
  return { record: recorded.slowRatio(w), expr: `1 - (\n${fast}\n/\n${total}\n)` };
}

function p99(config: GeneratorConfig, w: string): RecordingRule {
  return { record: recorded.p99(w), expr: quantile(0.99, sumBy([...BY, LE], rate(sel(REQUESTS.bucket, sidecarMatcher(config)), w))) };
}

export function checkLatencyEdge(config: GeneratorConfig): void {
  if (!(REQUEST_DURATION_BUCKETS as readonly number[]).includes(config.slo.latencySeconds)) {
    throw new Error(
      `slo.latencySeconds = ${config.slo.latencySeconds}: expected one of the request histogram's bucket edges (${REQUEST_DURATION_BUCKETS.join(', ')})`,
    );
  }
}

export interface RecordingGroup {
  readonly name: string;
  readonly rules: RecordingRule[];
}

export function recordingGroups(config: GeneratorConfig): RecordingGroup[] {
  checkLatencyEdge(config);
  const w = config.alertWindow;
  const shortTerm = [requestRate(config, w), errorRatio(config, w), p99(config, w)];
  const slo = SLO_WINDOWS.flatMap((win) => [...(win === w ? [] : [errorRatio(config, win)]), slowRatio(config, win)]);
  return [
    { name: 'paysidecar.requests.rules', rules: shortTerm },
    { name: 'paysidecar.slo.rules', rules: slo },
  ];
}
