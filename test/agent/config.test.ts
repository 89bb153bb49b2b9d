/** The agent's env settings: defaults, valid values, and bad values as warnings (never throws). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_DEFAULTS, readAgentConfig } from '../../agent/config';

function read(env: Record<string, string>) {
  const warnings: string[] = [];
  const config = readAgentConfig(env, (w) => warnings.push(w));
  return { config, warnings };
}

describe('agent settings', () => {
  test('defaults', () => {
    const { config, warnings } = read({});
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.admin, { host: '127.0.0.1', port: 15091 });
    assert.equal(config.propagation, true);
    assert.equal(config.eventLoopResolutionMs, AGENT_DEFAULTS.eventLoopResolutionMs);
    assert.equal(config.blockThresholdMs, 100);
    assert.equal(config.cpuIntervalUs, 10_000);
    assert.equal(config.heapIntervalBytes, 512 * 1024);
    assert.equal(config.debugToken, undefined);
  });

  test('valid values', () => {
    const { config, warnings } = read({
      PAYSIDECAR_AGENT_ADMIN: '[::1]:9000',
      PAYSIDECAR_AGENT_PROPAGATION: 'off',
      PAYSIDECAR_AGENT_EVENTLOOP_RESOLUTION: '20ms',
      PAYSIDECAR_AGENT_BLOCK_THRESHOLD: '0.25',
      PAYSIDECAR_AGENT_CPU_INTERVAL: '1ms',
      PAYSIDECAR_AGENT_HEAP_INTERVAL: '65536',
      PAYSIDECAR_DEBUG_TOKEN: 't0ken',
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.admin, { host: '::1', port: 9000 });
    assert.equal(config.propagation, false);
    assert.equal(config.eventLoopResolutionMs, 20);
    assert.equal(config.blockThresholdMs, 250);
    assert.equal(config.cpuIntervalUs, 1000);
    assert.equal(config.heapIntervalBytes, 65536);
    assert.equal(config.debugToken, 't0ken');
  });

  test('off turns the listener off', () => {
    assert.equal(read({ PAYSIDECAR_AGENT_ADMIN: 'off' }).config.admin, undefined);
    assert.equal(read({ PAYSIDECAR_AGENT_ADMIN: 'OFF' }).config.admin, undefined);
  });

  test('bad values: one warning each naming the variable, the value and the expectation; defaults kept', () => {
    const { config, warnings } = read({
      PAYSIDECAR_AGENT_ADMIN: 'localhost',
      PAYSIDECAR_AGENT_EVENTLOOP_RESOLUTION: '5s',
      PAYSIDECAR_AGENT_HEAP_INTERVAL: '12',
      PAYSIDECAR_AGENT_CPU_INTERVAL: 'fast',
    });
    assert.equal(warnings.length, 4);
    assert.match(warnings[0], /^PAYSIDECAR_AGENT_ADMIN: "localhost" is invalid, expected host:port, e\.g\. 127\.0\.0\.1:15001 .*, or off; using the default$/);
    assert.ok(warnings.some((w) => /^PAYSIDECAR_AGENT_EVENTLOOP_RESOLUTION: "5s" is invalid, expected .* from 1ms to 1000ms/.test(w)));
    assert.ok(warnings.some((w) => /^PAYSIDECAR_AGENT_HEAP_INTERVAL: "12" is invalid, expected a byte count from 1024 to 67108864/.test(w)));
    assert.ok(warnings.some((w) => w.startsWith('PAYSIDECAR_AGENT_CPU_INTERVAL: "fast" is invalid')));
    assert.deepEqual(config.admin, { host: '127.0.0.1', port: 15091 });
    assert.equal(config.eventLoopResolutionMs, 10);
    assert.equal(config.heapIntervalBytes, 512 * 1024);
    assert.equal(config.cpuIntervalUs, 10_000);
  });

  test('the debug token never appears in a warning', () => {
    const { warnings } = read({ PAYSIDECAR_DEBUG_TOKEN: 'sekret', PAYSIDECAR_AGENT_ADMIN: 'nope' });
    assert.ok(warnings.every((w) => !w.includes('sekret')));
  });
});
