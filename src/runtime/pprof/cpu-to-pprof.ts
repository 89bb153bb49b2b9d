/**
 * V8 CPU profile (node:inspector Profiler.stop) → pprof: sample types `samples/count` and
 * `cpu/nanoseconds`, one pprof sample per sampled call-tree node. Each V8 sample is charged the
 * time until the next sample (timeDeltas[i + 1]), the last one the sampling interval. `(idle)`
 * samples are left out: a CPU profile shows where CPU went, as Go's does.
 */
import type { Profiler } from 'node:inspector';
import type { Profile } from 'pprof-format';
import { PprofBuilder, stacksByNode } from './pprof-builder';

export interface CpuProfileMeta {
  /** Requested sampling interval (µs). */
  intervalUs: number;
  /** Wall-clock start of the capture (ms since the epoch). */
  startedAtMs: number;
}

const IDLE = '(idle)';

export function cpuProfileToPprof(profile: Profiler.Profile, meta: CpuProfileMeta): Profile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
  const root = profile.nodes.find((n) => !childIds.has(n.id)) ?? profile.nodes[0];
  const builder = new PprofBuilder();
  const stacks = stacksByNode(builder, root, (n) => (n.children ?? []).flatMap((id) => byId.get(id) ?? []));

  const counts = new Map<number, number>();
  const nanos = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i];
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === IDLE) continue;
    const dtUs = Math.max(0, deltas[i + 1] ?? meta.intervalUs);
    counts.set(id, (counts.get(id) ?? 0) + 1);
    nanos.set(id, (nanos.get(id) ?? 0) + dtUs * 1000);
  }
  for (const [id, count] of counts) {
    const stack = stacks.get(id);
    if (stack && stack.length > 0) builder.sample(stack, [count, Math.round(nanos.get(id) ?? 0)]);
  }
  return builder.build({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: meta.intervalUs * 1000,
    timeNanos: meta.startedAtMs * 1e6,
    durationNanos: Math.max(0, profile.endTime - profile.startTime) * 1000,
    defaultSampleType: 'cpu',
  });
}
