/** The stress-secret overlap on its own, and where the secret comes from. */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StressSecretRotation } from '../../src/context/stress-rotation';
import { resolveStressSecret } from '../../src/config/stress-secret';
import { CidrSet } from '../../src/config/cidr';
import { ConfigError } from '../../src/errors';
import type { StressPolicy } from '../../src/context/stress';

const dir = mkdtempSync(join(tmpdir(), 'paysidecar-rotation-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const policy = (): StressPolicy => ({ trusted: new CidrSet([]), secrets: [] });

describe('stress-secret rotation', () => {
  it('accepts old and new during the overlap, then only the new one', async () => {
    const p = policy();
    const r = new StressSecretRotation(p, 'a');
    assert.deepEqual(p.secrets, ['a']);
    assert.equal(r.rotate('a', 100), 'unchanged');
    assert.equal(r.rotate('b', 100), 'rotated');
    assert.deepEqual(p.secrets, ['b', 'a']);
    assert.equal(r.overlapping, true);
    await sleep(160);
    assert.deepEqual(p.secrets, ['b']);
    assert.equal(r.overlapping, false);
    r.close();
  });

  it('retires the oldest at once when a second rotation comes inside the window', () => {
    const p = policy();
    const r = new StressSecretRotation(p, 'a');
    r.rotate('b', 60_000);
    r.rotate('c', 60_000);
    assert.deepEqual(p.secrets, ['c', 'b']);
    r.close();
  });

  it('applies a first secret and a removal at once, and no overlap at 0', () => {
    const p = policy();
    const r = new StressSecretRotation(p, undefined);
    assert.deepEqual(p.secrets, []);
    assert.equal(r.rotate('a', 60_000), 'set');
    assert.deepEqual(p.secrets, ['a']);
    assert.equal(r.rotate('b', 0), 'set');
    assert.deepEqual(p.secrets, ['b']);
    assert.equal(r.rotate(undefined, 60_000), 'removed');
    assert.deepEqual(p.secrets, []);
    r.close();
  });
});

describe('resolveStressSecret', () => {
  it('reads the file without its trailing newline', () => {
    const f = join(dir, 'secret');
    writeFileSync(f, 's3cr3t-value\n');
    assert.equal(resolveStressSecret({ stressSecretFile: f }), 's3cr3t-value');
    assert.equal(resolveStressSecret({ stressSecret: 'inline' }), 'inline');
    assert.equal(resolveStressSecret({}), undefined);
  });

  it('names the key and the path, never the contents, when the file is unusable', () => {
    const f = join(dir, 'both');
    writeFileSync(f, 'from-the-file-123\n');
    const problems = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems.join('\n');
      }
      assert.fail('expected a ConfigError');
    };
    assert.match(problems(() => resolveStressSecret({ stressSecretFile: join(dir, 'missing') })), /stressSecretFile: cannot read ".*missing": ENOENT/);
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    assert.match(problems(() => resolveStressSecret({ stressSecretFile: empty })), /is empty/);
    const both = problems(() => resolveStressSecret({ stressSecret: 'inline-secret-9', stressSecretFile: f }));
    assert.match(both, /not both/);
    assert.ok(!both.includes('inline-secret-9') && !both.includes('from-the-file-123'));
  });
});
