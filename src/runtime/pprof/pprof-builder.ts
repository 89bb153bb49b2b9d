/**
 * Builds pprof profiles (profile.proto, via pprof-format) from V8 call trees. Shared by the CPU
 * and heap converters: functions deduplicated by name+file+line, one location per function
 * (V8 gives the function's start position, not the sampled line), stacks leaf first, V8's
 * 0-based lines turned 1-based. string_table[0] is "" (StringTable starts with it).
 */
import { fileURLToPath } from 'node:url';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

/** The fields of a V8 Runtime.CallFrame the converters need. */
export interface V8CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ValueTypeSpec {
  type: string;
  unit: string;
}

function fileName(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

export class PprofBuilder {
  readonly strings = new StringTable();
  private readonly functions: PprofFunction[] = [];
  private readonly functionIds = new Map<string, number>();
  private readonly locations: Location[] = [];
  private readonly locationIds = new Map<number, number>();
  private readonly samples: Sample[] = [];

  /** pprof location id (>= 1) for a frame; equal frames share one. */
  location(frame: V8CallFrame): number {
    const name = frame.functionName || '(anonymous)';
    const file = fileName(frame.url);
    const line = frame.lineNumber >= 0 ? frame.lineNumber + 1 : 0;
    const key = `${name}\0${file}\0${line}\0${frame.columnNumber}`;
    let fid = this.functionIds.get(key);
    if (fid === undefined) {
      fid = this.functions.length + 1;
      const nameId = this.strings.dedup(name);
      this.functions.push(new PprofFunction({ id: fid, name: nameId, systemName: nameId, filename: this.strings.dedup(file), startLine: line }));
      this.functionIds.set(key, fid);
    }
    let lid = this.locationIds.get(fid);
    if (lid === undefined) {
      lid = this.locations.length + 1;
      this.locations.push(new Location({ id: lid, line: [new Line({ functionId: fid, line })] }));
      this.locationIds.set(fid, lid);
    }
    return lid;
  }

  /** `stack` is location ids, leaf first; `values` one per sample type. */
  sample(stack: number[], values: number[]): void {
    this.samples.push(new Sample({ locationId: stack, value: values }));
  }

  build(p: {
    sampleTypes: ValueTypeSpec[];
    periodType: ValueTypeSpec;
    period: number;
    timeNanos: number;
    durationNanos: number;
    comments?: string[];
    /** The sample type `go tool pprof` shows by default (its `type`). */
    defaultSampleType?: string;
  }): Profile {
    const vt = (v: ValueTypeSpec) => new ValueType({ type: this.strings.dedup(v.type), unit: this.strings.dedup(v.unit) });
    return new Profile({
      sampleType: p.sampleTypes.map(vt),
      sample: this.samples,
      location: this.locations,
      function: this.functions,
      stringTable: this.strings,
      periodType: vt(p.periodType),
      period: Math.round(p.period),
      timeNanos: Math.round(p.timeNanos),
      durationNanos: Math.round(p.durationNanos),
      comment: (p.comments ?? []).map((c) => this.strings.dedup(c)),
      defaultSampleType: p.defaultSampleType ? this.strings.dedup(p.defaultSampleType) : 0,
    });
  }
}

/**
 * Walks a V8 call tree (CPU profile nodes or heap profile nodes) and returns, for each node id,
 * its stack of location ids leaf first, leaving out the synthetic `(root)` node.
 */
export function stacksByNode<N extends { id: number; callFrame: V8CallFrame }>(
  builder: PprofBuilder,
  root: N,
  childrenOf: (n: N) => readonly N[],
): Map<number, number[]> {
  const out = new Map<number, number[]>();
  // Iterative: deep recursion in an app's call tree must not overflow our stack.
  const pending: Array<{ node: N; parentStack: number[] }> = [{ node: root, parentStack: [] }];
  while (pending.length > 0) {
    const { node, parentStack } = pending.pop()!;
    const isRoot = node === root && node.callFrame.functionName === '(root)';
    const stack = isRoot ? parentStack : [builder.location(node.callFrame), ...parentStack];
    out.set(node.id, stack);
    for (const child of childrenOf(node)) pending.push({ node: child, parentStack: stack });
  }
  return out;
}
