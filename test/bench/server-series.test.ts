/** Reading a target's /metrics: counters differenced per second, the agent's merged series ignored, absent figures left out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePromText } from '../../src/telemetry/prom-text';
import { describeTarget, serverPoint } from '../../src/bench/server-series';
import { HTTP_SERVER_REQUEST_DURATION, prom, runtime } from '../../src/telemetry/names';

const count = prom(HTTP_SERVER_REQUEST_DURATION) + '_count';
const exposition = (n: { prod: number; stress: number; errors: number; gcMajor: number; cpu: number }) => `# HELP x
target_info{service_name="paysidecar"} 1
${count}{http_request_method="POST",http_response_status_code="200",http_route="/v3/pay",traffic="prod"} ${n.prod}
${count}{http_request_method="POST",http_response_status_code="503",http_route="/v3/pay",traffic="prod"} ${n.errors}
${count}{http_request_method="POST",http_response_status_code="200",http_route="/v3/pay",traffic="stress"} ${n.stress}
${prom(runtime.EVENTLOOP_UTILIZATION)}{otel_scope_name="paysidecar"} 0.5
${prom(runtime.EVENTLOOP_UTILIZATION)}{paysidecar_source="agent"} 0.99
${prom(runtime.EVENTLOOP_DELAY.p50)} 0.011
${prom(runtime.EVENTLOOP_DELAY.p99)} 0.0205
${prom(runtime.GC_DURATION)}_sum{v8js_gc_type="major"} ${n.gcMajor}
${prom(runtime.GC_DURATION)}_sum{v8js_gc_type="major",paysidecar_source="agent"} 99
${prom(runtime.PROCESS_CPU_TIME)}{cpu_mode="user"} ${n.cpu}
${prom(runtime.PROCESS_CPU_TIME)}{cpu_mode="system"} 1
${prom(runtime.HEAP_USED)} 2.5e+07
`;

test('one second from two scrapes: rates by traffic, 5xx, GC by kind, CPU cores; merged agent series ignored', () => {
  const a = { t: 1, samples: parsePromText(exposition({ prod: 100, stress: 10, errors: 0, gcMajor: 0.5, cpu: 3 })) };
  const b = { t: 3, samples: parsePromText(exposition({ prod: 300, stress: 50, errors: 4, gcMajor: 0.7, cpu: 4 })) };
  const p = serverPoint(a, b);
  assert.deepEqual(p.rps, { prod: 102, stress: 20 });
  assert.deepEqual(p.errorsPerSecond, { prod: 2, stress: 0 });
  assert.deepEqual(p.eventLoop, { utilization: 0.5, delayP50Ms: 11, delayP99Ms: 20.5 });
  assert.deepEqual(p.gcMsPerSecond, { major: 100 });
  assert.equal(p.gcShare, 0.1);
  assert.equal(p.cpuCores, 0.5);
  assert.equal(p.heapUsedBytes, 25e6);
  assert.equal(p.rssBytes, undefined, 'not exported, so not reported');
  assert.deepEqual(describeTarget(b.samples), { service: 'paysidecar', role: 'sidecar' });
});

test('a counter that went down (target restarted) gives no rate rather than a negative one', () => {
  const a = { t: 0, samples: parsePromText(exposition({ prod: 500, stress: 0, errors: 0, gcMajor: 1, cpu: 9 })) };
  const b = { t: 1, samples: parsePromText(exposition({ prod: 5, stress: 0, errors: 0, gcMajor: 0.1, cpu: 1 })) };
  const p = serverPoint(a, b);
  assert.equal(p.rps, undefined);
  assert.equal(p.gcMsPerSecond, undefined);
  assert.equal(p.cpuCores, undefined);
});

test('label values with escapes and lines that are not samples', () => {
  const s = parsePromText('# TYPE a gauge\na{x="q\\"uote",y="back\\\\slash"} 2 1700000000\nbroken{x="1" 3\nb NaN\n');
  assert.deepEqual(s, [
    { name: 'a', labels: { x: 'q"uote', y: 'back\\slash' }, value: 2 },
    { name: 'b', labels: {}, value: NaN },
  ]);
});
