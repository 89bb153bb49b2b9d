/**
 * The reload's loader process and the queue in front of it, driven through startConfigReload: reloads
 * asked for while one runs share one more attempt that reads the latest file, attempts never
 * overlap, and a loader process that throws, exits, hangs or runs out of memory is a failed reload
 * with one clear problem line, after which the next reload works.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { loadConfig, type LoadInput } from '../../src/config/load';
import { startConfigReload, type ConfigReloadOptions, type ReloadSubscriber } from '../../src/config/reload';
import { captureLogs } from './capture';

const LOADERS = join(__dirname, 'loaders');

function setUp(extra: Partial<ConfigReloadOptions> = {}, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-loader-'));
  const file = join(dir, 'paysidecar.yaml');
  const write = (maxInflight: number) => writeFileSync(file, `maxInflight: ${maxInflight}\nroute: ["/v1/orders/{id}"]\n`);
  write(1);
  const input: LoadInput = { file, env };
  const cap = captureLogs();
  const builds: number[] = [];
  const subscriber: ReloadSubscriber = (next) => {
    builds.push(next.maxInflight);
    return undefined;
  };
  const reload = startConfigReload({
    initial: loadConfig(input).config,
    initialSecret: undefined,
    input,
    watch: false,
    subscribers: [subscriber],
    logger: cap.logs.logger,
    meter: metrics.getMeter('loader-process-test'),
    ...extra,
  });
  return { dir, file, write, cap, builds, reload, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('reload off the event loop', { timeout: 60_000 }, () => {
  it('coalesces reloads asked for while one runs into one more attempt, which reads the latest file; attempts never overlap', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'paysidecar-slow-loader-')), 'starts');
    writeFileSync(log, '');
    const t = setUp({ loader: { script: join(LOADERS, 'slow.js') } }, { SLOW_LOADER_LOG: log });
    try {
      t.write(2);
      const first = t.reload.reload('first');
      const deadline = Date.now() + 10_000;
      while (readFileSync(log, 'utf8') === '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      t.write(3);
      const second = t.reload.reload('second');
      t.write(4);
      const third = t.reload.reload('third');
      const [a, b, c] = await Promise.all([first, second, third]);
      assert.equal(a.result, 'success', JSON.stringify(a));
      assert.equal(b, c, 'the two reloads asked for during the first share one outcome');
      assert.deepEqual(b.applied, ['maxInflight']);
      assert.equal(t.reload.current().maxInflight, 4, 'the latest file wins');
      const starts = readFileSync(log, 'utf8').trim().split('\n').map(Number);
      assert.equal(starts.length, 2, 'three reloads, two loader processes');
      assert.ok(starts[1] - starts[0] >= 150, `the second loader read the file ${starts[1] - starts[0]} ms after the first, before the first answered`);
      assert.deepEqual(t.builds, [2, 4], 'the first attempt applied the file it read, the second the latest');
      const triggers = t.cap.lines.filter((l) => l.msg === 'config reloaded').map((l) => l.trigger);
      assert.deepEqual(triggers, ['first', 'second, third']);
    } finally {
      await t.reload.close();
      t.remove();
      rmSync(join(log, '..'), { recursive: true, force: true });
    }
  });

  for (const [script, want, timeoutMs] of [
    ['throws', /^the config loader failed: loader exploded on purpose$/, undefined],
    ['exits', /^the config loader exited with code 3 before answering$/, undefined],
    ['hangs', /^the config loader did not answer within 300 ms and was stopped$/, 300],
    ['runs-out-of-memory', /^the config loader failed: .*memory limit/i, undefined],
  ] as const) {
    it(`a loader process that ${script.replace(/-/g, ' ')} is a failed reload with one problem line; the running config stays and the next reload works`, async () => {
      const t = setUp({ loader: { script: join(LOADERS, `${script}.js`), timeoutMs } });
      try {
        t.write(5);
        const outcome = await t.reload.reload('test');
        assert.equal(outcome.result, 'failure');
        assert.equal(outcome.problems.length, 1, JSON.stringify(outcome.problems));
        assert.match(outcome.problems[0], want);
        assert.equal(t.reload.current().maxInflight, 1, 'the running config is unchanged');
        assert.deepEqual(t.builds, [], 'no subscriber was asked to build');
        const logged = t.cap.lines.filter((l) => l.msg === 'config reload failed; the running config is unchanged');
        assert.equal(logged.length, 1);
        assert.deepEqual(logged[0].problems, outcome.problems);
      } finally {
        await t.reload.close();
        t.remove();
      }
      // The same file through the real loader: the failure was the loader's, not the file's.
      const ok = setUp();
      try {
        ok.write(5);
        assert.equal((await ok.reload.reload('test')).result, 'success');
        assert.equal(ok.reload.current().maxInflight, 5);
      } finally {
        await ok.reload.close();
        ok.remove();
      }
    });
  }

  it('close() stops a loader process that hangs, at once; a reload asked for after it is refused and not counted', async () => {
    const t = setUp({ loader: { script: join(LOADERS, 'hangs.js'), timeoutMs: 60_000 } });
    try {
      const pending = t.reload.reload('test');
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      await t.reload.close();
      assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`);
      const outcome = await pending;
      assert.equal(outcome.result, 'failure');
      assert.deepEqual(outcome.problems, ['not reloaded: the sidecar is shutting down']);
      assert.equal((await t.reload.reload('late')).problems[0], 'not reloaded: the sidecar is shutting down');
      assert.equal(t.cap.lines.filter((l) => l.level === 50).length, 0, 'nothing logged as an error while stopping');
    } finally {
      t.remove();
    }
  });
});
