/**
 * The stress-test view: stress against prod in rate, latency and errors, and the question that
 * matters during a run — is it hurting prod? The traffic variable is deliberately not applied
 * to the comparisons here: they always show both classes.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { STRESS_REJECTIONS, TRAFFIC_PROD, TRAFFIC_STRESS, prom } from '../../telemetry/names';
import type { GeneratorConfig } from '../config';
import { ALERTS, L, REQUESTS, eq, re, sel } from '../promql';
import { ALERT_PREFIX } from '../alerts/rules';
import { GOLDEN, STRESS } from './catalog';
import { TARGET, VAR, detailLink, finish, frame } from './frame';
import { row, statPanel, timeSeries } from './panels';
import { errorRatio, latencyQuantile, orZero, requestRate, sumRate } from './queries';

export function stressDashboard(config: GeneratorConfig): dashboard.Dashboard {
  const t = L.traffic;
  const both = [...TARGET, re(L.route, VAR.route)];
  const prod = [...both, eq(t, TRAFFIC_PROD)];
  const stress = [...both, eq(t, TRAFFIC_STRESS)];
  const g = config.stressGuard;
  const b = frame(config, {
    ref: STRESS,
    description: 'Stress-test (coloured) traffic against production traffic, and whether the stress run is hurting production.',
    jobMetric: REQUESTS.count,
  });

  b.withRow(row('Is the stress run hurting prod?'))
    .withPanel(
      statPanel({
        title: 'Stress guard',
        description: `Red while the ${ALERT_PREFIX}StressHurtingProd alert fires: stress traffic is running and prod p99 is above ${g.p99Seconds}s or prod errors above ${g.errorRatio * 100}%. Stop the stress test.`,
        unit: 'none',
        threshold: 1,
        width: 6,
        targets: [{ expr: `max(${sel(ALERTS, eq('alertname', `${ALERT_PREFIX}StressHurtingProd`), eq('alertstate', 'firing'))}) or vector(0)`, legend: 'guard' }],
        mappings: { '0': { text: 'OK', color: 'green' }, '1': { text: 'STOP THE STRESS TEST', color: 'red' } },
      }),
    )
    .withPanel(
      statPanel({
        title: 'Stress share of traffic',
        description: 'Stress requests as a share of all requests through the sidecar.',
        unit: 'percentunit',
        width: 6,
        targets: [{ expr: `(${requestRate([], stress)} or vector(0))\n/\n${requestRate([], both)}`, legend: 'stress share' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Prod p99 against the guard threshold',
        description: `Production p99 with the stress-guard threshold (${g.p99Seconds}s) dashed, next to the stress request rate.`,
        unit: 's',
        threshold: g.p99Seconds,
        targets: [{ expr: latencyQuantile(0.99, [], prod), legend: 'prod p99' }],
        links: [detailLink(GOLDEN)],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Prod error ratio against the guard threshold',
        description: `Production 5xx ratio with the stress-guard threshold (${g.errorRatio * 100}%) dashed.`,
        unit: 'percentunit',
        threshold: g.errorRatio,
        min: 0,
        targets: [{ expr: errorRatio([], prod), legend: 'prod errors' }],
        links: [detailLink(GOLDEN)],
      }),
    );

  b.withRow(row('Stress vs prod'))
    .withPanel(
      timeSeries({
        title: 'Requests per second: stress vs prod',
        description: 'Request rate per traffic class.',
        unit: 'reqps',
        width: 8,
        targets: [{ expr: requestRate([t], both), legend: '{{traffic}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'p99: stress vs prod',
        description: 'p99 latency per traffic class; stress latency rising first is expected, prod following is the warning sign. The dots are exemplars (stress traces are always exported): hover one to open its trace or access-log lines.',
        unit: 's',
        width: 8,
        targets: [{ expr: latencyQuantile(0.99, [t], both), legend: '{{traffic}}', exemplar: true }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Error ratio: stress vs prod',
        description: '5xx ratio per traffic class.',
        unit: 'percentunit',
        width: 8,
        min: 0,
        targets: [{ expr: errorRatio([t], both), legend: '{{traffic}}' }],
      }),
    );

  b.withRow(row('Stress admission'))
    .withPanel(
      timeSeries({
        title: 'Stress markers stripped, by reason',
        description: 'Requests carrying stress-test headers from untrusted peers or with bad tokens; the markers were stripped and the request went on as prod.',
        unit: 'reqps',
        targets: [{ expr: orZero(sumRate([L.reason], prom(STRESS_REJECTIONS), ...TARGET)), legend: '{{reason}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Stress requests by route',
        description: 'Where the stress run is sending its load.',
        unit: 'reqps',
        targets: [{ expr: requestRate([L.route], stress), legend: '{{http_route}}' }],
      }),
    );
  return finish(b.build());
}
