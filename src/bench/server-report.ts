/**
 * The server side of a watched run (`bench --watch`), as the JSON report carries it: each target's
 * per-second series, the profiles taken from it and the decoded CPU profile, and the load
 * generator's own CPU, all on one clock (seconds from `startedAt`).
 */
import type { ServerPoint } from './server-series';

export type TargetRole = 'sidecar' | 'app';

export interface TopFunction {
  name: string;
  /** Source file (relative to the working directory when under it) and line, when V8 knows one. */
  file?: string;
  line?: number;
  /** Share of all CPU samples spent in this function itself (0..1). */
  self: number;
  /** Share of samples with this function anywhere on the stack (0..1). */
  total: number;
  /** The nearest caller with a source file, for builtins and native code (e.g. JSON.parse ← orders.ts). */
  caller?: { name: string; file: string; line?: number };
}

/** A flame-graph node: `value` samples under it (itself included). */
export interface FlameNode {
  name: string;
  file?: string;
  value: number;
  children?: FlameNode[];
}

export interface CpuSummary {
  samples: number;
  /** CPU time the profile holds, ms. */
  cpuMs: number;
  top: TopFunction[];
  /**
   * Functions by self share over the samples that were not serving an HTTP request (no
   * `parserOnIncoming` on the stack): timers, immediates, background work. A block that is not
   * per-request work shows here (`self` counts those samples only).
   */
  offRequestPath: TopFunction[];
  /** The same over the samples serving a request: the work that grows with the load. */
  requestPath: TopFunction[];
  flame: FlameNode;
}

export interface ProfileRef {
  kind: 'cpu' | 'heap' | 'trace';
  /** Path of the saved file as given to the user (open with `go tool pprof`, or Perfetto for the trace). */
  file: string;
  /** Seconds from the watch's start. */
  fromT: number;
  seconds: number;
}

export interface WatchedTarget {
  /** Base URL, e.g. http://127.0.0.1:15090 */
  url: string;
  /** Short name for tables and charts: the service name, else the role, plus the port. */
  name: string;
  role?: TargetRole;
  service?: string;
  /** Scrapes that answered, of those tried. */
  scrapes: { ok: number; tried: number };
  /** What went wrong, once per kind (a target that never answered, a refused profile …). */
  warnings: string[];
  series: ServerPoint[];
  profiles: ProfileRef[];
  cpu?: CpuSummary;
}

export interface LoadGeneratorPoint {
  t: number;
  /** The bench process's CPU seconds per second. */
  cpuCores: number;
  utilization: number;
}

export interface ServerReport {
  startedAt: string;
  /** The window the CPU profile covered (or, without one, the steady part of the run), seconds from startedAt. */
  steady?: { fromT: number; toT: number };
  targets: WatchedTarget[];
  loadGenerator: LoadGeneratorPoint[];
}
