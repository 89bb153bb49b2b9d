import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHostMetrics } from '../../src/telemetry/host';
import { findCgroupDir, parseCpuMax } from '../../src/telemetry/host/cgroup';
import { fakeProc, HEALTHY } from './fake-proc';
import { captureLogger } from './capture-logger';
import { startMetricsEndpoint, one, samples } from './metrics-endpoint';

// A cgroup v2 tree as a kubelet lays it out without a cgroup namespace: /proc/self/cgroup names the
// path, the limits live in that directory.
const POD = '/kubepods.slice/kubepods-burstable.slice/cri-containerd-abc.scope';
const tree = fakeProc({
  ...HEALTHY,
  'self/cgroup': `0::${POD}`,
  [`cgroup${POD}/cgroup.controllers`]: 'cpuset cpu io memory pids',
  [`cgroup${POD}/memory.max`]: '536870912',
  [`cgroup${POD}/memory.current`]: '123456789',
  [`cgroup${POD}/cpu.max`]: '150000 100000',
  [`cgroup${POD}/cpu.stat`]: 'usage_usec 9000000\nuser_usec 6000000\nsystem_usec 3000000\nnr_periods 500\nnr_throttled 40\nthrottled_usec 2500000',
});
after(() => tree.remove());

test('cgroup v2 limits, usage and throttling are read from the files', async (t) => {
  const metrics = await startMetricsEndpoint();
  const hm = startHostMetrics(metrics.meter, { intervalMs: 60_000, procRoot: tree.root, cgroupRoot: `${tree.root}/cgroup`, advice: false }, captureLogger());
  t.after(async () => {
    hm.stop();
    await metrics.close();
  });
  await hm.collectNow();
  const { text } = await metrics.scrape();
  assert.equal(one(text, 'paysidecar_container_memory_limit'), 536870912);
  assert.equal(one(text, 'paysidecar_container_memory_usage'), 123456789);
  assert.equal(one(text, 'paysidecar_container_cpu_limit'), 1.5);
  assert.equal(one(text, 'paysidecar_container_cpu_throttled_time_total'), 2.5);
  assert.equal(one(text, 'paysidecar_container_cpu_throttled_periods_total'), 40);
  assert.equal(one(text, 'paysidecar_container_cpu_usage_total'), 9);
  assert.equal(one(text, 'paysidecar_host_collector_up', { collector: 'cgroup' }), 1);
});

test('unlimited memory.max and cpu.max leave the limit series out instead of inventing a number', async (t) => {
  const open = fakeProc({
    'self/cgroup': '0::/',
    'cgroup/cgroup.controllers': 'cpu memory',
    'cgroup/memory.max': 'max',
    'cgroup/memory.current': '1000',
    'cgroup/cpu.max': 'max 100000',
  });
  const metrics = await startMetricsEndpoint();
  const hm = startHostMetrics(metrics.meter, { intervalMs: 60_000, procRoot: open.root, cgroupRoot: `${open.root}/cgroup`, advice: false }, captureLogger());
  t.after(async () => {
    hm.stop();
    await metrics.close();
    open.remove();
  });
  await hm.collectNow();
  const { text } = await metrics.scrape();
  assert.equal(samples(text, 'paysidecar_container_memory_limit').length, 0);
  assert.equal(samples(text, 'paysidecar_container_cpu_limit').length, 0);
  assert.equal(one(text, 'paysidecar_container_memory_usage'), 1000);
});

test('without a cgroup v2 hierarchy there is no cgroup collector (and no up=0 for it)', async (t) => {
  const none = fakeProc({ 'self/cgroup': '4:memory:/x\n0::/' });
  const metrics = await startMetricsEndpoint();
  const log = captureLogger();
  const hm = startHostMetrics(metrics.meter, { intervalMs: 60_000, procRoot: none.root, cgroupRoot: `${none.root}/nothing`, advice: false }, log);
  t.after(async () => {
    hm.stop();
    await metrics.close();
    none.remove();
  });
  await hm.collectNow();
  const { text } = await metrics.scrape();
  assert.equal(samples(text, 'paysidecar_host_collector_up', { collector: 'cgroup' }).length, 0);
  assert.ok(log.logged.some((l) => l.msg.includes('no cgroup v2 hierarchy')));
  assert.equal(await findCgroupDir(none.root, `${none.root}/nothing`), undefined);
});

test('cpu.max parsing', () => {
  assert.equal(parseCpuMax('200000 100000'), 2);
  assert.equal(parseCpuMax('50000 100000'), 0.5);
  assert.equal(parseCpuMax('max 100000'), undefined);
  assert.equal(parseCpuMax(undefined), undefined);
});
