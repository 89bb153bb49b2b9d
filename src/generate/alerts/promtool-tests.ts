/**
 * promtool unit tests for every alert: each fires when it should and stays silent when one
 * condition is missing; stress traffic alone never fires a production alert. Scenarios are
 * built from the same config as the rules, so changing a threshold moves the test data with it,
 * and the expected annotations are rendered exactly as Prometheus would render them.
 */
import { ATTR_TRAFFIC, REQUESTS_SHED, TRAFFIC_PROD, TRAFFIC_STRESS, admin, host, prom, promLabel, runtime } from '../../telemetry/names';
import { promDurationSeconds, type GeneratorConfig } from '../config';
import { INSTANCE, JOB, L, UP, histogram } from '../promql';
import { recordingGroups } from './recording';
import { ALERT_PREFIX, BURN_PAIRS, alertGroups, type AlertRule } from './rules';
import { EVENT_WINDOW, SIDECAR_HEALTH_ALERTS } from './sidecar-health';
import { counterValues, gaugeValues, phase, requestSeries, windowRatio, type Bad, type InputSeries, type Phase, type TrafficSpec } from './scenario';
import { humanizePercentage, nearTie, renderTemplate } from './template';

export interface ExpectedAlert {
  readonly labels: Record<string, string>;
  /** The alert's `$value`, for rendering its annotations. */
  readonly value: number;
}

export interface AlertCheck {
  /** Step index of the evaluation. */
  readonly at: number;
  readonly alertname: string;
  readonly expect: readonly ExpectedAlert[];
}

export interface Scenario {
  readonly name: string;
  readonly series: readonly InputSeries[];
  readonly checks: readonly AlertCheck[];
}

export interface TestFile {
  /** File name under alerts/tests/. */
  readonly file: string;
  readonly stepSeconds: number;
  readonly scenarios: readonly Scenario[];
}

const SIDECAR_INSTANCE = '10.0.0.7:15090';
const AGENT_INSTANCE = '10.0.0.7:15091';

function plainJob(regex: string, key: string): string {
  if (!/^[a-zA-Z0-9_.:-]+$/.test(regex)) {
    throw new Error(`jobs.${key} = "${regex}": promtool tests need a plain job name to write input series; expected letters, digits, _ . : -`);
  }
  return regex;
}

function duration(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

class Builder {
  readonly rules: Map<string, AlertRule[]>;
  readonly sidecarJob: string;
  readonly agentJob: string;
  constructor(readonly config: GeneratorConfig) {
    this.rules = new Map();
    for (const g of alertGroups(config)) for (const r of g.rules) this.rules.set(r.alert, [...(this.rules.get(r.alert) ?? []), r]);
    this.sidecarJob = plainJob(config.jobs.sidecar, 'sidecar');
    this.agentJob = plainJob(config.jobs.agent, 'agent');
  }

  rule(alertname: string, labels: Record<string, string> = {}): AlertRule {
    const rules = this.rules.get(alertname) ?? [];
    const match = rules.find((r) => Object.entries(labels).every(([k, v]) => r.labels[k] === v));
    if (!match) throw new Error(`no rule ${alertname} with labels ${JSON.stringify(labels)}`);
    return match;
  }

  /** Steps needed before an alert whose condition holds from step `from` is firing. */
  firingAt(rule: AlertRule, stepSeconds: number, from: number): number {
    return from + Math.ceil(promDurationSeconds(rule.for) / stepSeconds) + 1;
  }

  /** The full label set promtool reports for a firing alert of `rule`. */
  labels(rule: AlertRule, exprLabels: Record<string, string>): Record<string, string> {
    return { ...exprLabels, ...rule.labels };
  }
}

/** The joint alert, the stress guard and the stress info alert. */
function paymentsFile(b: Builder): TestFile {
  const c = b.config;
  const windowSeconds = promDurationSeconds(c.alertWindow);
  const step = Math.min(60, windowSeconds / 5);
  const windowSteps = Math.ceil(windowSeconds / step);
  const j = c.joint;
  const g = c.stressGuard;
  const joint = b.rule(`${ALERT_PREFIX}PaymentsDegraded`);
  const guard = b.rule(`${ALERT_PREFIX}StressHurtingProd`);
  const active = b.rule(`${ALERT_PREFIX}StressTrafficActive`);
  // Long enough for the window to fill and the longest `for:` to pass, plus slack.
  const steps = windowSteps + Math.ceil(Math.max(...[joint, guard, active].map((r) => promDurationSeconds(r.for))) / step) + 5;
  const at = steps;
  const pendingAt = Math.min(2, steps);
  const rps = j.minRps * 2;
  const badErrors = Math.min(0.5, j.errorRatio * 2);
  const slowShare = 0.05; // 5% at 1.5x the p99 threshold pushes p99 above it
  const slowSeconds = Math.max(j.p99Seconds, g.p99Seconds) * 1.5;
  const prodLabels = { [JOB]: b.sidecarJob, [L.traffic]: TRAFFIC_PROD };
  const stressLabels = { [JOB]: b.sidecarJob, [L.traffic]: TRAFFIC_STRESS };
  const traffic = (traffic: typeof TRAFFIC_PROD | typeof TRAFFIC_STRESS, p: Phase): TrafficSpec => ({
    job: b.sidecarJob,
    instance: SIDECAR_INSTANCE,
    traffic,
    phases: [p],
  });
  const errorValue = (spec: TrafficSpec) => windowRatio(spec, step, at, windowSeconds, { errors: true });
  const degraded = traffic(TRAFFIC_PROD, phase(steps, rps, { errorShare: badErrors, slowShare, slowSeconds }));
  const healthy = traffic(TRAFFIC_PROD, phase(steps, rps));
  const stressBad = traffic(TRAFFIC_STRESS, phase(steps, rps, { errorShare: badErrors, slowShare, slowSeconds }));
  const stressLight = traffic(TRAFFIC_STRESS, phase(steps, Math.max(1, Math.round(j.minRps / 4))));
  const series = (...specs: TrafficSpec[]) => specs.flatMap((s) => requestSeries(s, step));
  const jointFires = (spec: TrafficSpec) => [{ labels: b.labels(joint, prodLabels), value: errorValue(spec) }];
  const silent = (...names: AlertRule[]) => names.map((r) => ({ at, alertname: r.alert, expect: [] }));
  const lowErrors = traffic(TRAFFIC_PROD, phase(steps, rps, { errorShare: j.errorRatio * 0.8, slowShare, slowSeconds }));
  return {
    file: 'payments.test.yml',
    stepSeconds: step,
    scenarios: [
      {
        name: 'joint alert: errors, p99 and rate all over their thresholds → fires after for:, not before',
        series: series(degraded),
        checks: [
          { at: pendingAt, alertname: joint.alert, expect: [] },
          { at, alertname: joint.alert, expect: jointFires(degraded) },
          ...silent(guard, active),
        ],
      },
      {
        name: 'joint alert: error ratio just under its threshold → silent',
        series: series(lowErrors),
        checks: silent(joint),
      },
      {
        name: 'joint alert: p99 under its threshold → silent',
        series: series(traffic(TRAFFIC_PROD, phase(steps, rps, { errorShare: badErrors }))),
        checks: silent(joint),
      },
      {
        name: 'joint alert: traffic under its rate threshold → silent',
        series: series(traffic(TRAFFIC_PROD, phase(steps, j.minRps / 2, { errorShare: badErrors, slowShare, slowSeconds }))),
        checks: silent(joint),
      },
      {
        name: 'stress traffic alone failing and slow → no production alert, no stress guard; info only',
        series: series(healthy, stressBad),
        checks: [
          ...silent(joint, guard),
          ...['AvailabilityBudgetBurn', 'LatencyBudgetBurn'].map((n) => ({ at, alertname: `${ALERT_PREFIX}${n}`, expect: [] })),
          { at, alertname: active.alert, expect: [{ labels: b.labels(active, stressLabels), value: rps }] },
        ],
      },
      {
        name: 'stress guard: stress running while prod p99 degrades → critical "stop the stress test"',
        series: series(traffic(TRAFFIC_PROD, phase(steps, rps, { slowShare, slowSeconds })), stressLight),
        checks: [{ at, alertname: guard.alert, expect: [{ labels: b.labels(guard, stressLabels), value: stressLight.phases[0].rps }] }],
      },
      {
        name: 'stress guard: stress running while prod errors rise → fires',
        series: series(traffic(TRAFFIC_PROD, phase(steps, rps, { errorShare: g.errorRatio * 2 })), stressLight),
        checks: [{ at, alertname: guard.alert, expect: [{ labels: b.labels(guard, stressLabels), value: stressLight.phases[0].rps }] }],
      },
      {
        name: 'stress guard: prod degraded but no stress traffic → silent',
        series: series(degraded),
        checks: silent(guard, active),
      },
      {
        name: 'stress guard: stress running, prod healthy → silent',
        series: series(healthy, stressLight),
        checks: silent(guard),
      },
    ],
  };
}


/** Multi-window burn-rate alerts for one SLI. `share` puts requests on the bad side of the SLI. */
function burnFile(b: Builder, kind: 'page' | 'ticket'): TestFile {
  const c = b.config;
  const pairs = BURN_PAIRS.filter((p) => (kind === 'page' ? p.severity === 'critical' : p.severity === 'warning'));
  const step = kind === 'page' ? 60 : 600;
  const scenarios: Scenario[] = [];
  const slis = [
    {
      alert: `${ALERT_PREFIX}AvailabilityBudgetBurn`,
      target: c.slo.availability,
      bad: (share: number) => ({ errorShare: share }),
      badKind: { errors: true } as Bad,
      les: [] as number[],
    },
    {
      alert: `${ALERT_PREFIX}LatencyBudgetBurn`,
      target: c.slo.latency,
      bad: (share: number) => ({ slowShare: share, slowSeconds: c.slo.latencySeconds * 2, fastSeconds: c.slo.latencySeconds / 2 }),
      badKind: { slowerThan: c.slo.latencySeconds } as Bad,
      les: [c.slo.latencySeconds],
    },
  ];
  for (const sli of slis) {
    // Window ratios are exact fractions of whole request counts; a rate and burn that put one on
    // a %.4g rounding tie (see template.ts) are swapped for the next candidate. Burns stay under
    // 1.5x the pair's factor, below the next pair's (ticket 3x → page 6x).
    let chosen: Scenario[] | undefined;
    search: for (const boost of [1.4, 1.45, 1.3, 1.35]) {
      for (const rps of [7, 11, 13]) {
        const list = sliScenarios(sli, rps, boost);
        if (list.every((sc) => sc.checks.every((chk) => chk.expect.every((e) => !nearTie(humanizePercentage, e.value))))) {
          chosen = list;
          break search;
        }
      }
    }
    if (!chosen) throw new Error(`${sli.alert} ${kind}: every candidate request rate puts an expected value on a rounding tie`);
    scenarios.push(...chosen);
  }

  function sliScenarios(sli: (typeof slis)[number], rps: number, boost: number): Scenario[] {
    const scenarios: Scenario[] = [];
    const budget = 1 - sli.target;
    const [fast, slow] = pairs; // page: 1h/5m, 6h/30m; ticket: 1d/2h, 3d/6h
    const prodLabels = { [JOB]: b.sidecarJob, [L.traffic]: TRAFFIC_PROD };
    const spec = (phases: Phase[]): TrafficSpec => ({ job: b.sidecarJob, instance: SIDECAR_INSTANCE, traffic: TRAFFIC_PROD, phases, les: sli.les });
    const expectFor = (s: TrafficSpec, at: number, pair: (typeof pairs)[number]) => ({
      labels: b.labels(b.rule(sli.alert, { long: pair.long, short: pair.short }), prodLabels),
      value: windowRatio(s, step, at, promDurationSeconds(pair.long), sli.badKind),
    });
    // Burning just above the faster pair's factor: only that pair's `for:` has passed at `at`.
    const fastRule = b.rule(sli.alert, { long: fast.long, short: fast.short });
    const burnShare = Math.min(0.9, budget * fast.factor * boost);
    const at = b.firingAt(fastRule, step, 1) + 1;
    const slowFor = Math.ceil(promDurationSeconds(b.rule(sli.alert, { long: slow.long, short: slow.short }).for) / step);
    const burning = spec([phase(at, rps, sli.bad(burnShare))]);
    const firing = [expectFor(burning, at, fast)];
    if (at > slowFor + 1) firing.push(expectFor(burning, at, slow));
    scenarios.push({
      name: `${sli.alert} ${kind}: burning at ${fast.factor}x+ over ${fast.long} and ${fast.short} → fires (${fast.long}/${fast.short})`,
      series: requestSeries(burning, step),
      checks: [{ at, alertname: sli.alert, expect: firing }],
    });
    // Same burn, then recovery long enough to empty the short window but not the long one: the
    // fast pair goes silent (its short-window condition is missing); the slower pair may still fire.
    const shortSteps = Math.ceil(promDurationSeconds(fast.short) / step) + 1;
    const burnSteps = b.firingAt(fastRule, step, 1) + Math.ceil(promDurationSeconds(slow.for) / step) + 1;
    const recovered = spec([phase(burnSteps, rps, sli.bad(burnShare)), phase(shortSteps, rps)]);
    const atR = burnSteps + shortSteps;
    const longStill = windowRatio(recovered, step, atR, promDurationSeconds(slow.long), sli.badKind) > budget * slow.factor;
    const shortStill = windowRatio(recovered, step, atR, promDurationSeconds(slow.short), sli.badKind) > budget * slow.factor;
    scenarios.push({
      name: `${sli.alert} ${kind}: burn over ${fast.long} but recovered over ${fast.short} → ${fast.long}/${fast.short} silent`,
      series: requestSeries(recovered, step),
      checks: [{ at: atR, alertname: sli.alert, expect: longStill && shortStill ? [expectFor(recovered, atR, slow)] : [] }],
    });
    // Spending the budget slower than the slowest pair's factor never alerts.
    const gentle = spec([phase(at, rps, sli.bad(budget * Math.min(...pairs.map((p) => p.factor)) * 0.5))]);
    scenarios.push({
      name: `${sli.alert} ${kind}: spending budget below ${Math.min(...pairs.map((p) => p.factor))}x → silent`,
      series: requestSeries(gentle, step),
      checks: [{ at, alertname: sli.alert, expect: [] }],
    });
    // Stress traffic alone, however bad, never burns the production budget.
    const stressOnly: TrafficSpec = { ...spec([phase(at, rps, sli.bad(0.9))]), traffic: TRAFFIC_STRESS };
    scenarios.push({
      name: `${sli.alert} ${kind}: stress traffic alone burning → silent`,
      series: [...requestSeries(spec([phase(at, rps)]), step), ...requestSeries(stressOnly, step)],
      checks: [{ at, alertname: sli.alert, expect: [] }],
    });
    return scenarios;
  }
  return { file: `slo-${kind}.test.yml`, stepSeconds: step, scenarios };
}

function gaugeScenario(
  b: Builder,
  alert: string,
  build: (value: number, steps: number) => InputSeries[],
  bad: number,
  good: number,
  exprLabels: Record<string, string>,
  valueOf: (v: number) => number = (v) => v,
): Scenario[] {
  const rule = b.rule(alert);
  const at = b.firingAt(rule, 60, 1) + 1;
  return [
    {
      name: `${alert}: over its threshold for longer than for: → fires`,
      series: build(bad, at + 1),
      checks: [{ at, alertname: alert, expect: [{ labels: b.labels(rule, exprLabels), value: valueOf(bad) }] }],
    },
    { name: `${alert}: under its threshold → silent`, series: build(good, at + 1), checks: [{ at, alertname: alert, expect: [] }] },
  ];
}

function runtimeHostFile(b: Builder): TestFile {
  const c = b.config;
  const side = { [JOB]: b.sidecarJob, [INSTANCE]: SIDECAR_INSTANCE };
  const agent = { [JOB]: b.agentJob, [INSTANCE]: AGENT_INSTANCE };
  const lbl = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  const gauge = (name: string, labels: Record<string, string>) => (v: number, steps: number) => [{ series: `${name}${lbl(labels)}`, values: gaugeValues([[v, steps]]) }];
  const gc = histogram(runtime.GC_DURATION);
  const heapLimit = 1_000_000_000;
  const cgroupLimit = 2_000_000_000;
  const state = promLabel(host.ATTR_CONNECTION_STATE);
  const tw = prom(host.SYSTEM_NETWORK_CONNECTIONS);
  const twRule = b.rule(`${ALERT_PREFIX}TimeWaitSurge`);
  const twFor = Math.ceil(promDurationSeconds(twRule.for) / 60);
  const twSurge = c.host.timeWaitMin * 2;
  const twBase = Math.floor(c.host.timeWaitMin / (c.host.timeWaitSurgeFactor * 4));
  const twSeries = (runs: [number, number][]) => [{ series: `${tw}${lbl({ ...side, [state]: 'TIME_WAIT' })}`, values: gaugeValues(runs) }];
  // What `paysidecar run --agent-metrics` exposes: the app's series on the sidecar's target.
  const merged = { ...side, [runtime.MERGED_SOURCE_LABEL]: runtime.MERGED_SOURCE_AGENT };
  const heapRule = b.rule(`${ALERT_PREFIX}HeapNearLimit`);
  const heapAt = b.firingAt(heapRule, 60, 1) + 1;
  const heapBad = (1 + c.runtime.heapRatio) / 2;
  const eventLoop = b.rule(`${ALERT_PREFIX}EventLoopLag`);
  const elAt = b.firingAt(eventLoop, 60, 1) + 1;
  return {
    file: 'runtime-host.test.yml',
    stepSeconds: 60,
    scenarios: [
      ...gaugeScenario(b, `${ALERT_PREFIX}EventLoopLag`, gauge(prom(runtime.EVENTLOOP_DELAY.p99), agent), c.runtime.eventLoopP99Seconds * 2.5, c.runtime.eventLoopP99Seconds / 2, agent),
      {
        name: `${ALERT_PREFIX}EventLoopLag: a spike shorter than for: → silent`,
        series: [{ series: `${prom(runtime.EVENTLOOP_DELAY.p99)}${lbl(side)}`, values: gaugeValues([[c.runtime.eventLoopP99Seconds * 3, 2], [0.001, elAt]]) }],
        checks: [{ at: elAt, alertname: eventLoop.alert, expect: [] }],
      },
      ...gaugeScenario(
        b,
        `${ALERT_PREFIX}GcTimeHigh`,
        (share, steps) => [{ series: `${gc.sum}${lbl(side)}`, values: counterValues(Array<number>(steps).fill(share * 60)) }],
        Math.min(0.9, c.runtime.gcTimeRatio * 2),
        c.runtime.gcTimeRatio / 2,
        side,
      ),
      ...gaugeScenario(
        b,
        `${ALERT_PREFIX}HeapNearLimit`,
        (ratio, steps) => [...gauge(prom(runtime.HEAP_USED), agent)(ratio * heapLimit, steps), ...gauge(prom(runtime.HEAP_LIMIT), agent)(heapLimit, steps)],
        (1 + c.runtime.heapRatio) / 2,
        c.runtime.heapRatio / 2,
        agent,
      ),
      {
        name: `${ALERT_PREFIX}HeapNearLimit: sidecar and merged agent series under one target → only the full heap alerts`,
        series: [
          ...gauge(prom(runtime.HEAP_USED), side)(heapLimit * 0.1, heapAt + 1),
          ...gauge(prom(runtime.HEAP_LIMIT), side)(heapLimit, heapAt + 1),
          ...gauge(prom(runtime.HEAP_USED), merged)(heapLimit * heapBad, heapAt + 1),
          ...gauge(prom(runtime.HEAP_LIMIT), merged)(heapLimit, heapAt + 1),
        ],
        checks: [{ at: heapAt, alertname: heapRule.alert, expect: [{ labels: b.labels(heapRule, merged), value: heapBad }] }],
      },
      ...gaugeScenario(b, `${ALERT_PREFIX}HostCpuSaturated`, gauge(prom(host.SYSTEM_CPU_UTILIZATION), side), (1 + c.host.cpuUtilization) / 2, c.host.cpuUtilization / 2, side),
      ...gaugeScenario(
        b,
        `${ALERT_PREFIX}MemoryNearCgroupLimit`,
        (ratio, steps) => [...gauge(prom(host.CONTAINER_MEMORY_USAGE), side)(ratio * cgroupLimit, steps), ...gauge(prom(host.CONTAINER_MEMORY_LIMIT), side)(cgroupLimit, steps)],
        (1 + c.host.memoryRatio) / 2,
        c.host.memoryRatio / 2,
        side,
      ),
      {
        name: `${twRule.alert}: a jump from a calm hour to ${twSurge} sockets → fires`,
        series: twSeries([[twBase, 60], [twSurge, twFor + 3]]),
        checks: [{ at: 60 + twFor + 2, alertname: twRule.alert, expect: [{ labels: b.labels(twRule, side), value: twSurge }] }],
      },
      {
        name: `${twRule.alert}: many sockets but steady for an hour (no surge) → silent`,
        series: twSeries([[twSurge, 60 + twFor + 3]]),
        checks: [{ at: 60 + twFor + 2, alertname: twRule.alert, expect: [] }],
      },
      {
        name: `${twRule.alert}: a surge that stays under ${c.host.timeWaitMin} sockets → silent`,
        series: twSeries([[twBase, 60], [Math.floor(c.host.timeWaitMin / 2), twFor + 3]]),
        checks: [{ at: 60 + twFor + 2, alertname: twRule.alert, expect: [] }],
      },
    ],
  };
}

function targetsFile(b: Builder): TestFile {
  const sidecarDown = b.rule(`${ALERT_PREFIX}SidecarDown`);
  const agentDown = b.rule(`${ALERT_PREFIX}AgentDown`);
  const at = Math.max(b.firingAt(sidecarDown, 60, 0), b.firingAt(agentDown, 60, 0)) + 1;
  const up = (job: string, instance: string, v: number) => ({ series: `${UP}{${JOB}="${job}", ${INSTANCE}="${instance}"}`, values: gaugeValues([[v, at + 1]]) });
  if (b.config.agentMetrics === 'merged') {
    const side = { [JOB]: b.sidecarJob, [INSTANCE]: SIDECAR_INSTANCE };
    const agentUp = (v: number) => ({ series: `${prom(runtime.AGENT_UP)}{${JOB}="${b.sidecarJob}", ${INSTANCE}="${SIDECAR_INSTANCE}"}`, values: gaugeValues([[v, at + 1]]) });
    return {
      file: 'targets.test.yml',
      stepSeconds: 60,
      scenarios: [
        {
          name: 'sidecar scraped, agent answering the merge → silent',
          series: [up(b.sidecarJob, SIDECAR_INSTANCE, 1), agentUp(1)],
          checks: [
            { at, alertname: sidecarDown.alert, expect: [] },
            { at, alertname: agentDown.alert, expect: [] },
          ],
        },
        {
          name: 'agent not answering the sidecar → AgentDown; sidecar fine',
          series: [up(b.sidecarJob, SIDECAR_INSTANCE, 1), agentUp(0)],
          checks: [
            { at, alertname: agentDown.alert, expect: [{ labels: b.labels(agentDown, side), value: 0 }] },
            { at, alertname: sidecarDown.alert, expect: [] },
          ],
        },
        {
          name: 'sidecar never discovered → SidecarDown (absent)',
          series: [],
          checks: [{ at, alertname: sidecarDown.alert, expect: [{ labels: b.labels(sidecarDown, {}), value: 1 }] }],
        },
      ],
    };
  }
  return {
    file: 'targets.test.yml',
    stepSeconds: 60,
    scenarios: [
      {
        name: 'sidecar and agent scraped → silent',
        series: [up(b.sidecarJob, SIDECAR_INSTANCE, 1), up(b.agentJob, AGENT_INSTANCE, 1)],
        checks: [
          { at, alertname: sidecarDown.alert, expect: [] },
          { at, alertname: agentDown.alert, expect: [] },
        ],
      },
      {
        name: 'sidecar scrape failing → SidecarDown (critical); agent fine → AgentDown silent',
        series: [up(b.sidecarJob, SIDECAR_INSTANCE, 0), up(b.agentJob, AGENT_INSTANCE, 1)],
        checks: [
          { at, alertname: sidecarDown.alert, expect: [{ labels: b.labels(sidecarDown, { [JOB]: b.sidecarJob, [INSTANCE]: SIDECAR_INSTANCE }), value: 0 }] },
          { at, alertname: agentDown.alert, expect: [] },
        ],
      },
      {
        name: 'agent never discovered → AgentDown (absent)',
        series: [up(b.sidecarJob, SIDECAR_INSTANCE, 1)],
        checks: [
          { at, alertname: agentDown.alert, expect: [{ labels: b.labels(agentDown, {}), value: 1 }] },
          { at, alertname: sidecarDown.alert, expect: [] },
        ],
      },
    ],
  };
}

/**
 * The sidecar's own health. The event alerts (a failed reload, a hook error) are tested the way
 * the SDK really writes a counter: the series first appears already at 1, which `increase()`
 * alone would never see; an old failure that no longer moves stays silent.
 */
function sidecarFile(b: Builder): TestFile {
  const step = 60;
  const side = { [JOB]: b.sidecarJob, [INSTANCE]: SIDECAR_INSTANCE };
  const agent = { [JOB]: b.agentJob, [INSTANCE]: AGENT_INSTANCE };
  const lbl = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
  const series = (name: string, labels: Record<string, string>, values: string) => ({ series: `${name}${lbl(labels)}`, values });
  const windowSteps = Math.ceil(promDurationSeconds(EVENT_WINDOW) / step);
  const result = promLabel(admin.ATTR_RESULT);
  const hook = promLabel(runtime.ATTR_HOOK);
  const reason = promLabel(host.ATTR_DROP_REASON);
  const traffic = promLabel(ATTR_TRAFFIC);
  const reloads = prom(admin.CONFIG_RELOADS);
  const hookErrors = prom(runtime.AGENT_HOOK_ERRORS);
  const reloadRule = b.rule(SIDECAR_HEALTH_ALERTS.reloadFailed);
  const hookRule = b.rule(SIDECAR_HEALTH_ALERTS.agentHookErrors);
  const spansRule = b.rule(SIDECAR_HEALTH_ALERTS.spansDropped);
  const shedRule = b.rule(SIDECAR_HEALTH_ALERTS.shedding);
  // An event at step `appear`, then quiet: firing once `for:` has passed, silent a window later.
  const appear = 5;
  const eventAt = b.firingAt(reloadRule, step, appear);
  const quietAt = appear + windowSteps + 7;
  const steps = quietAt + 2;
  /** A lazily created counter: absent, then 1 from step `from` on. */
  const bornAt = (from: number) => `_x${from} 1+0x${steps - from}`;
  /** A counter that existed from the start and moves by one at step `at`. */
  const bumpAt = (at: number) => `0+0x${at - 1} 1+0x${steps - at}`;
  const sustained = (perSecond: number) => counterValues(Array<number>(steps).fill(perSecond * step));
  const spansAt = b.firingAt(spansRule, step, 1) + 1;
  const shedAt = b.firingAt(shedRule, step, 1) + 1;
  return {
    file: 'sidecar.test.yml',
    stepSeconds: step,
    scenarios: [
      {
        name: `${reloadRule.alert}: the first failed reload (a new series, already at 1) → fires; a window later → silent`,
        series: [series(reloads, { ...side, [result]: admin.RELOAD_RESULTS.success }, sustained(0)), series(reloads, { ...side, [result]: admin.RELOAD_RESULTS.failure }, bornAt(appear))],
        checks: [
          { at: eventAt, alertname: reloadRule.alert, expect: [{ labels: b.labels(reloadRule, side), value: 1 }] },
          { at: quietAt, alertname: reloadRule.alert, expect: [] },
        ],
      },
      {
        name: `${reloadRule.alert}: another failure on a counter that already counted one → fires`,
        series: [series(reloads, { ...side, [result]: admin.RELOAD_RESULTS.failure }, bumpAt(windowSteps + 5))],
        checks: [{ at: b.firingAt(reloadRule, step, windowSteps + 5) + 1, alertname: reloadRule.alert, expect: [{ labels: b.labels(reloadRule, side), value: 1 }] }],
      },
      {
        name: `${reloadRule.alert}: successful reloads only → silent`,
        series: [series(reloads, { ...side, [result]: admin.RELOAD_RESULTS.success }, counterValues(Array<number>(steps).fill(1)))],
        checks: [{ at: eventAt, alertname: reloadRule.alert, expect: [] }],
      },
      ...gaugeScenario(b, SIDECAR_HEALTH_ALERTS.restartRequired, (v, n) => [series(prom(admin.CONFIG_RESTART_REQUIRED), side, gaugeValues([[v, n]]))], 1, 0, side),
      {
        name: `${SIDECAR_HEALTH_ALERTS.restartRequired}: a restart-only change applied by a restart within the grace time → silent`,
        series: [series(prom(admin.CONFIG_RESTART_REQUIRED), side, gaugeValues([[1, 10], [0, 40]]))],
        checks: [{ at: 45, alertname: SIDECAR_HEALTH_ALERTS.restartRequired, expect: [] }],
      },
      {
        name: `${spansRule.alert}: spans dropped steadily (export failing) → fires`,
        series: [series(prom(host.SPANS_DROPPED), { ...side, [reason]: host.SPAN_DROP_REASONS.exportFailed }, sustained(1.5))],
        checks: [{ at: spansAt, alertname: spansRule.alert, expect: [{ labels: b.labels(spansRule, { ...side, [reason]: host.SPAN_DROP_REASONS.exportFailed }), value: 1.5 }] }],
      },
      {
        name: `${spansRule.alert}: spans exported, none dropped → silent`,
        series: [series(prom(host.SPANS_EXPORTED), side, sustained(5)), series(prom(host.SPANS_DROPPED), { ...side, [reason]: host.SPAN_DROP_REASONS.queueFull }, sustained(0))],
        checks: [{ at: spansAt, alertname: spansRule.alert, expect: [] }],
      },
      {
        name: `${hookRule.alert}: the agent's first propagation hook error (a new series) → fires`,
        series: [series(hookErrors, { ...agent, [hook]: runtime.AGENT_HOOKS.propagation }, bornAt(appear))],
        checks: [
          { at: eventAt, alertname: hookRule.alert, expect: [{ labels: b.labels(hookRule, { ...agent, [hook]: runtime.AGENT_HOOKS.propagation }), value: 1 }] },
          { at: quietAt, alertname: hookRule.alert, expect: [] },
        ],
      },
      {
        name: `${hookRule.alert}: an old hook error that no longer moves → silent`,
        series: [series(hookErrors, { ...agent, [hook]: runtime.AGENT_HOOKS.gc }, gaugeValues([[3, steps]]))],
        checks: [{ at: quietAt, alertname: hookRule.alert, expect: [] }],
      },
      {
        name: `${shedRule.alert}: production requests shed for longer than for: → fires`,
        series: [series(prom(REQUESTS_SHED), { ...side, [traffic]: TRAFFIC_PROD }, sustained(2))],
        checks: [{ at: shedAt, alertname: shedRule.alert, expect: [{ labels: b.labels(shedRule, side), value: 2 }] }],
      },
      {
        name: `${shedRule.alert}: only stress traffic shed → silent`,
        series: [series(prom(REQUESTS_SHED), { ...side, [traffic]: TRAFFIC_STRESS }, sustained(2)), series(prom(REQUESTS_SHED), { ...side, [traffic]: TRAFFIC_PROD }, sustained(0))],
        checks: [{ at: shedAt, alertname: shedRule.alert, expect: [] }],
      },
    ],
  };
}

export function promtoolTestFiles(config: GeneratorConfig): TestFile[] {
  const b = new Builder(config);
  return [paymentsFile(b), burnFile(b, 'page'), burnFile(b, 'ticket'), runtimeHostFile(b), targetsFile(b), sidecarFile(b)];
}

/** The promtool YAML document of one test file; `rulesPath` is relative to the test file. */
export function promtoolTestDocument(config: GeneratorConfig, file: TestFile, rulesPath: string): Record<string, unknown> {
  const b = new Builder(config);
  const step = duration(file.stepSeconds);
  const groupOrder = [...recordingGroups(config), ...alertGroups(config)].map((g) => g.name);
  return {
    rule_files: [rulesPath],
    evaluation_interval: step,
    // Recording groups first at each step, as alerts read what they record; without this the
    // order is unspecified and an alert can read the previous step's value (or none at all).
    group_eval_order: groupOrder,
    tests: file.scenarios.map((s) => ({
      name: s.name,
      interval: step,
      input_series: s.series.map((x) => ({ series: x.series, values: x.values })),
      alert_rule_test: s.checks.map((chk) => ({
        eval_time: duration(chk.at * file.stepSeconds),
        alertname: chk.alertname,
        exp_alerts: chk.expect.map((e) => {
          const rule = b.rule(chk.alertname, { severity: e.labels.severity, ...(e.labels.long ? { long: e.labels.long, short: e.labels.short } : {}) });
          const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, renderTemplate(v, e.labels, e.value, chk.at * file.stepSeconds)]));
          return { exp_labels: e.labels, exp_annotations: annotations };
        }),
      })),
    })),
  };
}
