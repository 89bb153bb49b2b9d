/**
 * Issue #15, "do no harm": a hot reload of a config at the size limits must not hold the event
 * loop. `paysidecar run` as a child process, under steady traffic, with a config file as large as
 * the limits allow (1000 routes, 1000 trusted CIDRs, just under 64 KiB), is reloaded several times
 * (SIGHUP, and the file watch seeing the same change); a probe preloaded into the child
 * (turn-probe.ts) records every turn its event loop did not get.
 *
 * The assertion is on how long the sidecar's own work held a turn (its thread's CPU time, see
 * `held`), not on wall time: this machine runs other engineers' builds on 2 cores, and wall-clock
 * gaps of 60-340 ms appear there with or without a reload. Measured with this test on this machine
 * (load average 7-9): the reload as it was, on the event loop, held it 21-45 ms per reload; now the
 * longest turn during a reload is 6-10 ms, as long as traffic alone holds it between reloads (4
 * clients: 7-9 ms; the CPU clock's 4 ms tick is in both). MAX_TURN_MS is above what the traffic
 * reaches on its own and under the smallest figure of the old reload.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startUpstream } from '../helpers/upstream';
import { metricValue } from '../helpers/sidecar';
import { startChildSidecar, CRASH_MARKERS } from './child-sidecar';

const { configAtLimit } = require(join(__dirname, '..', '..', '..', 'benchmarks', 'lib', 'config-at-limit.js')) as {
  configAtLimit(variant: number, upstream: string): string;
};

const PROBE = join(__dirname, 'turn-probe.js');
const RELOADS = 6;
const MAX_TURN_MS = 15;
const CLIENTS = 4;

interface Turn {
  at: number;
  wall: number;
  cpu: number;
}

function fetchText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}
const get = async (port: number, path: string) => (await fetchText(port, path)).status;

/** The first route of a variant, and a path it matches. */
function firstRoute(text: string): { template: string; path: string } {
  const template = /^ {2}- (\/.*)$/m.exec(text)![1];
  return { template, path: template.replace(/\{[^}]+\}/g, '42') };
}

const max = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);

/**
 * How long the sidecar's own work held a turn: its CPU time, except where the wall-clock gap was
 * shorter (the CPU clock advances per scheduler tick, so a short turn that spans a tick reads up to
 * 4 ms long). Time the OS gave other processes is in neither: it makes the gap longer, not the CPU.
 */
const held = (t: Turn) => Math.min(t.cpu, t.wall + 1);

describe('reload at the size limits (issue #15)', { timeout: 180_000 }, () => {
  it(`${RELOADS} reloads of a config at the limits under traffic: no turn of the event loop held past ${MAX_TURN_MS} ms, every request answered, the last file in effect`, async () => {
    const up = await startUpstream();
    const dir = mkdtempSync(join(tmpdir(), 'paysidecar-reload-block-'));
    const file = join(dir, 'paysidecar.yaml');
    const probeFile = join(dir, 'turns.jsonl');
    const write = (text: string) => {
      // Whole, by rename, as an editor or the kubelet writes it: the loader never reads half a file.
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    write(configAtLimit(0, up.url.href));
    assert.ok(readFileSync(file).length > 60_000);
    const sc = await startChildSidecar(up.url.href, ['--config', file], { NODE_OPTIONS: `--require ${PROBE}`, TURN_PROBE_FILE: probeFile });
    // Start-up loads the file on the event loop, before anything is served: not a reload. Its turn
    // ends a moment after the start-up line the helper waits for.
    await sleep(500);
    const served = Date.now();
    const statuses = new Map<number, number>();
    let running = true;
    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; running; i++) {
        const status = await get(sc.port, `/v1/orders/${c}-${i}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    });
    const successes = async () => metricValue(await sc.metrics(), 'paysidecar_config_reloads_total', { result: 'success' });
    // Followed in the sidecar's own log, not by polling /config or /metrics: building those
    // answers for a config at the limits would be turns of the test's making inside the window.
    const reloaded = (routeApplied: boolean) =>
      sc.stderr().split('\n').filter((l) => l.includes('"msg":"config reloaded') && (!routeApplied || l.includes('"route"'))).length;
    const windows: Array<[number, number]> = [];
    try {
      for (let v = 1; v <= RELOADS; v++) {
        await sleep(300);
        const start = Date.now();
        const text = configAtLimit(v, up.url.href);
        write(text);
        sc.child.kill('SIGHUP');
        const deadline = Date.now() + 20_000;
        while (reloaded(true) < v && Date.now() < deadline) await sleep(20);
        // The watch sees the same change after its debounce, and reloads once more: wait for quiet.
        for (let seen = -1, now = reloaded(false); seen !== now && Date.now() < deadline; ) {
          seen = now;
          await sleep(500);
          now = reloaded(false);
        }
        windows.push([start, Date.now()]);
      }
      running = false;
      await Promise.all(clients);

      assert.ok((await successes()) >= RELOADS, `${await successes()} successful reloads`);
      assert.equal(metricValue(await sc.metrics(), 'paysidecar_config_reloads_total', { result: 'failure' }), 0);
      assert.deepEqual([...statuses.keys()], [200], `statuses: ${JSON.stringify([...statuses])}`);
      const last = firstRoute(configAtLimit(RELOADS, up.url.href));
      assert.equal(await get(sc.port, last.path), 200);
      const lines = await sc.waitForLog((l) => l.route === last.template);
      assert.equal(lines.length, 1, "the last file's routes label requests");

      await sleep(250);
      const turns: Turn[] = existsSync(probeFile)
        ? readFileSync(probeFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Turn)
        : [];
      const inWindow = (t: Turn) => windows.some(([s, e]) => t.at >= s && t.at <= e);
      const during = turns.filter(inWindow);
      const outside = turns.filter((t) => t.at > served && !inWindow(t));
      const top = (ts: Turn[]) => ts.map(held).sort((a, b) => b - a).slice(0, 5).map((x) => x.toFixed(1)).join(' ');
      const requests = [...statuses.values()].reduce((a, b) => a + b, 0);
      console.log(
        `reload-block: ${RELOADS} reloads of ${readFileSync(file).length} bytes (1000 routes, 1000 CIDRs) under ${CLIENTS} clients, ${requests} requests; ` +
          `longest turn during reloads ${max(during.map(held)).toFixed(1)} ms held (${max(during.map((t) => t.cpu)).toFixed(1)} ms CPU, ${max(during.map((t) => t.wall)).toFixed(1)} ms wall); ` +
          `between reloads ${max(outside.map(held)).toFixed(1)} ms held (${max(outside.map((t) => t.cpu)).toFixed(1)} ms CPU, ${max(outside.map((t) => t.wall)).toFixed(1)} ms wall); ` +
          `longest turns held during reloads: ${top(during)}; between: ${top(outside)}`,
      );
      for (const [i, [s, e]] of windows.entries()) {
        const w = turns.filter((t) => t.at >= s && t.at <= e);
        const worst = max(w.map(held));
        assert.ok(worst <= MAX_TURN_MS, `reload ${i + 1} held the event loop for a turn of ${worst.toFixed(1)} ms, above ${MAX_TURN_MS} ms`);
      }
      assert.ok(sc.alive(), sc.stderr());
      assert.doesNotMatch(sc.stderr(), CRASH_MARKERS);
    } finally {
      running = false;
      await Promise.all(clients);
      await sc.stop();
      await up.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
