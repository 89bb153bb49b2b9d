/**
 * The demo's load: the payment scenario through the sidecar, as two open-loop lanes at once —
 * production traffic and coloured stress traffic — so the sidecar's metrics, logs and traces
 * show both side by side.
 */
import { TRAFFIC_PROD, TRAFFIC_STRESS } from '../../../src/telemetry/names';
import { createProgress } from '../../../src/bench/progress';
import type { BenchReport, RunMeta } from '../../../src/bench/report';
import { runBench, type BenchPlan } from '../../../src/bench/run';
import { DEFAULT_MIX, PaymentScenario } from '../bench/scenario';
import { RateSchedule } from '../../../src/bench/schedule';
import { StressColour } from '../../../src/bench/stress-colour';
import { DEFAULT_THRESHOLDS } from '../../../src/bench/verdict';
import { profileWindow } from '../../../src/bench/profile-window';
import type { ServerReport } from '../../../src/bench/server-report';
import { startWatch } from '../../../src/bench/watch';

export const DEMO_SCENARIO = 'stress-demo';
const CONNECTIONS = 64;

export interface TrafficOptions {
  sidecarUrl: string;
  platformUrl: string;
  durationMs: number;
  prodRate: number;
  stressRate: number;
  stressSecret: string;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  signal: AbortSignal;
  /** Listeners to watch while the traffic runs (the sidecar's admin, the agent's), and where their profiles go. */
  watch?: { targets: URL[]; dir: string };
}

function lane(label: 'prod' | 'stress', rate: number, o: TrafficOptions): BenchPlan {
  const source = new PaymentScenario({ gateway: new URL(o.sidecarUrl), platform: new URL(o.platformUrl), mix: DEFAULT_MIX });
  const meta: RunMeta = {
    label,
    mode: 'open',
    target: source.description,
    traffic: label === 'stress' ? TRAFFIC_STRESS : TRAFFIC_PROD,
    rate,
    connections: CONNECTIONS,
  };
  const plan: BenchPlan = {
    meta,
    source,
    schedule: new RateSchedule([{ rate, durationMs: o.durationMs }]),
    durationMs: o.durationMs,
    maxRequests: Infinity,
    timeoutMs: 10_000,
    maxOutstanding: 10_000,
    traceIds: true,
    thresholds: DEFAULT_THRESHOLDS,
  };
  if (label === 'stress') {
    plan.colour = new StressColour(DEMO_SCENARIO, o.stressSecret);
    meta.scenario = DEMO_SCENARIO;
  }
  return plan;
}

/** Requests sent before the measured run, so the report is not all JIT and first connections. */
export const STACK_WARM_UP_REQUESTS = 100;

/**
 * A short closed-loop pass of the same scenario, not measured: a freshly started gateway, sidecar
 * and platform spend their first few hundred requests compiling hot paths and opening
 * connections, which a 30 s demo would otherwise report as its p99.
 */
export async function warmUpStack(sidecarUrl: string, platformUrl: string): Promise<void> {
  const source = new PaymentScenario({ gateway: new URL(sidecarUrl), platform: new URL(platformUrl), mix: DEFAULT_MIX });
  await runBench({
    meta: { label: 'warm-up', mode: 'closed', target: source.description, traffic: TRAFFIC_PROD, connections: 4 },
    source,
    durationMs: 10_000,
    maxRequests: STACK_WARM_UP_REQUESTS,
    timeoutMs: 10_000,
    maxOutstanding: 10_000,
    traceIds: false,
    thresholds: DEFAULT_THRESHOLDS,
  });
}

export async function runDemoTraffic(o: TrafficOptions): Promise<{ prod: BenchReport; stress: BenchReport; server?: ServerReport }> {
  const plans = [lane('prod', o.prodRate, o), lane('stress', o.stressRate, o)];
  const progress = createProgress(
    plans.map((p) => ({ name: p.meta.label, totalMs: o.durationMs, totalRequests: Infinity })),
    { stream: o.stream, intervalMs: 5000 },
  );
  // One watch beside both lanes (as `bench --watch` runs one beside its loop): the sidecar and
  // the gateway see prod and stress together.
  const watch = o.watch
    ? startWatch({
        targets: o.watch.targets,
        window: profileWindow({ durationMs: o.durationMs }),
        profile: { heap: false, trace: false, dir: o.watch.dir, prefix: 'report.' },
        onWarning: (m) => o.stream.write(`paysidecar demo: warning: ${m}\n`),
      })
    : undefined;
  try {
    const [prod, stress] = await Promise.all(
      plans.map((p) => runBench(p, { onProgress: (live) => progress.update(p.meta.label, live), progressEveryMs: progress.everyMs, signal: o.signal })),
    );
    return { prod, stress, server: await watch?.finish() };
  } finally {
    progress.stop();
  }
}
