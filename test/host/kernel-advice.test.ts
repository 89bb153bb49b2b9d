import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readKernelParams, kernelAdvice, startHostMetrics } from '../../src/telemetry/host';
import { host } from '../../src/telemetry/names';
import { fakeProc, HEALTHY, LOW } from './fake-proc';
import { captureLogger } from './capture-logger';
import { startMetricsEndpoint, one } from './metrics-endpoint';

const P = host.KERNEL_PARAMS;
const low = fakeProc(LOW);
const healthy = fakeProc(HEALTHY);
after(() => {
  low.remove();
  healthy.remove();
});

test('readKernelParams reads sysctls, the port range and the open-files soft limit from the proc root', async () => {
  const params = await readKernelParams({ procRoot: low.root, listenBacklog: 511 });
  assert.deepEqual(params, {
    [P.somaxconn]: 128,
    [P.synBacklog]: 256,
    [P.twReuse]: 0,
    [P.portRangeLow]: 40000,
    [P.portRangeHigh]: 41000,
    [P.openFiles]: 1024,
    [P.listenBacklog]: 511,
    // The kernel caps the listen(2) backlog at somaxconn.
    [P.effectiveBacklog]: 128,
  });
});

test('low values on a fake /proc/sys give one advice line each, with the sysctl to run', async () => {
  const advice = kernelAdvice(await readKernelParams({ procRoot: low.root, listenBacklog: 511 }), { upstreamLoopback: true });
  const byName = new Map(advice.map((a) => [a.name, a]));
  assert.deepEqual([...byName.keys()].sort(), [P.openFiles, P.somaxconn, 'net.ipv4.ip_local_port_range', P.synBacklog, P.twReuse].sort());

  const somaxconn = byName.get(P.somaxconn)!;
  assert.equal(somaxconn.fix, 'sysctl -w net.core.somaxconn=4096');
  assert.equal(somaxconn.kubernetes, 'unsafe-sysctl');
  assert.match(somaxconn.message, /net\.core\.somaxconn is 128/);
  assert.match(somaxconn.message, /backlog of 511 to 128/);
  assert.match(somaxconn.message, /securityContext\.sysctls/);

  assert.equal(byName.get(P.synBacklog)!.fix, 'sysctl -w net.ipv4.tcp_max_syn_backlog=4096');
  assert.equal(byName.get(P.twReuse)!.fix, 'sysctl -w net.ipv4.tcp_tw_reuse=1');
  const range = byName.get('net.ipv4.ip_local_port_range')!;
  assert.equal(range.fix, 'sysctl -w net.ipv4.ip_local_port_range="15000 65000"');
  assert.equal(range.kubernetes, 'safe-sysctl');
  assert.match(range.message, /"40000 41000" \(1001 ports\)/);
  const files = byName.get(P.openFiles)!;
  assert.equal(files.fix, 'ulimit -n 65536');
  assert.equal(files.kubernetes, 'ulimit');
  assert.match(files.message, /EMFILE/);
});

test('a well-tuned node gets no advice', async () => {
  assert.deepEqual(kernelAdvice(await readKernelParams({ procRoot: healthy.root, listenBacklog: 511 }), { upstreamLoopback: false }), []);
});

test('somaxconn below a bigger listener backlog is advised up to that backlog', async () => {
  const advice = kernelAdvice(await readKernelParams({ procRoot: healthy.root, listenBacklog: 8192 }));
  assert.equal(advice.length, 1);
  assert.equal(advice[0].fix, 'sysctl -w net.core.somaxconn=8192');
});

test('tcp_tw_reuse=2 (loopback only) is enough for a loopback upstream, not for a remote one', () => {
  assert.deepEqual(kernelAdvice({ [P.twReuse]: 2 }, { upstreamLoopback: true }), []);
  const remote = kernelAdvice({ [P.twReuse]: 2 }, { upstreamLoopback: false });
  assert.equal(remote.length, 1);
  assert.match(remote[0].message, /loopback only/);
});

test('an unlimited open-files limit needs no advice and missing files are left out, not guessed', async () => {
  const sparse = fakeProc({ 'self/limits': 'Max open files            unlimited            unlimited            files' });
  try {
    const params = await readKernelParams({ procRoot: sparse.root });
    assert.deepEqual(params, { [P.openFiles]: Infinity });
    assert.deepEqual(kernelAdvice(params), []);
  } finally {
    sparse.remove();
  }
});

test('startHostMetrics logs the advice once at start-up and exports the values as paysidecar_kernel_param', async (t) => {
  const metrics = await startMetricsEndpoint();
  const log = captureLogger();
  const hm = startHostMetrics(
    metrics.meter,
    { intervalMs: 60_000, procRoot: low.root, cgroupRoot: low.root, listenBacklog: 511, upstreamLoopback: true },
    log,
  );
  t.after(async () => {
    hm.stop();
    await metrics.close();
  });
  const advice = await hm.advice;
  await hm.collectNow();
  const adviceLines = log.logged.filter((l) => l.level === 'warn' && typeof l.obj.fix === 'string');
  assert.equal(adviceLines.length, advice.length);
  assert.equal(adviceLines.length, 5);
  assert.ok(adviceLines.some((l) => l.msg.includes('sysctl -w net.core.somaxconn=4096')));

  const { text } = await metrics.scrape();
  assert.equal(one(text, 'paysidecar_kernel_param', { name: P.somaxconn }), 128);
  assert.equal(one(text, 'paysidecar_kernel_param', { name: P.effectiveBacklog }), 128);
  assert.equal(one(text, 'paysidecar_kernel_param', { name: P.portRangeHigh }), 41000);
  assert.equal(one(text, 'paysidecar_host_collector_up', { collector: 'kernel' }), 1);
});

test('with the interval at 0 there are no host metrics, but the advice is still logged', async (t) => {
  const metrics = await startMetricsEndpoint();
  const log = captureLogger();
  const hm = startHostMetrics(metrics.meter, { intervalMs: 0, procRoot: low.root }, log);
  t.after(async () => {
    hm.stop();
    await metrics.close();
  });
  assert.equal((await hm.advice).length, 5);
  await hm.collectNow();
  const { text } = await metrics.scrape();
  assert.doesNotMatch(text, /paysidecar_kernel_param|system_cpu_utilization/);
});
