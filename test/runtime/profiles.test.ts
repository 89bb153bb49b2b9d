/**
 * CPU and heap profiles of this very process, captured through node:inspector and converted to
 * pprof: decoded with pprof-format (profile.proto invariants), then read by `go tool pprof -top`,
 * which must name the known hot function and the known allocator.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { captureCpuProfile } from '../../src/runtime/pprof/cpu';
import { cpuProfileToPprof } from '../../src/runtime/pprof/cpu-to-pprof';
import { captureHeapProfile } from '../../src/runtime/pprof/heap';
import { estimateObjectCount, heapProfileToPprof } from '../../src/runtime/pprof/heap-to-pprof';
import { assertPprofInvariants, decodeProfile, goPprofTop, selfByFunction, stackNames, str, topRows } from './pprof-check';

const dir = mkdtempSync(join(tmpdir(), 'paysidecar-pprof-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let burning = false;
/** The known hot function. Re-scheduled through setImmediate so V8 cannot inline it into a caller. */
function spinTheKnownHotFunction(): void {
  if (!burning) return;
  const end = Date.now() + 15;
  let x = 0;
  while (Date.now() < end) for (let i = 0; i < 10_000; i++) x = (x * 31 + i) % 1_000_003;
  if (x < 0) throw new Error('unreachable');
  setImmediate(spinTheKnownHotFunction);
}

const kept: unknown[] = [];
let recordsMade = 0;
/** The known allocator: objects it makes stay reachable until the test ends. */
function keepAllocatingOrderRecords(): void {
  for (let i = 0; i < 2000; i++) kept.push({ id: i, note: `order-${kept.length}`, items: [i, i + 1] });
  recordsMade += 2000;
}
after(() => {
  kept.length = 0;
});

describe('CPU profile → pprof', () => {
  test('decodes with the invariants, names the hot function, leaf first, 1-based lines; go tool pprof agrees', async () => {
    burning = true;
    setImmediate(spinTheKnownHotFunction);
    const cpu = await captureCpuProfile(1, 1000);
    burning = false;
    assert.ok(cpu);
    const gz = gzipSync((await cpuProfileToPprof(cpu.profile, cpu).encodeAsync()) as Buffer);
    const p = decodeProfile(gz);
    assertPprofInvariants(p, [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ]);
    assert.equal(str(p, p.periodType!.type), 'cpu');
    assert.equal(Number(p.period), 1_000_000);

    const self = selfByFunction(p, 1);
    const hot = self.get('spinTheKnownHotFunction') ?? 0;
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    assert.ok(hot > total * 0.5, `the hot function holds most CPU time (${hot} of ${total} ns)`);
    assert.ok(!self.has('(idle)'), 'idle time is not CPU time');
    // cpu/nanoseconds adds up to roughly the window (the inspector samples the whole second).
    assert.ok(total > 0.5e9 && total < 1.5e9, `total CPU ${total} ns for a 1 s window`);

    const withCaller = p.sample.map((s) => stackNames(p, s)).find((names) => names.includes('spinTheKnownHotFunction') && names.includes('processImmediate'));
    assert.ok(withCaller, 'a stack with the hot function and its caller');
    assert.ok(withCaller.indexOf('spinTheKnownHotFunction') < withCaller.indexOf('processImmediate'), 'stacks are leaf first');

    const fn = p.function.find((f) => str(p, f.name) === 'spinTheKnownHotFunction')!;
    assert.equal(str(p, fn.filename), __filename);
    const sourceLine = readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.includes('function spinTheKnownHotFunction')) + 1;
    assert.equal(Number(fn.startLine), sourceLine, '1-based line of the function');

    const file = join(dir, 'cpu.pb.gz');
    writeFileSync(file, gz);
    const rows = topRows(goPprofTop(file));
    assert.equal(rows[0]?.name, 'spinTheKnownHotFunction', `go tool pprof -top puts the hot function first:\n${rows.slice(0, 5).map((r) => `${r.flatPct}% ${r.name}`).join('\n')}`);
  });
});

describe('sampling heap profile → pprof', () => {
  test('decodes with the invariants, names the allocator by space and objects; go tool pprof agrees', async () => {
    recordsMade = 0;
    const timer = setInterval(keepAllocatingOrderRecords, 5);
    const heap = await captureHeapProfile(1, 64 * 1024);
    clearInterval(timer);
    assert.ok(heap);
    const gz = gzipSync((await heapProfileToPprof(heap.profile, heap).encodeAsync()) as Buffer);
    const p = decodeProfile(gz);
    assertPprofInvariants(p, [
      ['inuse_objects', 'count'],
      ['inuse_space', 'bytes'],
    ]);
    assert.equal(Number(p.period), 64 * 1024);
    assert.equal(str(p, p.defaultSampleType), 'inuse_space');

    const space = selfByFunction(p, 1);
    const objects = selfByFunction(p, 0);
    const top = [...space.entries()].sort((a, b) => b[1] - a[1])[0];
    assert.equal(top[0], 'keepAllocatingOrderRecords', `largest allocator by space: ${JSON.stringify([...space.entries()].slice(0, 5))}`);
    // Each record is an object, a string, an array and its elements: 4 heap objects, all retained.
    const made = recordsMade * 4;
    const estimated = objects.get('keepAllocatingOrderRecords') ?? 0;
    assert.ok(estimated > made / 3 && estimated < made * 3, `estimated ${estimated} objects, ${made} made: a sampled estimate within a factor of 3`);

    const file = join(dir, 'heap.pb.gz');
    writeFileSync(file, gz);
    for (const index of ['inuse_space', 'inuse_objects']) {
      const rows = topRows(goPprofTop(file, [`-sample_index=${index}`]));
      assert.equal(rows[0]?.name, 'keepAllocatingOrderRecords', `go tool pprof -top -sample_index=${index}:\n${rows.slice(0, 5).map((r) => `${r.flatPct}% ${r.name}`).join('\n')}`);
    }
  });

  test('object counts invert V8 sample scaling: exact for power-of-two sizes, never low, one per large object', () => {
    for (const rate of [64 * 1024, 512 * 1024]) {
      for (const size of [8, 16, 24, 32, 40, 48, 56, 64, 96, 128, 256, 1024, 4096]) {
        const perSample = Math.floor(1 / (1 - Math.exp(-size / rate)) + 0.5);
        const est = estimateObjectCount(size * perSample, rate);
        if ((size & (size - 1)) === 0) assert.equal(est, perSample, `size ${size}, rate ${rate}`);
        else assert.ok(est >= perSample && est <= perSample * 3, `size ${size}, rate ${rate}: ${est} vs ${perSample}`);
      }
    }
    assert.equal(estimateObjectCount(10 * 1024 * 1024, 512 * 1024), 1, 'a 10 MiB object is one object');
    assert.equal(estimateObjectCount(0, 512 * 1024), 0);
  });
});
