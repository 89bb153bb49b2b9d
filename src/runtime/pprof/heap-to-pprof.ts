/**
 * V8 sampling heap profile (node:inspector HeapProfiler.getSamplingProfile) → pprof with
 * `inuse_objects/count` and `inuse_space/bytes`, one pprof sample per allocating call-tree node.
 *
 * V8 already scales each sample to the bytes it stands for (object size × round(1 / (1 − e^(−size/R))),
 * R the sampling interval), but the protocol drops the object size, so the object count is
 * recovered from that formula (estimateObjectCount). Space is V8's own estimate; counts are exact
 * for power-of-two object sizes and somewhat high for others.
 */
import type { Profile } from 'pprof-format';
import { PprofBuilder, stacksByNode, type V8CallFrame } from './pprof-builder';

/**
 * HeapProfiler.SamplingHeapProfile as V8 sends it; @types/node's copy predates the node ids and
 * the per-sample list.
 */
export interface SamplingHeapProfileNode {
  id: number;
  callFrame: V8CallFrame;
  selfSize: number;
  children: SamplingHeapProfileNode[];
}
export interface SamplingHeapProfile {
  head: SamplingHeapProfileNode;
  samples: Array<{ size: number; nodeId: number; ordinal: number }>;
}

export interface HeapProfileMeta {
  /** Average bytes between samples (HeapProfiler.startSampling samplingInterval). */
  intervalBytes: number;
  startedAtMs: number;
  durationMs: number;
}

/** V8 heap objects are at least 8 bytes and sized in steps of 8 (4 with pointer compression). */
const MIN_OBJECT_BYTES = 8;
const SIZE_STEP = 4;
/** How far the exact search looks before falling back to the smooth inversion. */
const MAX_SEARCH_STEPS = 256;

/** V8's own scaling (sampling-heap-profiler.cc ScaleSample): objects one sample of `size` bytes stands for. */
function v8Scale(size: number, rate: number): number {
  return Math.floor(1 / (1 - Math.exp(-size / rate)) + 0.5);
}

/**
 * How many objects one V8 sample of `scaledBytes` stands for, given sampling interval `rate`.
 * V8 reports size × round(1 / (1 − e^(−size/rate))). For objects much smaller than the interval
 * that is rate + something in (0, size], so size >= scaledBytes − rate; the smallest object size
 * that reproduces the reported bytes exactly is taken. It is exact for power-of-two sizes (which
 * divide the power-of-two intervals) and errs towards more objects otherwise. Larger objects
 * invert the smooth formula.
 */
export function estimateObjectCount(scaledBytes: number, rate: number): number {
  if (scaledBytes <= 0 || rate <= 0) return 0;
  const lower = Math.max(MIN_OBJECT_BYTES, Math.ceil((scaledBytes - rate) / SIZE_STEP) * SIZE_STEP);
  for (let size = lower, i = 0; i < MAX_SEARCH_STEPS && size <= scaledBytes; size += SIZE_STEP, i++) {
    const count = v8Scale(size, rate);
    if (size * count === scaledBytes) return count;
  }
  // f(s) = s / (1 − e^(−s/R)) rises from R (s → 0) towards s for s >> R: bisect f(s) = bytes.
  const f = (x: number) => x / -Math.expm1(-x / rate);
  let lo = MIN_OBJECT_BYTES;
  let hi = Math.max(scaledBytes, MIN_OBJECT_BYTES);
  if (f(lo) >= scaledBytes) return Math.max(1, Math.round(scaledBytes / lo));
  for (let i = 0; i < 60 && hi - lo > 0.5; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < scaledBytes) lo = mid;
    else hi = mid;
  }
  return Math.max(1, Math.round(scaledBytes / ((lo + hi) / 2)));
}

export function heapProfileToPprof(profile: SamplingHeapProfile, meta: HeapProfileMeta): Profile {
  const builder = new PprofBuilder();
  const stacks = stacksByNode(builder, profile.head, (n) => n.children ?? []);

  const objects = new Map<number, number>();
  const bytes = new Map<number, number>();
  for (const s of profile.samples ?? []) {
    objects.set(s.nodeId, (objects.get(s.nodeId) ?? 0) + estimateObjectCount(s.size, meta.intervalBytes));
    bytes.set(s.nodeId, (bytes.get(s.nodeId) ?? 0) + s.size);
  }
  for (const [id, space] of bytes) {
    const stack = stacks.get(id);
    if (stack && stack.length > 0) builder.sample(stack, [objects.get(id) ?? 0, Math.round(space)]);
  }
  return builder.build({
    sampleTypes: [
      { type: 'inuse_objects', unit: 'count' },
      { type: 'inuse_space', unit: 'bytes' },
    ],
    periodType: { type: 'space', unit: 'bytes' },
    period: meta.intervalBytes,
    timeNanos: meta.startedAtMs * 1e6,
    durationNanos: meta.durationMs * 1e6,
    defaultSampleType: 'inuse_space',
  });
}
