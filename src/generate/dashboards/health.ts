/**
 * The sidecar's own health, the series no payment graph shows: config reloads and restart-only
 * changes, requests shed at the door, what it refuses or repairs on the way in (invalid
 * traceparents, untrusted stress markers, debug callers), spans it could not export, and hooks
 * the agent caught failing inside the app. The sidecar-health alerts link here.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { REQUESTS_SHED, STRESS_REJECTIONS, TRACE_INVALID_PARENT, admin, host, prom, promLabel, runtime } from '../../telemetry/names';
import { SIDECAR_HEALTH_ALERTS } from '../alerts/sidecar-health';
import type { GeneratorConfig } from '../config';
import { ALERTS, INSTANCE, JOB, L, eq, re, sel, sumBy } from '../promql';
import { HEALTH } from './catalog';
import { TARGET, finish, frame } from './frame';
import { row, statPanel, timeSeries } from './panels';
import { orZero, sumRate } from './queries';

export function healthDashboard(config: GeneratorConfig): dashboard.Dashboard {
  const result = promLabel(admin.ATTR_RESULT);
  const reason = promLabel(host.ATTR_DROP_REASON);
  const hook = promLabel(runtime.ATTR_HOOK);
  const failure = eq(result, admin.RELOAD_RESULTS.failure);
  const restart = prom(admin.CONFIG_RESTART_REQUIRED);
  const b = frame(config, {
    ref: HEALTH,
    description: 'The paysidecar sidecar itself: config reloads, restart-only changes, load shedding, refused or repaired inbound headers, span export, agent hook errors.',
    // Both the sidecar and the agent write it, so the job list offers both (hook errors come from the agent).
    jobMetric: prom(runtime.EVENTLOOP_UTILIZATION),
  });

  b.withRow(row('Now'))
    .withPanel(
      statPanel({
        title: 'Restart required',
        description: 'Whether any selected sidecar runs with a config file holding a restart-only change (listen, upstream, timeouts …); PaysidecarRestartRequired tickets after 30 minutes.',
        unit: 'none',
        threshold: 1,
        mappings: { 0: { text: 'no', color: 'green' }, 1: { text: 'restart', color: 'red' } },
        targets: [{ expr: orZero(sumBy([], sel(restart, ...TARGET), 'max')), legend: 'restart required' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Failed config reloads',
        description: 'Config reloads that failed, per second: the running config stays and the file is not what runs.',
        unit: 'ops',
        threshold: 0.0001,
        targets: [{ expr: orZero(sumRate([], prom(admin.CONFIG_RELOADS), ...TARGET, failure)), legend: 'failed/s' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Requests shed',
        description: 'Requests answered 503 PAYSIDECAR_OVERLOADED at the door because --max-inflight requests were in flight.',
        unit: 'reqps',
        threshold: 0.0001,
        targets: [{ expr: orZero(sumRate([], prom(REQUESTS_SHED), ...TARGET)), legend: 'shed/s' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Spans dropped',
        description: 'Sampled spans that never reached the OTLP collector, per second.',
        unit: 'ops',
        threshold: 0.0001,
        targets: [{ expr: orZero(sumRate([], prom(host.SPANS_DROPPED), ...TARGET)), legend: 'dropped/s' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Agent hook errors',
        description: 'Errors the in-process agent caught in its own hooks instead of throwing into the app, per second.',
        unit: 'ops',
        threshold: 0.0001,
        targets: [{ expr: orZero(sumRate([], prom(runtime.AGENT_HOOK_ERRORS), ...TARGET)), legend: 'errors/s' }],
      }),
    )
    .withPanel(
      statPanel({
        title: 'Sidecar-health alerts firing',
        description: 'Firing alerts about the sidecar itself (failed reload, restart required, spans dropped, agent hook errors, shedding).',
        unit: 'short',
        threshold: 1,
        targets: [
          {
            expr: `count(${sel(ALERTS, eq('alertstate', 'firing'), eq('service', config.service), re('alertname', Object.values(SIDECAR_HEALTH_ALERTS).join('|')))}) or vector(0)`,
            legend: 'firing',
          },
        ],
      }),
    );

  b.withRow(row('Config'))
    .withPanel(
      timeSeries({
        title: 'Config reloads by result',
        description: 'Reload attempts (file change or SIGHUP) per instance: success, or failure when the new config was invalid and the old one kept.',
        unit: 'ops',
        targets: [{ expr: orZero(sumRate([INSTANCE, result], prom(admin.CONFIG_RELOADS), ...TARGET)), legend: `{{instance}} {{${result}}}` }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Restart required by instance',
        description: '1 while the config file holds a change only a restart applies; the running values are kept until then.',
        unit: 'none',
        min: 0,
        max: 1,
        threshold: 1,
        targets: [{ expr: orZero(sumBy([INSTANCE], sel(restart, ...TARGET), 'max')), legend: '{{instance}}' }],
      }),
    );

  b.withRow(row('At the door'))
    .withPanel(
      timeSeries({
        title: 'Requests shed by traffic',
        description: 'Requests answered 503 without reaching the app because --max-inflight was reached; prod shedding tickets (PaysidecarSheddingRequests).',
        unit: 'reqps',
        targets: [{ expr: orZero(sumRate([L.traffic], prom(REQUESTS_SHED), ...TARGET)), legend: '{{traffic}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Invalid traceparent headers',
        description: 'Requests whose incoming traceparent was present but invalid, so the sidecar started a fresh trace: a caller with a broken tracer.',
        unit: 'reqps',
        targets: [{ expr: orZero(sumRate([INSTANCE], prom(TRACE_INVALID_PARENT), ...TARGET)), legend: '{{instance}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Stress markers rejected by reason',
        description: 'Requests whose stress-test headers were stripped (untrusted peer, bad or expired token); they went on as prod.',
        unit: 'reqps',
        targets: [{ expr: orZero(sumRate([L.reason], prom(STRESS_REJECTIONS), ...TARGET)), legend: '{{reason}}' }],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Debug endpoint refusals',
        description: 'Requests to /debug/pprof refused because the caller was neither on loopback nor carrying the debug token: someone is probing.',
        unit: 'reqps',
        targets: [{ expr: orZero(sumRate([JOB, INSTANCE], prom(admin.DEBUG_REFUSALS), ...TARGET)), legend: '{{job}} {{instance}}' }],
      }),
    );

  b.withRow(row('Spans and agent'))
    .withPanel(
      timeSeries({
        title: 'Span export: exported and dropped',
        description: 'Spans the OTLP collector accepted, spans dropped by reason (queue_full: the export queue overflowed; export_failed: the collector did not take them), and spans of failed requests exported although the head sampler did not sample them (kept failed: tail keep). 0 without an OTLP endpoint.',
        unit: 'ops',
        targets: [
          { expr: orZero(sumRate([], prom(host.SPANS_EXPORTED), ...TARGET)), legend: 'exported' },
          { expr: orZero(sumRate([], prom(host.SPANS_KEPT_FAILED), ...TARGET)), legend: 'kept failed (tail keep)' },
          { expr: orZero(sumRate([reason], prom(host.SPANS_DROPPED), ...TARGET)), legend: `dropped {{${reason}}}` },
        ],
      }),
    )
    .withPanel(
      timeSeries({
        title: 'Agent hook errors by hook',
        description: 'Failures the agent caught in its hooks (sampler, gc, block_probe, propagation, listener); the app runs on, but that hook\'s work is missing.',
        unit: 'ops',
        targets: [{ expr: orZero(sumRate([JOB, hook], prom(runtime.AGENT_HOOK_ERRORS), ...TARGET)), legend: `{{job}} {{${hook}}}` }],
      }),
    );
  return finish(b.build());
}
