/**
 * `bench --watch` as a person runs it: against a target with a deliberate hot function and a
 * deliberate event-loop block (test/fixtures/bench/hot-target, under the agent), the report
 * names each; the pprof file is saved beside it; the HTML opens in headless Chromium without
 * console errors, nothing fetched, the flame graph drawn and its search working.
 *
 * The target runs with --no-turbo-inlining: V8 would otherwise be free to inline blockTheLoop into node's
 * timer loop, and a profile cannot name a function that no longer has a frame.
 * Its work is native crypto called from the two functions (see the fixture), and it is warmed
 * up first, as a person would before measuring.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchReport } from '../../src/bench/report';
import { decodePprof } from '../../src/bench/cpu-profile';
import type { FlameNode } from '../../src/bench/server-report';
import { launchChromium } from './chromium';
import { REPO, runCli } from './helpers';

const AGENT = join(REPO, 'dist', 'agent', 'paysidecar-agent.js');
const FIXTURE = join(REPO, 'dist', 'test', 'fixtures', 'bench', 'hot-target.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts the hot target under the agent; resolves with its port and the agent's listener. */
async function startHotTarget(): Promise<{ url: string; agent: string }> {
  const child = spawn(process.execPath, ['--no-turbo-inlining', '--require', AGENT, FIXTURE], {
    env: { ...process.env, PAYSIDECAR_AGENT_ADMIN: '127.0.0.1:0', PAYSIDECAR_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const port = /listening (\d+)/.exec(out)?.[1];
    const admin = /"admin":"([\d.]+:\d+)"/.exec(err)?.[1];
    if (port && admin) return { url: `http://127.0.0.1:${port}/`, agent: `http://${admin}` };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`hot target did not start: ${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

test('bench --watch names the hot function and the blocked loop, saves the profile, and the HTML works in Chromium', { timeout: 120_000 }, async () => {
  const target = await startHotTarget();
  const dir = mkdtempSync(join(tmpdir(), 'paysidecar-watch-'));
  dirs.push(dir);
  const html = join(dir, 'report.html');
  const json = join(dir, 'report.json');
  // Warm the target first, as one would: until V8 has optimised hotChecksum, the sampler tends
  // to charge its interpreted loop to the caller, and the profile would name the handler.
  const warm = await runCli(['bench', '--target', target.url, '--rate', '50', '--duration', '3s', '--quiet'], { timeoutMs: 30_000 });
  assert.equal(warm.code, 0, warm.stderr);
  const r = await runCli(['bench', '--target', target.url, '--rate', '50', '--duration', '6s', '--watch', target.agent, '--html', html, '--json', json, '--quiet'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /diagnosis/);
  // The hashing is native: the report names the builtin and, beside it, the function that called it.
  assert.match(r.stdout, /hottest function (serving requests )?(hotChecksum \(|\S+ ← hotChecksum \()dist\/test\/fixtures\/bench\/hot-target\.js:\d+\)/);
  assert.match(r.stdout, /event loop blocked: longest block \d+ ms, \d+ blocks; .*likely culprit (blockTheLoop|\S+ ← blockTheLoop) \(/);

  const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  const t = report.server!.targets[0];
  assert.equal(t.role, 'app');
  assert.ok(t.series.length >= 4, `a point a second (${t.series.length})`);
  assert.ok(t.series.every((p) => p.eventLoop && p.cpuCores !== undefined && p.heapUsedBytes !== undefined && p.rssBytes !== undefined && p.gcMsPerSecond));
  assert.ok(report.server!.loadGenerator.length >= 4);
  assert.ok(report.findings!.some((f) => f.rule === 'eventloop-blocked' && f.evidence.function !== undefined));
  const cpu = t.profiles.find((p) => p.kind === 'cpu');
  assert.ok(cpu && existsSync(cpu.file) && cpu.file.startsWith(dir), `profile saved beside the report: ${cpu?.file}`);
  const profile = decodePprof(readFileSync(cpu.file));
  assert.ok(profile.sample.length > 0);

  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (q) => requests.push(q.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    const text = await page.innerText('body');
    assert.match(text, /Diagnosis/);
    assert.match(text, /blockTheLoop/);
    assert.match(text, /hotChecksum/);
    const titles = await page.$$eval('section.chart svg title', (ts) => ts.map((x) => x.textContent));
    for (const want of ['Throughput over time', 'Event-loop utilisation', 'Event-loop delay p99 (p50 dashed)', 'Process CPU', 'GC pause time per second, by kind']) assert.ok(titles.includes(want), `${want} in ${titles.join(', ')}`);
    const frames = await page.$$eval('.flame g.fr rect', (rs) => rs.filter((x) => Number(x.getAttribute('width')) > 1).length);
    assert.ok(frames > 10, `flame graph frames drawn: ${frames}`);
    const topRows = await page.$$eval('table.top tbody tr', (rows) => rows.map((x) => x.textContent ?? ''));
    assert.ok(topRows.slice(0, 3).some((x) => x.includes('hotChecksum')) && topRows.slice(0, 3).some((x) => x.includes('blockTheLoop')), topRows.join('\n'));

    await page.fill('.flame input', 'hotChecksum');
    const matched = await page.$$eval('.flame g.fr.match', (gs) => gs.length);
    assert.ok(matched >= 1);
    const share = await page.innerText('.flame-match');
    const pct = Number(/([\d.]+)% of samples/.exec(share)?.[1]);
    // The page's share is the profile's: what the report computed for hotChecksum anywhere on the
    // stack, read from the JSON report's flame tree. How large it is depends on the machine's
    // speed (~5 ms a request at 50/s, beside a 25% block), so only a floor that any machine clears.
    const under = (n: FlameNode): number => (n.name === 'hotChecksum' ? n.value : (n.children ?? []).reduce((a, c) => a + under(c), 0));
    const want = (100 * under(t.cpu!.flame)) / t.cpu!.flame.value;
    assert.ok(Math.abs(pct - want) <= 1.5, `page ${share}, report ${want.toFixed(1)}%`);
    assert.ok(pct > 5 && pct <= 100, share);
    await page.screenshot({ path: '/tmp/paysidecar-bench-watch-report.png', fullPage: true });
    // Zoom: clicking the hot frame makes it fill the width.
    await page.click('.flame g.fr.match >> nth=0', { force: true });
    const width = await page.$eval('.flame g.fr.match rect', (x) => Number(x.getAttribute('width')));
    assert.ok(width > 900, `zoomed frame width ${width}`);
    await page.fill('.flame input', 'no-such-function-anywhere');
    assert.equal(await page.$$eval('.flame g.fr.match', (gs) => gs.length), 0);
    assert.deepEqual(errors, []);
    assert.equal(requests.length, 1, `only the file itself is loaded, saw ${requests.join(', ')}`);
  } finally {
    await browser.close();
  }
});

test('bench --watch: a target that does not answer is a warning, not a failure; bad URLs are refused by name', { timeout: 60_000 }, async () => {
  const t = await startHotTarget();
  const port = await closedPort();
  const r = await runCli(['bench', '--target', t.url, '--rate', '20', '--duration', '2s', '--watch', `http://127.0.0.1:${port}`, '--no-profile', '--quiet'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`warning: http://127\\.0\\.0\\.1:${port}/metrics did not answer \\(ECONNREFUSED\\)`));
  assert.match(r.stdout, /scrapes 0\/\d+/);

  const bad = await runCli(['bench', '--target', t.url, '--watch', 'ftp://x,127.0.0.1:15090', '--duration', '1s']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--watch: "ftp:\/\/x" is invalid, expected http:\/\/ URLs/);
  assert.match(bad.stderr, /--watch: "127\.0\.0\.1:15090" is invalid/);
  const stray = await runCli(['bench', '--target', t.url, '--profile-heap', '--duration', '1s']);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--profile-heap: only meaningful with --watch/);
});
