/** The file watch on its own: every way a config file changes is seen once; nothing else is. */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, renameSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchFiles } from '../../src/config/watch-files';
import { projectedVolume } from './volume';
import { waitFor } from './harness';

const dir = mkdtempSync(join(tmpdir(), 'paysidecar-watch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function counter(): { fire: () => void; count: () => number } {
  let n = 0;
  return { fire: () => n++, count: () => n };
}

describe('watchFiles', { timeout: 20_000 }, () => {
  it('sees an in-place edit, and not a touch that leaves the contents alone', async () => {
    const file = join(dir, 'edit.yaml');
    writeFileSync(file, 'logLevel: info\n');
    const c = counter();
    const w = watchFiles([file], c.fire, { pollMs: 0, debounceMs: 20 });
    try {
      utimesSync(file, new Date(), new Date());
      writeFileSync(file, 'logLevel: info\n');
      await sleep(200);
      assert.equal(c.count(), 0, 'same bytes: no change');
      writeFileSync(file, 'logLevel: warn\n');
      await waitFor('the edit', () => c.count() === 1);
    } finally {
      w.close();
    }
  });

  it('sees a file replaced by rename, as editors save', async () => {
    const file = join(dir, 'rename.yaml');
    writeFileSync(file, 'a: 1\n');
    const c = counter();
    const w = watchFiles([file], c.fire, { pollMs: 0, debounceMs: 20 });
    try {
      writeFileSync(join(dir, '.rename.yaml.swp'), 'a: 2\n');
      renameSync(join(dir, '.rename.yaml.swp'), file);
      await waitFor('the rename', () => c.count() === 1);
      // The watch survives the inode change: a second save is seen too.
      writeFileSync(join(dir, '.rename.yaml.swp'), 'a: 3\n');
      renameSync(join(dir, '.rename.yaml.swp'), file);
      await waitFor('the second rename', () => c.count() === 2);
    } finally {
      w.close();
    }
  });

  it('sees every ConfigMap update (the kubelet swaps the ..data symlink), once each', async () => {
    const vol = projectedVolume({ 'config.yaml': 'v: 1\n' });
    const c = counter();
    const w = watchFiles([vol.path('config.yaml')], c.fire, { pollMs: 0, debounceMs: 50 });
    try {
      for (let v = 2; v <= 4; v++) {
        vol.update({ 'config.yaml': `v: ${v}\n` });
        await waitFor(`update ${v}`, () => c.count() === v - 1);
      }
      await sleep(200);
      assert.equal(c.count(), 3, 'one callback per update, however many events the swap raised');
    } finally {
      w.close();
      vol.remove();
    }
  });

  it('falls back to polling when the directory cannot be watched (a volume mounted after start)', async () => {
    const late = join(dir, 'late-volume');
    const file = join(late, 'config.yaml');
    const c = counter();
    const w = watchFiles([file], c.fire, { pollMs: 50, debounceMs: 10 });
    try {
      mkdirSync(late);
      writeFileSync(file, 'v: 1\n');
      await waitFor('the poll to notice the new file', () => c.count() === 1);
    } finally {
      w.close();
    }
  });

  it('stops calling back once closed', async () => {
    const file = join(dir, 'closed.yaml');
    writeFileSync(file, 'a: 1\n');
    const c = counter();
    const w = watchFiles([file], c.fire, { pollMs: 20, debounceMs: 10 });
    w.close();
    writeFileSync(file, 'a: 2\n');
    await sleep(150);
    assert.equal(c.count(), 0);
  });
});
