/**
 * Reads a gzipped pprof CPU profile (what /debug/pprof/profile serves) into what the report shows:
 * the top functions by self and total share, each builtin tied to the nearest caller with a source
 * file, and a flame-graph tree. Decoding is pprof-format's; the tree is trimmed of nodes under
 * 0.1% of the samples so a long run's report stays small.
 */
import { relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import type { CpuSummary, FlameNode, TopFunction } from './server-report';

/** V8's pseudo-frames: not functions a user can change, so never "the hot function". */
export const PSEUDO_FRAMES = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);
const MIN_FLAME_SHARE = 0.001;
/** node:_http_server's dispatch of a parsed request to the 'request' listeners (Node 20 to 24). */
export const REQUEST_DISPATCH = 'parserOnIncoming';
const TOP = 15;

interface Frame {
  name: string;
  file: string;
  line: number;
}

/** Samples with this frame as the leaf: all of them, those off the request path, and by nearest user caller. */
interface SelfEntry {
  frame: Frame;
  value: number;
  off: number;
  callers: Map<string, { frame: Frame; value: number }>;
}

const key = (f: Frame) => `${f.name}\u0000${f.file}\u0000${f.line}`;

/** Paths under the working directory are shown relative to it, as a user would type them. */
export function showFile(file: string, cwd = process.cwd()): string {
  if (file.startsWith(cwd + sep)) return relative(cwd, file);
  return file;
}

/** A frame the user wrote (or installed): it has a file on disk, not a `node:` internal. */
function userFrame(f: Frame): boolean {
  return f.file !== '' && !f.file.startsWith('node:') && !PSEUDO_FRAMES.has(f.name);
}

export function decodePprof(gz: Uint8Array): Profile {
  return Profile.decode(gz[0] === 0x1f && gz[1] === 0x8b ? gunzipSync(gz) : gz);
}

export function summarizeCpuProfile(profile: Profile, cwd = process.cwd()): CpuSummary {
  const str = (i: number | bigint) => profile.stringTable.strings[Number(i)] ?? '';
  const types = profile.sampleType.map((t) => str(t.type));
  const valueIndex = Math.max(0, types.indexOf('cpu'));
  const samplesIndex = Math.max(0, types.indexOf('samples'));
  const functions = new Map(profile.function.map((f) => [Number(f.id), f]));
  const locations = new Map<number, Frame[]>();
  for (const loc of profile.location) {
    // Inlined frames come leaf first within a location, as the stack does.
    locations.set(
      Number(loc.id),
      loc.line.map((l) => {
        const fn = functions.get(Number(l.functionId));
        return { name: fn ? str(fn.name) || '(anonymous)' : '(unknown)', file: fn ? str(fn.filename) : '', line: Number(l.line) };
      }),
    );
  }

  const root: FlameNode & { byKey?: Map<string, FlameNode & { byKey?: Map<string, FlameNode> }> } = { name: 'all', value: 0 };
  const self = new Map<string, SelfEntry>();
  const total = new Map<string, number>();
  let samples = 0;
  let sum = 0;
  for (const s of profile.sample) {
    const v = Number(s.value[valueIndex] ?? 0);
    samples += Number(s.value[samplesIndex] ?? 0);
    if (v <= 0) continue;
    sum += v;
    const leafFirst = s.locationId.flatMap((id) => locations.get(Number(id)) ?? []);
    const stack = [...leafFirst].reverse();
    let node = root;
    node.value += v;
    for (const f of stack) {
      node.byKey ??= new Map();
      const k = key(f);
      let child = node.byKey.get(k);
      if (!child) {
        child = { name: f.name, value: 0, ...(f.file ? { file: `${showFile(f.file, cwd)}${f.line > 0 ? `:${f.line}` : ''}` } : {}) };
        node.byKey.set(k, child);
      }
      child.value += v;
      node = child;
    }
    const seen = new Set<string>();
    for (const f of leafFirst) {
      const k = key(f);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + v);
    }
    const leaf = leafFirst[0];
    if (!leaf) continue;
    const offPath = !leafFirst.some((f) => f.name === REQUEST_DISPATCH);
    const lk = key(leaf);
    let entry = self.get(lk);
    if (!entry) self.set(lk, (entry = { frame: leaf, value: 0, off: 0, callers: new Map() }));
    entry.value += v;
    if (offPath) entry.off += v;
    if (!userFrame(leaf)) {
      const caller = leafFirst.find(userFrame);
      if (caller) {
        const ck = key(caller);
        const c = entry.callers.get(ck) ?? { frame: caller, value: 0 };
        c.value += v;
        entry.callers.set(ck, c);
      }
    }
  }

  const share = (v: number) => (sum > 0 ? Math.round((v / sum) * 10_000) / 10_000 : 0);
  const describe = (k: string, e: SelfEntry, selfValue: number): TopFunction => {
    const t: TopFunction = { name: e.frame.name, self: share(selfValue), total: share(total.get(k) ?? e.value) };
    if (e.frame.file) t.file = showFile(e.frame.file, cwd);
    if (e.frame.line > 0) t.line = e.frame.line;
    const best = [...e.callers.values()].sort((a, b) => b.value - a.value)[0];
    if (best) t.caller = { name: best.frame.name, file: showFile(best.frame.file, cwd), ...(best.frame.line > 0 ? { line: best.frame.line } : {}) };
    return t;
  };
  const ranked = [...self.entries()];
  const top = [...ranked].sort(([, a], [, b]) => b.value - a.value).slice(0, TOP).map(([k, e]) => describe(k, e, e.value));
  const offRequestPath = ranked
    .filter(([, e]) => e.off > 0 && !PSEUDO_FRAMES.has(e.frame.name))
    .sort(([, a], [, b]) => b.off - a.off)
    .slice(0, 5)
    .map(([k, e]) => describe(k, e, e.off));

  const finish = (n: typeof root): FlameNode => {
    const kids = n.byKey ? [...n.byKey.values()].filter((c) => c.value >= sum * MIN_FLAME_SHARE).sort((a, b) => b.value - a.value) : [];
    const out: FlameNode = { name: n.name, value: n.value };
    if (n.file) out.file = n.file;
    if (kids.length) out.children = kids.map(finish);
    return out;
  };
  const period = Number(profile.period) || 0;
  const cpuMs = types[valueIndex] === 'cpu' ? sum / 1e6 : (sum * period) / 1e6;
  const requestPath = ranked
    .filter(([, e]) => e.value - e.off > 0 && !PSEUDO_FRAMES.has(e.frame.name))
    .sort(([, a], [, b]) => b.value - b.off - (a.value - a.off))
    .slice(0, 5)
    .map(([k, e]) => describe(k, e, e.value - e.off));
  return { samples, cpuMs: Math.round(cpuMs), top, offRequestPath, requestPath, flame: finish(root) };
}
