import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load';
import { ConfigError } from '../../src/errors';

test('host and span-export keys have their defaults', () => {
  const { config } = loadConfig({ env: {} });
  assert.equal(config.hostInterval, 15_000);
  assert.equal(config.procRoot, '/proc');
  assert.equal(config.sampleStress, true);
  assert.equal(config.watchProcess, undefined);
  assert.equal(config.otlpEndpoint, undefined);
  assert.equal(config.traceSampleRatio, undefined, 'unset so OTEL_TRACES_SAMPLER can apply');
});

test('flags and PAYSIDECAR_* env feed the new keys', () => {
  const { config } = loadConfig({
    env: { PAYSIDECAR_OTLP_ENDPOINT: 'http://otel-collector:4318', PAYSIDECAR_SAMPLE_STRESS: 'false', PAYSIDECAR_WATCH_PROCESS: 'java' },
    flags: { hostInterval: '5s', traceSampleRatio: '0.1', procRoot: '/host/proc' },
  });
  assert.equal(config.otlpEndpoint?.href, 'http://otel-collector:4318/');
  assert.equal(config.sampleStress, false);
  assert.equal(config.watchProcess, 'java');
  assert.equal(config.hostInterval, 5000);
  assert.equal(config.traceSampleRatio, 0.1);
  assert.equal(config.procRoot, '/host/proc');
});

test('bad values name the flag, the value and what was expected', () => {
  assert.throws(
    () => loadConfig({ env: {}, flags: { sampleStress: 'maybe', traceSampleRatio: '2', otlpEndpoint: 'grpc://x:4317', hostInterval: 'often' } }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      assert.match(text, /--sample-stress: "maybe" is invalid, expected true or false/);
      assert.match(text, /--trace-sample-ratio: "2" is invalid, expected a number from 0 to 1/);
      assert.match(text, /--otlp-endpoint: "grpc:\/\/x:4317" is invalid, expected an http:\/\/ or https:\/\/ URL/);
      assert.match(text, /--host-interval: "often" is invalid, expected a duration/);
      return true;
    },
  );
});
