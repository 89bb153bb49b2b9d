/**
 * The included payment gateway's own dashboard: what the sidecar sees of its routes, then what
 * only the gateway knows (platform calls, retries and the breaker, orders, callbacks, the journal,
 * caches, injected faults). Built with the product's dashboard helpers and the gateway's metric
 * names; the product's dashboards know nothing of the example.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { GeneratorConfig } from '../../../src/generate/config';
import { dashboardRef, GOLDEN } from '../../../src/generate/dashboards/catalog';
import { REQUEST, TARGET, detailLink, finish, frame } from '../../../src/generate/dashboards/frame';
import { RATE_INTERVAL, row, timeSeries } from '../../../src/generate/dashboards/panels';
import { errorRatio, orZero, requestRate, sumRate } from '../../../src/generate/dashboards/queries';
import { INSTANCE, L, LE, histogram, quantile, rate, sel, sumBy } from '../../../src/generate/promql';
import { prom, promLabel, runtime, type MetricName } from '../../../src/telemetry/names';
import * as gateway from '../gateway/names';

export const GATEWAY_DASHBOARD = dashboardRef('paysidecar-payment-gateway', 'Paysidecar / Payment gateway (example)');

/** How the committed copy is regenerated; named in the dashboard's do-not-edit notice. */
export const GENERATE_COMMAND = 'node dist/examples/payments/dashboards/generate.js examples/payments/dashboards';
export const GENERATOR_DIR = 'examples/payments/dashboards/';

function p99(m: MetricName, by: readonly string[]): string {
  return quantile(0.99, sumBy([...by, LE], rate(sel(histogram(m).bucket, ...TARGET), RATE_INTERVAL)));
}

export function paymentGatewayDashboard(config: GeneratorConfig): dashboard.Dashboard {
  const outcome = promLabel(gateway.ATTR_OUTCOME);
  const operation = promLabel(gateway.ATTR_OPERATION);
  const reason = promLabel(gateway.ATTR_REASON);
  const state = promLabel(gateway.ATTR_STATE);
  const kind = promLabel(gateway.ATTR_KIND);
  const cache = promLabel(gateway.ATTR_CACHE);
  const result = promLabel(gateway.ATTR_RESULT);
  const route = promLabel(gateway.ATTR_ROUTE);
  const tradeType = promLabel(gateway.ATTR_TRADE_TYPE);
  const b = frame(config, {
    ref: GATEWAY_DASHBOARD,
    description: 'The included example payment gateway behind the paysidecar sidecar: its routes as the sidecar sees them, platform calls, retries and breaker, orders, callbacks, journal, caches.',
    // The sidecar and the gateway's agent both write it, so the job list offers both.
    jobMetric: prom(runtime.EVENTLOOP_UTILIZATION),
    generatedBy: { command: GENERATE_COMMAND, from: GENERATOR_DIR },
    tags: ['example'],
  });

  b.withRow(row('Through the sidecar'))
    .withPanel(
      timeSeries({
        title: 'Gateway requests per second by route',
        description: 'Requests to the gateway as the sidecar in front of it records them, per route template (the gateway\'s routes are passed to the sidecar with --route).',
        unit: 'reqps',
        targets: [{ expr: requestRate([L.route], REQUEST), legend: '{{http_route}}' }],
        links: [detailLink(GOLDEN)],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Gateway error ratio (5xx) by route',
        description: 'Share of gateway requests answered 5xx, per route template, as the sidecar records them.',
        unit: 'percentunit',
        min: 0,
        threshold: config.joint.errorRatio,
        targets: [{ expr: errorRatio([L.route], REQUEST), legend: '{{http_route}}' }],
      }),
    );

  b.withRow(row('Platform calls'))
    .withPanel(
      timeSeries({
        title: 'Gateway → platform calls by outcome',
        description: 'Calls from the payment gateway to the payment platform (after retries), by outcome; recorded by the in-process agent.',
        unit: 'ops',
        targets: [{ expr: sumRate([outcome], prom(gateway.PLATFORM_CALLS), ...TARGET), legend: '{{outcome}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Gateway retries and circuit breaker',
        description: 'Retried platform attempts per second by reason, and the breaker state (0 closed, 1 half-open, 2 open).',
        unit: 'ops',
        targets: [
          { expr: orZero(sumRate([reason], prom(gateway.PLATFORM_RETRIES), ...TARGET)), legend: 'retries {{reason}}' },
          { expr: sumBy([INSTANCE], sel(prom(gateway.BREAKER_STATE), ...TARGET), 'max'), legend: 'breaker {{instance}}' },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Platform call p99 by operation',
        description: '99th percentile of a whole platform call, retries and backoff included, per operation.',
        unit: 's',
        targets: [{ expr: p99(gateway.PLATFORM_CALL_DURATION, [operation]), legend: '{{operation}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Breaker transitions by state entered',
        description: 'Circuit breaker state changes per second; a breaker flapping between open and half-open means the platform fails its probes.',
        unit: 'ops',
        targets: [{ expr: orZero(sumRate([state], prom(gateway.BREAKER_TRANSITIONS), ...TARGET)), legend: '{{state}}' }],
      }),
    );

  b.withRow(row('Orders and callbacks'))
    .withPanel(
      timeSeries({
        title: 'Orders by trade type and outcome',
        description: 'Order creation requests per second, by trade type (JSAPI, NATIVE) and outcome.',
        unit: 'ops',
        targets: [{ expr: orZero(sumRate([tradeType, outcome], prom(gateway.ORDERS), ...TARGET)), legend: '{{trade_type}} {{outcome}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Payment callbacks by kind and outcome',
        description: 'Payment and refund notifications received from the platform: applied, duplicate, or rejected (and why).',
        unit: 'ops',
        targets: [{ expr: orZero(sumRate([kind, outcome], prom(gateway.NOTIFY_RECEIVED), ...TARGET)), legend: '{{kind}} {{outcome}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Account deductions by outcome',
        description: 'Account debits per second: ok, insufficient balance, or a version conflict (a concurrent debit won).',
        unit: 'ops',
        targets: [{ expr: orZero(sumRate([outcome], prom(gateway.ACCOUNT_DEDUCTIONS), ...TARGET)), legend: '{{outcome}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Requests rate limited by route',
        description: 'Inbound API requests refused with 429 by the gateway\'s token bucket (--rate-limit), per route.',
        unit: 'reqps',
        targets: [{ expr: orZero(sumRate([route], prom(gateway.RATE_LIMITED), ...TARGET)), legend: '{{http_route}}' }],
      }),
    );

  b.withRow(row('Journal, caches and faults'))
    .withPanel(
      timeSeries({
        title: 'Journal writes by outcome',
        description: 'Journal records appended (fsync included) per second; 0 when the gateway runs without --journal.',
        unit: 'ops',
        targets: [
          { expr: orZero(sumRate([outcome], prom(gateway.JOURNAL_WRITES), ...TARGET)), legend: '{{outcome}}' },
          { expr: orZero(sumRate([], prom(gateway.JOURNAL_TRUNCATED), ...TARGET)), legend: 'truncated at replay' },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Journal fsync p99',
        description: '99th percentile of one group write plus fsync; every state change waits for it.',
        unit: 's',
        targets: [{ expr: p99(gateway.JOURNAL_FSYNC_DURATION, [INSTANCE]), legend: '{{instance}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Cache lookups by cache and result',
        description: 'Lookups in the verified platform-key cache and the notify-id (duplicate callback) cache, hit or miss.',
        unit: 'ops',
        targets: [{ expr: orZero(sumRate([cache, result], prom(gateway.CACHE_LOOKUPS), ...TARGET)), legend: '{{cache}} {{result}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Faults injected by kind',
        description: 'Latency and errors the gateway injected into its own API (--fault-* or POST /admin/faults): a test is running, these are not real failures.',
        unit: 'ops',
        targets: [{ expr: orZero(sumRate([kind], prom(gateway.FAULTS_INJECTED), ...TARGET)), legend: '{{kind}}' }],
      }),
    );
  return finish(b.build());
}
