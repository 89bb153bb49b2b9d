/** SIGHUP through the real CLI: `paysidecar run` reloads on it and keeps serving. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startUpstream } from '../helpers/upstream';
import { metricValue, request } from '../helpers/sidecar';
import { projectedVolume } from './volume';
import { CONFIG_FILE, waitFor } from './harness';
import { freePort } from '../helpers/ports';

const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');


describe('SIGHUP', { timeout: 30_000 }, () => {
  it('reloads the config file of `paysidecar run` without stopping it, and refuses a broken file the same way', async () => {
    const up = await startUpstream();
    const vol = projectedVolume({ [CONFIG_FILE]: `upstream: ${up.url.href}\naccessLog: off\nhostInterval: 0\n` });
    const [listen, admin] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [CLI, 'run', '--config', vol.path(CONFIG_FILE), '--listen', `127.0.0.1:${listen}`, '--admin', `127.0.0.1:${admin}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const reloads = async (result: string) => metricValue((await request(`http://127.0.0.1:${admin}/metrics`)).body, 'paysidecar_config_reloads_total', { result });
    try {
      await waitFor('start-up', () => stderr.includes('paysidecar started'), 10_000);
      child.kill('SIGHUP');
      await waitFor('the SIGHUP reload', async () => (await reloads('success')) === 1);
      assert.match(stderr, /"trigger":"SIGHUP".*config reloaded: nothing changed/);
      assert.equal((await request(`http://127.0.0.1:${listen}/x`)).status, 200, 'still proxying after SIGHUP');

      // A broken file, and SIGHUP before the watch can get to it: whichever comes first, each attempt fails alike.
      vol.update({ [CONFIG_FILE]: `upstream: ${up.url.href}\naccessLog: off\nhostInterval: 0\nmaxInflight: lots\n` });
      child.kill('SIGHUP');
      await waitFor('the failed reload', async () => (await reloads('failure')) >= 1);
      assert.match(stderr, /"problems":\["maxInflight \(in [^)]*\): \\"lots\\" is invalid, expected an integer/);
      assert.equal((await request(`http://127.0.0.1:${admin}/live`)).status, 200);
      assert.equal((await request(`http://127.0.0.1:${listen}/x`)).status, 200);
      assert.equal(child.exitCode, null, 'SIGHUP never stops the process');

      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await up.close();
      vol.remove();
    }
  });
});
