/**
 * Payment golden signals, laid out like Linkerd's route dashboard and Istio's mesh dashboard:
 * headline stats, then traffic, errors and latency with prod and stress side by side, then per
 * route, then what the sidecar sees of its upstream.
 * Clicking a spike on the traffic or error panels opens the detail dashboards at the same range.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {
  CLIENT_ERRORS,
  HTTP_SERVER_ACTIVE_REQUESTS,
  UPSTREAM_ERRORS,
  prom,
} from '../../telemetry/names';
import type { GeneratorConfig } from '../config';
import { ALERTS, INSTANCE, L, REQUESTS, eq, sel, sumBy } from '../promql';
import { GOLDEN, HOST, RUNTIME, STRESS } from './catalog';
import { REQUEST, TARGET, detailLink, finish, frame } from './frame';
import { RATE_INTERVAL, row, statPanel, tablePanel, timeSeries } from './panels';
import { errorRatio, latencyQuantile, orZero, requestRate, slowerThan, sumRate } from './queries';

const STATUS_CLASS = 'status_class';

export function goldenSignals(config: GeneratorConfig): dashboard.Dashboard {
  const spikeLinks = [detailLink(RUNTIME), detailLink(HOST), detailLink(STRESS)];
  const t = L.traffic;
  const b = frame(config, {
    ref: GOLDEN,
    description: 'Payment traffic through the paysidecar sidecar: rate, errors, latency, saturation; prod and stress side by side.',
    jobMetric: REQUESTS.count,
  });

  b.withRow(row('Overview'))
    .withPanel(
      statPanel({
        title: 'Requests per second',
        description: 'All requests through the sidecar for the selected jobs, instances, routes and traffic.',
        unit: 'reqps',
        targets: [{ expr: requestRate([], REQUEST), legend: 'req/s' }],
        links: spikeLinks,
      }),
    )
    .withPanel(
      statPanel({
        title: 'Success rate',
        description: 'Share of requests not answered with a 5xx (4xx are the caller\'s problem and count as success here).',
        unit: 'percentunit',
        targets: [{ expr: `1 - (\n${errorRatio([], REQUEST)}\n)`, legend: 'success' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'p99 latency',
        description: `99th percentile of request duration. The joint alert pages above ${config.joint.p99Seconds}s together with errors and volume.`,
        unit: 's',
        threshold: config.joint.p99Seconds,
        targets: [{ expr: latencyQuantile(0.99, [], REQUEST), legend: 'p99' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'In flight',
        description: 'Requests currently inside the sidecar (accepted, not yet answered).',
        unit: 'short',
        targets: [{ expr: sumBy([], sel(prom(HTTP_SERVER_ACTIVE_REQUESTS), ...TARGET)), legend: 'in flight' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Upstream errors',
        description: 'Requests the sidecar could not get answered by its upstream (refused, reset, timed out), per second.',
        unit: 'reqps',
        targets: [{ expr: orZero(sumRate([], prom(UPSTREAM_ERRORS), ...TARGET)), legend: 'errors/s' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Firing alerts',
        description: 'paysidecar alerts firing now; the same alerts are drawn as annotations on every graph.',
        unit: 'short',
        threshold: 1,
        targets: [{ expr: `count(${sel(ALERTS, eq('alertstate', 'firing'), eq('service', config.service))}) or vector(0)`, legend: 'firing' }],
      }),
    );

  b.withRow(row('Traffic and errors'))
    .withPanel(
      timeSeries({
        title: 'Requests per second by traffic',
        description: 'prod and stress request rates. Click a spike to open the runtime, host or stress dashboard at this time range.',
        unit: 'reqps',
        targets: [{ expr: requestRate([t], REQUEST), legend: '{{traffic}}' }],
        links: spikeLinks,
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Error ratio (5xx) by traffic',
        description: `Share of requests answered 5xx, per traffic class. The joint alert threshold (${config.joint.errorRatio * 100}%) is dashed. Click a spike to drill down.`,
        unit: 'percentunit',
        threshold: config.joint.errorRatio,
        min: 0,
        targets: [{ expr: errorRatio([t], REQUEST), legend: '{{traffic}}' }],
        links: spikeLinks,
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Responses per second by status class',
        description: 'Responses grouped 2xx/3xx/4xx/5xx per traffic class. Click a spike to drill down.',
        unit: 'reqps',
        targets: [
          {
            expr: sumBy(
              [t, STATUS_CLASS],
              `label_replace(${`rate(${sel(REQUESTS.count, ...REQUEST)}[${RATE_INTERVAL}])`}, "${STATUS_CLASS}", "\${1}xx", "${L.status}", "([0-9])..")`,
            ),
            legend: '{{traffic}} {{status_class}}',
          },
        ],
        links: spikeLinks,
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Requests rejected before proxying',
        description: 'Connections or requests the sidecar refused itself (oversized headers, header timeout, parse errors), by error type.',
        unit: 'reqps',
        targets: [{ expr: orZero(sumRate([L.errorType], prom(CLIENT_ERRORS), ...TARGET)), legend: '{{error_type}}' }],
      }),
    );

  b.withRow(row('Latency'))
    .withPanel(
      timeSeries({
        title: 'Latency p50 / p95 / p99 by traffic',
        description: 'Request duration percentiles from the histogram (bucket edges at 0.3, 0.8 and 2 s match the thresholds). The dots are exemplars: one recent request per bucket, preferring ones whose trace was exported; hover one to open its trace or its access-log lines.',
        unit: 's',
        threshold: config.joint.p99Seconds,
        targets: [0.5, 0.95, 0.99].map((q) => ({ expr: latencyQuantile(q, [t], REQUEST), legend: `p${q * 100} {{traffic}}`, exemplar: q === 0.99 })),
      }),
    )
    .withPanel(
      timeSeries({
        title: `Requests slower than ${config.slo.latencySeconds}s`,
        description: `Share of requests over the latency SLO threshold; the SLO allows ${Number(((1 - config.slo.latency) * 100).toPrecision(6))}%.`,
        unit: 'percentunit',
        threshold: 1 - config.slo.latency,
        min: 0,
        targets: [{ expr: slowerThan(config.slo.latencySeconds, [t], REQUEST), legend: '{{traffic}}' }],
      }),
    );

  b.withRow(row('Routes'))
    .withPanel(
      timeSeries({
        title: 'Requests per second by route',
        description: 'Rate per route template.',
        unit: 'reqps',
        targets: [{ expr: requestRate([L.route], REQUEST), legend: '{{http_route}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'p99 by route',
        description: '99th percentile latency per route template; the dots are exemplars (hover one to open its trace or access-log lines).',
        unit: 's',
        targets: [{ expr: latencyQuantile(0.99, [L.route], REQUEST), legend: '{{http_route}}', exemplar: true }],
      }),
    )
    .withPanel(
      tablePanel({
        title: 'Routes',
        description: 'Per route and traffic class, now: rate, error ratio, p50/p99 latency.',
        unit: 'reqps',
        columnUnits: ['reqps', 'percentunit', 's', 's'],
        targets: [
          { expr: requestRate([L.route, t], REQUEST), legend: 'req/s' },
          { expr: errorRatio([L.route, t], REQUEST), legend: 'errors' },
          { expr: latencyQuantile(0.5, [L.route, t], REQUEST), legend: 'p50' },
          { expr: latencyQuantile(0.99, [L.route, t], REQUEST), legend: 'p99' },
        ],
      }),
    );

  b.withRow(row('Saturation and upstream'))
    .withPanel(
      timeSeries({
        title: 'In-flight requests',
        description: 'Requests inside the sidecar per instance; a steady climb means the upstream is slower than the arrival rate.',
        unit: 'short',
        targets: [{ expr: sumBy([INSTANCE], sel(prom(HTTP_SERVER_ACTIVE_REQUESTS), ...TARGET)), legend: '{{instance}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Upstream errors by type',
        description: 'Sidecar → app failures (connection refused/reset, timeouts), per second.',
        unit: 'reqps',
        targets: [{ expr: orZero(sumRate([L.errorType], prom(UPSTREAM_ERRORS), ...TARGET)), legend: '{{error_type}}' }],
      }),
    );
  return finish(b.build());
}
