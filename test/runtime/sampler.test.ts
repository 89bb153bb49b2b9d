/**
 * The runtime sampler against the real runtime: names as instrumentation-runtime-node writes
 * them, event-loop delay with the timer resolution subtracted, long blocks seen by the drift
 * probe, GC pauses by kind in sub-millisecond buckets, heap spaces and active handles.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startRuntimeSampler, type RuntimeSampler } from '../../src/runtime/sampler';
import { isRequestType } from '../../src/runtime/resources';
import { GC_DURATION_BUCKETS } from '../../src/telemetry/names/runtime';
import { promMeter, value, values, type PromMeter } from './prom-text';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

let pm: PromMeter;
let sampler: RuntimeSampler;
let server: Server;
const errors: string[] = [];

before(async () => {
  pm = promMeter();
  sampler = startRuntimeSampler(pm.meter, { eventLoopResolutionMs: 20, blockThresholdMs: 100, minIntervalMs: 0, onError: (h, e) => errors.push(`${h}: ${e}`) });
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await pm.text(); // start a fresh interval
});

after(async () => {
  sampler.stop();
  server.close();
  await pm.shutdown();
});

describe('runtime sampler', () => {
  test('exports the instrumentation-runtime-node names', async () => {
    await sleep(100);
    const text = await pm.text();
    for (const name of [
      'nodejs_eventloop_delay_min',
      'nodejs_eventloop_delay_max',
      'nodejs_eventloop_delay_mean',
      'nodejs_eventloop_delay_stddev',
      'nodejs_eventloop_delay_p50',
      'nodejs_eventloop_delay_p90',
      'nodejs_eventloop_delay_p99',
      'nodejs_eventloop_utilization',
      'v8js_memory_heap_used',
      'v8js_memory_heap_total',
      'v8js_memory_heap_limit',
      'nodejs_memory_external',
      'nodejs_memory_array_buffers',
      'paysidecar_runtime_memory_rss',
      'paysidecar_runtime_gc_time_ratio',
      'paysidecar_runtime_eventloop_block_max',
    ]) {
      assert.equal(values(text, name).length, 1, `${name} exported once`);
    }
    for (const name of ['v8js_memory_heap_space_size', 'v8js_memory_heap_space_used_size', 'v8js_memory_heap_space_available_size', 'v8js_memory_heap_space_physical_size']) {
      assert.ok(value(text, name, { v8js_heap_space_name: 'old_space' }) > 0, `${name}{old_space}`);
    }
    const used = value(text, 'v8js_memory_heap_used');
    assert.ok(used > 0 && used < value(text, 'v8js_memory_heap_limit'));
    const elu = value(text, 'nodejs_eventloop_utilization');
    assert.ok(elu >= 0 && elu <= 1);
    assert.ok(value(text, 'nodejs_active_handles', { type: 'TCPServerWrap' }) >= 1, 'the listening server is an active handle');
  });

  test('event-loop delay has the 20 ms resolution subtracted: an idle loop reads near zero', async () => {
    await pm.text();
    await sleep(400);
    const text = await pm.text();
    const min = value(text, 'nodejs_eventloop_delay_min');
    const p50 = value(text, 'nodejs_eventloop_delay_p50');
    assert.ok(min < 0.02, `min ${min}s is below the resolution, so it was subtracted`);
    assert.ok(p50 < 0.02, `p50 ${p50}s`);
    assert.ok(min >= 0);
  });

  test('a 300 ms block is caught by the drift probe and the delay max, then the next interval starts clean', async () => {
    await pm.text();
    const before = value(await pm.text(), 'paysidecar_runtime_eventloop_blocks_total');
    await sleep(50);
    busyWait(300);
    await sleep(50);
    const text = await pm.text();
    const blockMax = value(text, 'paysidecar_runtime_eventloop_block_max');
    assert.ok(blockMax >= 0.25 && blockMax < 1, `block max ${blockMax}s`);
    assert.ok(value(text, 'paysidecar_runtime_eventloop_blocks_total') - before >= 1, 'the block was counted');
    assert.ok(value(text, 'nodejs_eventloop_delay_max') >= 0.25, 'the histogram max sees it too');
    const p50 = value(text, 'nodejs_eventloop_delay_p50');
    assert.ok(p50 < 0.1, `but p50 (${p50}s) hides it, which is why the probe exists`);

    await sleep(100);
    const next = await pm.text();
    assert.equal(value(next, 'paysidecar_runtime_eventloop_block_max'), 0);
  });

  test('GC pauses are recorded by kind, in buckets from 0.1 ms, with the GC share of wall time', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    await pm.text();
    let junk: unknown[] = [];
    for (let i = 0; i < 200_000; i++) junk.push({ i, s: `x${i}` });
    junk = [];
    gc();
    await sleep(50); // PerformanceObserver delivers gc entries asynchronously
    const text = await pm.text();
    assert.ok(value(text, 'v8js_gc_duration_count', { v8js_gc_type: 'major' }) >= 1, 'the forced full GC is major');
    assert.ok(value(text, 'v8js_gc_duration_count', { v8js_gc_type: 'minor' }) >= 1, 'the garbage made scavenges');
    const les = text
      .split('\n')
      .filter((l) => l.startsWith('v8js_gc_duration_bucket{') && l.includes('v8js_gc_type="major"'))
      .map((l) => /le="([^"]+)"/.exec(l)![1]);
    assert.deepEqual(les, [...GC_DURATION_BUCKETS.map(String), '+Inf']);
    const ratio = value(text, 'paysidecar_runtime_gc_time_ratio');
    assert.ok(ratio > 0 && ratio <= 1, `GC time ratio ${ratio}`);
    assert.equal(junk.length, 0);
  });

  test('handles and requests are told apart by libuv type', () => {
    for (const t of ['FSReqCallback', 'FSReqPromise', 'GetAddrInfoReqWrap', 'WriteWrap', 'ShutdownWrap', 'QueryReqWrap']) assert.ok(isRequestType(t), t);
    for (const t of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'Immediate', 'TTYWrap', 'PipeWrap']) assert.ok(!isRequestType(t), t);
  });

  test('no hook failed while sampling', () => {
    assert.deepEqual(errors, []);
  });

  test('stop() ends the probe and the callbacks: a later block is not seen', async () => {
    const pm2 = promMeter();
    const s2 = startRuntimeSampler(pm2.meter, { blockThresholdMs: 100, minIntervalMs: 0 });
    assert.equal(value(await pm2.text(), 'paysidecar_runtime_eventloop_blocks_total'), 0, 'the block counter starts at 0');
    s2.stop();
    await sleep(20);
    busyWait(250);
    await sleep(50);
    const text = await pm2.text();
    assert.equal(value(text, 'paysidecar_runtime_eventloop_blocks_total'), 0);
    assert.ok(values(text, 'paysidecar_runtime_eventloop_block_max').every((v) => v < 0.2), 'no interval read after stop');
    await pm2.shutdown();
  });
});
