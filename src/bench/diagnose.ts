/**
 * The diagnosis of a watched run: a few documented rules over the steady window's figures
 * (steady-stats.ts) and the targets' CPU profiles. Each rule fires only on the data it names; a
 * rule whose inputs are missing (a target that did not answer, no profile) stays silent rather
 * than guess. The rules, in the order findings are shown:
 *
 * - client-bound: the load generator's own CPU ≥ 0.9 cores or its event loop ≥ 0.9 busy, while
 *   no watched target's loop is saturated: the client, not the service, set the pace.
 * - eventloop-saturated: a target's event-loop utilisation ≥ 0.9 (mean over the window); its
 *   hottest function from its own CPU profile is named.
 * - eventloop-blocked: a target's block probe saw a stall of ≥ 100 ms, or (not saturated) its
 *   delay p99 reached 100 ms. The culprit named is the user function with most CPU outside
 *   request dispatch (≥ 5% of CPU: timers, immediates), else the hottest function. On a saturated
 *   loop only such an off-request culprit makes it a block rather than queued requests.
 * - gc: a target spent ≥ 10% of wall time in GC pauses; the kind with most of it is named.
 * - upstream: the sidecar's loop was under 0.5 busy and its CPU under 0.5 cores while another
 *   watched target was saturated or blocked, or while the client's p99 broke the normal threshold:
 *   the sidecar waited on what is behind it.
 * - hot-function (info): each profiled target's hottest function by self time, with its share of
 *   the target's CPU and, for builtins, the nearest caller with a source file; when that is the
 *   block's culprit, the hottest function serving requests instead.
 */
import { runtime } from '../telemetry/names';
import { PSEUDO_FRAMES } from './cpu-profile';
import type { Finding } from './finding';
import type { BenchReport } from './report';
import type { ServerReport, TopFunction, WatchedTarget } from './server-report';
import { loadGeneratorStats, steadyPoints, targetStats, type TargetStats } from './steady-stats';

export const RULES = {
  /** Event-loop utilisation at which a Node process has no time left for more work. */
  saturatedUtilization: 0.9,
  /** As the agent's block probe and the event-loop alert count a block. */
  blockMs: runtime.EVENTLOOP_P99_ALERT_SECONDS * 1000,
  gcShare: runtime.GC_TIME_RATIO_ALERT,
  /** The load generator at one core (Node runs JS on one) or its loop this busy is the limit. */
  clientCores: 0.9,
  clientUtilization: 0.9,
  /** A sidecar below both of these was waiting, not working. */
  idleUtilization: 0.5,
  idleCores: 0.5,
  /** A function off the request path with this share of CPU can hold the loop (blocks are ≥ 100 ms). */
  minOffPathShare: 0.05,
  /** Fewer CPU samples than this say too little about where time went. */
  minSamples: 20,
} as const;

const f2 = (x: number) => (Math.round(x * 100) / 100).toString();
const ms = (x: number) => `${Math.round(x)} ms`;
const pctOf = (x: number) => `${Math.round(x * 100)}%`;

export function describeFunction(fn: TopFunction): string {
  const where = fn.file ? `${fn.file}${fn.line ? `:${fn.line}` : ''}` : undefined;
  if (fn.caller && (!where || where.startsWith('node:'))) return `${fn.name} ← ${fn.caller.name} (${fn.caller.file}${fn.caller.line ? `:${fn.caller.line}` : ''})`;
  return where ? `${fn.name} (${where})` : fn.name;
}

/** The hottest function a user can act on: pseudo-frames ((garbage collector), (program)) skipped. */
export function hottest(t: WatchedTarget): TopFunction | undefined {
  if (!t.cpu || t.cpu.samples < RULES.minSamples) return undefined;
  return t.cpu.top.find((f) => !PSEUDO_FRAMES.has(f.name));
}

/**
 * Who held the loop: the function with the most self time outside request dispatch (a timer, an
 * immediate …; a builtin is shown with its caller, and a callback V8 inlined into node's timer
 * loop shows as listOnTimeout), when it had at least `minOffPathShare` of the CPU; else, the
 * block being inside request handling, the hottest function overall.
 */
export function blockCulprit(t: WatchedTarget): { fn: TopFunction; offPath: boolean } | undefined {
  if (!t.cpu || t.cpu.samples < RULES.minSamples) return undefined;
  const off = t.cpu.offRequestPath.find((f) => f.self >= RULES.minOffPathShare);
  if (off) return { fn: off, offPath: true };
  const hot = hottest(t);
  return hot ? { fn: hot, offPath: false } : undefined;
}

interface Seen {
  target: WatchedTarget;
  stats: TargetStats;
}

export function diagnose(report: Pick<BenchReport, 'latencyMs' | 'verdict' | 'mode' | 'sendLagMs'>, server: ServerReport): Finding[] {
  const seen: Seen[] = server.targets.map((target) => ({ target, stats: targetStats(steadyPoints(target.series, server.steady)) }));
  const out: Finding[] = [];
  const saturated = (s: TargetStats) => (s.utilization ?? 0) >= RULES.saturatedUtilization;
  const blocked = (s: TargetStats) => (s.blockMaxMs ?? 0) >= RULES.blockMs || (!saturated(s) && (s.delayP99MaxMs ?? 0) >= RULES.blockMs);

  const lg = loadGeneratorStats(steadyPoints(server.loadGenerator, server.steady));
  if (lg && (lg.cpuCores >= RULES.clientCores || lg.utilization >= RULES.clientUtilization) && !seen.some((s) => saturated(s.stats))) {
    const lag = report.mode !== 'closed' && report.sendLagMs > 0 ? `; requests left ${f2(report.sendLagMs)} ms late on average` : '';
    out.push({
      rule: 'client-bound',
      level: 'bottleneck',
      summary: `client-bound: the load generator's own CPU was the limit (${f2(lg.cpuCores)} cores, event loop ${f2(lg.utilization)} busy)${lag}; no watched target was saturated`,
      evidence: { cpuCores: f2(lg.cpuCores), utilization: f2(lg.utilization), sendLagMs: report.sendLagMs },
    });
  }

  for (const { target, stats } of seen) {
    if (saturated(stats)) {
      const hot = hottest(target);
      const cpu = hot ? `; ${pctOf(hot.total)} of CPU under ${describeFunction(hot)}` : '';
      out.push({
        rule: 'eventloop-saturated',
        level: 'bottleneck',
        target: target.name,
        summary: `${target.name}: event loop saturated: utilisation ${f2(stats.utilization as number)}, delay p99 ${ms(stats.delayP99Ms ?? 0)}${cpu}`,
        evidence: { utilization: f2(stats.utilization as number), delayP99Ms: stats.delayP99Ms ?? 0, ...(hot ? { function: hot.name, cpuShare: hot.total } : {}) },
      });
    }
    const culprit = blocked(stats) ? blockCulprit(target) : undefined;
    // A saturated loop also shows long gaps between timers; only a culprit outside request
    // handling tells a block apart from the queue of requests.
    if (blocked(stats) && (!saturated(stats) || culprit?.offPath)) {
      const longest = stats.blockMaxMs !== undefined ? `longest block ${ms(stats.blockMaxMs)}, ${stats.blocks ?? 0} blocks; ` : '';
      const busy = saturated(stats) ? `while saturated` : `while only ${f2(stats.utilization ?? 0)} busy (synchronous work, not load)`;
      const who = culprit ? `; likely culprit ${describeFunction(culprit.fn)}, ${pctOf(culprit.offPath ? culprit.fn.self : culprit.fn.total)} of CPU${culprit.offPath ? ' outside request handling' : ''}` : '';
      out.push({
        rule: 'eventloop-blocked',
        level: 'bottleneck',
        target: target.name,
        summary: `${target.name}: event loop blocked: ${longest}delay p99 up to ${ms(stats.delayP99MaxMs ?? 0)} ${busy}${who}`,
        evidence: { blockMaxMs: stats.blockMaxMs ?? 0, blocks: stats.blocks ?? 0, delayP99MaxMs: stats.delayP99MaxMs ?? 0, utilization: f2(stats.utilization ?? 0), ...(culprit ? { function: culprit.fn.name } : {}) },
      });
    }
    if (stats.gcShare !== undefined && stats.gcShare >= RULES.gcShare) {
      const kinds = Object.entries(stats.gcShareByKind ?? {}).sort(([, a], [, b]) => b - a);
      const split = kinds.length ? ` (${kinds.filter(([, v]) => v > 0.0005).map(([k, v]) => `${k} ${pctOf(v)}`).join(', ')})` : '';
      out.push({
        rule: 'gc',
        level: 'bottleneck',
        target: target.name,
        summary: `${target.name}: GC: ${pctOf(stats.gcShare)} of wall time in GC pauses${split}`,
        evidence: { gcShare: f2(stats.gcShare), ...(kinds[0] ? { mainKind: kinds[0][0] } : {}) },
      });
    }
  }

  const busyBehind = seen.filter((s) => s.target.role !== 'sidecar' && (saturated(s.stats) || blocked(s.stats)));
  for (const { target, stats } of seen) {
    if (target.role !== 'sidecar' || stats.utilization === undefined || stats.cpuCores === undefined) continue;
    if (stats.utilization >= RULES.idleUtilization || stats.cpuCores >= RULES.idleCores) continue;
    const slow = report.verdict.p99.level !== 'normal';
    if (!busyBehind.length && !slow) continue;
    const behind = busyBehind.length
      ? `the sidecar waited on ${busyBehind.map((b) => `${b.target.name} (utilisation ${f2(b.stats.utilization ?? 0)})`).join(', ')}`
      : `client p99 ${ms(report.latencyMs.p99)} while the sidecar was idle: the time went behind it`;
    out.push({
      rule: 'upstream',
      level: 'bottleneck',
      target: target.name,
      summary: `upstream: ${behind}; its own CPU ${f2(stats.cpuCores)} cores, event loop ${f2(stats.utilization)} busy`,
      evidence: { cpuCores: f2(stats.cpuCores), utilization: f2(stats.utilization), clientP99Ms: report.latencyMs.p99 },
    });
  }

  for (const { target, stats } of seen) {
    let hot = hottest(target);
    if (!hot) continue;
    // When the hottest function is the block already named, the one to tune for throughput is
    // the hottest serving requests.
    const blockedBy = out.find((f) => f.rule === 'eventloop-blocked' && f.target === target.name)?.evidence.function;
    const serving = blockedBy === hot.name ? target.cpu?.requestPath?.[0] : undefined;
    if (serving) hot = serving;
    const cores = stats.cpuCores !== undefined ? ` of ${f2(stats.cpuCores)} cores` : '';
    out.push({
      rule: 'hot-function',
      level: 'info',
      target: target.name,
      summary: `${target.name}: hottest function ${serving ? 'serving requests ' : ''}${describeFunction(hot)}: ${pctOf(hot.self)} of its CPU${cores} in itself, ${pctOf(hot.total)} under it`,
      evidence: { function: hot.name, self: hot.self, total: hot.total, ...(hot.file ? { file: hot.file } : {}) },
    });
  }
  return out;
}

export function attachServerSide(report: BenchReport, server: ServerReport): void {
  report.server = server;
  report.findings = diagnose(report, server);
}
