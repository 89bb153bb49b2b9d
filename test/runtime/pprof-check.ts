/** Reading pprof files the way their consumers do: pprof-format's decoder and `go tool pprof`. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

export function decodeProfile(gz: Uint8Array): Profile {
  assert.equal(gz[0], 0x1f, 'gzip magic');
  assert.equal(gz[1], 0x8b, 'gzip magic');
  return Profile.decode(gunzipSync(gz));
}

export function str(p: Profile, i: number | bigint): string {
  return p.stringTable.strings[Number(i)];
}

/** The invariants profile.proto states and `go tool pprof` relies on. */
export function assertPprofInvariants(p: Profile, sampleTypes: Array<[string, string]>): void {
  assert.equal(p.stringTable.strings[0], '', 'string_table[0] must be ""');
  assert.deepEqual(
    p.sampleType.map((t) => [str(p, t.type), str(p, t.unit)]),
    sampleTypes,
  );
  assert.ok(p.sample.length > 0, 'the profile has samples');
  const functions = new Map(p.function.map((f) => [Number(f.id), f]));
  assert.equal(functions.size, p.function.length, 'function ids are unique');
  assert.ok(!functions.has(0), 'function ids are non-zero');
  const locations = new Map(p.location.map((l) => [Number(l.id), l]));
  assert.equal(locations.size, p.location.length, 'location ids are unique');
  assert.ok(!locations.has(0), 'location ids are non-zero');
  for (const l of p.location) {
    assert.ok(l.line.length > 0, `location ${l.id} names a function`);
    for (const line of l.line) {
      const f = functions.get(Number(line.functionId));
      assert.ok(f, `location ${l.id} points at function ${line.functionId}, which exists`);
      if (str(p, f.filename) !== '') assert.ok(Number(line.line) >= 1, `lines are 1-based (${str(p, f.name)} has ${line.line})`);
    }
  }
  for (const s of p.sample) {
    assert.equal(s.value.length, p.sampleType.length, 'one value per sample type');
    assert.ok(s.value.every((v) => Number(v) >= 0), 'values are non-negative');
    assert.ok(s.locationId.length > 0, 'every sample has a stack');
    for (const id of s.locationId) assert.ok(locations.has(Number(id)), `sample location ${id} exists`);
  }
}

/** Function names of a sample's stack, leaf first as stored. */
export function stackNames(p: Profile, s: Profile['sample'][number]): string[] {
  const locations = new Map(p.location.map((l) => [Number(l.id), l]));
  const functions = new Map(p.function.map((f) => [Number(f.id), f]));
  return s.locationId.map((id) => str(p, functions.get(Number(locations.get(Number(id))!.line[0].functionId))!.name));
}

/** Self value per function name (the leaf of each stack) for one sample type. */
export function selfByFunction(p: Profile, valueIndex: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of p.sample) {
    const leaf = stackNames(p, s)[0];
    out.set(leaf, (out.get(leaf) ?? 0) + Number(s.value[valueIndex]));
  }
  return out;
}

/** `go tool pprof -top` output; fails with a clear message when Go is not installed. */
export function goPprofTop(file: string, extra: string[] = []): string {
  try {
    return execFileSync('go', ['tool', 'pprof', '-top', ...extra, file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PPROF_TMPDIR: process.env.TMPDIR ?? '/tmp', HOME: process.env.HOME ?? '/tmp' },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('`go` is not installed: these tests run `go tool pprof`; install Debian golang-go (scripts/ensure-test-tools.sh does)');
    }
    throw new Error(`go tool pprof -top ${file} failed: ${e.stderr ?? e.message}`);
  }
}

/** Rows of `go tool pprof -top`: flat value text and the function name, in the order printed. */
export function topRows(output: string): Array<{ flatPct: number; name: string }> {
  const rows: Array<{ flatPct: number; name: string }> = [];
  let inTable = false;
  for (const line of output.split('\n')) {
    if (/^\s*flat\s+flat%/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable || line.trim() === '') continue;
    const m = /^\s*\S+\s+([\d.]+)%\s+[\d.]+%\s+\S+\s+[\d.]+%\s+(.+)$/.exec(line);
    if (m) rows.push({ flatPct: Number(m[1]), name: m[2].trim() });
  }
  return rows;
}
