import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostSampler } from '../../src/telemetry/host/runner';
import { registerObservables } from '../../src/telemetry/host/instruments';
import type { Collector } from '../../src/telemetry/host/collector';
import { host } from '../../src/telemetry/names';
import { startHostMetrics } from '../../src/telemetry/host';
import { captureLogger } from './capture-logger';
import { startMetricsEndpoint, one, samples } from './metrics-endpoint';

function flaky(failures: number): Collector & { calls: number } {
  const c = {
    name: 'cpu' as const,
    calls: 0,
    async collect() {
      c.calls++;
      if (c.calls <= failures) throw new Error(`boom ${c.calls}`);
      return [{ metric: host.SYSTEM_CPU_UTILIZATION, value: 0.25 }];
    },
  };
  return c;
}

test('a failing collector reports up=0, logs once per failure streak, and recovers', async (t) => {
  const metrics = await startMetricsEndpoint();
  t.after(() => metrics.close());
  const log = captureLogger();
  const c = flaky(3);
  const sampler = new HostSampler([c], log, 1000);
  registerObservables(metrics.meter, [host.SYSTEM_CPU_UTILIZATION, host.COLLECTOR_UP, host.COLLECTOR_DURATION], () => sampler.observations());

  for (let i = 0; i < 3; i++) await sampler.run();
  let { text } = await metrics.scrape();
  assert.equal(one(text, 'paysidecar_host_collector_up', { collector: 'cpu' }), 0);
  assert.equal(samples(text, 'system_cpu_utilization').length, 0, 'no stale value while failing');
  const warns = log.logged.filter((l) => l.level === 'warn');
  assert.equal(warns.length, 1, 'three failures, one log line');
  assert.equal(warns[0].obj.collector, 'cpu');
  assert.equal(warns[0].obj.err, 'boom 1');

  await sampler.run();
  ({ text } = await metrics.scrape());
  assert.equal(one(text, 'paysidecar_host_collector_up', { collector: 'cpu' }), 1);
  assert.equal(one(text, 'system_cpu_utilization'), 0.25);
  assert.equal(log.logged.filter((l) => l.level === 'info' && l.msg.includes('recovered')).length, 1);
});

test('a hung collector times out as up=0, the others still run, and /metrics answers at once', async (t) => {
  const metrics = await startMetricsEndpoint();
  t.after(() => metrics.close());
  const log = captureLogger();
  const hung: Collector = { name: 'connections', collect: () => new Promise(() => {}) };
  const fine: Collector = { name: 'memory', collect: async () => [{ metric: host.SYSTEM_MEMORY_LIMIT, value: 42 }] };
  const sampler = new HostSampler([hung, fine], log, 300);
  registerObservables(metrics.meter, [host.SYSTEM_MEMORY_LIMIT, host.COLLECTOR_UP, host.COLLECTOR_DURATION], () => sampler.observations());

  const running = sampler.run();
  // While the hung collector is in progress a scrape must not wait for it.
  const during = await metrics.scrape();
  assert.ok(during.ms < 250, `scrape took ${during.ms} ms during a hung collection`);
  await running;
  const { text } = await metrics.scrape();
  assert.equal(one(text, 'paysidecar_host_collector_up', { collector: 'connections' }), 0);
  const took = one(text, 'paysidecar_host_collector_duration', { collector: 'connections' });
  assert.ok(took >= 0.29 && took < 1, `timed out after ${took}s`);
  assert.equal(one(text, 'paysidecar_host_collector_up', { collector: 'memory' }), 1);
  assert.equal(one(text, 'system_memory_limit'), 42);
  assert.match(String(log.logged[0]?.obj.err), /longer than 300 ms/);
});

test('concurrent runs share one collection instead of piling up', async () => {
  const c = flaky(0);
  const sampler = new HostSampler([c], captureLogger(), 1000);
  await Promise.all([sampler.run(), sampler.run(), sampler.run()]);
  assert.equal(c.calls, 1);
});

test('a watched process that does not exist is up=0 with a log line naming the flag, not a crash', async (t) => {
  const metrics = await startMetricsEndpoint();
  const log = captureLogger();
  const hm = startHostMetrics(metrics.meter, { intervalMs: 60_000, watchProcess: 'no-such-payment-process', advice: false }, log);
  t.after(async () => {
    hm.stop();
    await metrics.close();
  });
  await hm.collectNow();
  await hm.collectNow();
  const { text } = await metrics.scrape();
  assert.equal(one(text, 'paysidecar_host_collector_up', { collector: 'process' }), 0);
  assert.equal(one(text, 'paysidecar_host_collector_up', { collector: 'memory' }), 1);
  const failures = log.logged.filter((l) => l.obj.collector === 'process');
  assert.equal(failures.length, 1, 'two failed runs, one line');
  assert.match(String(failures[0].obj.err), /no process named "no-such-payment-process" \(--watch-process\)/);
});
