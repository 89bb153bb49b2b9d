/**
 * The HTML report opened in headless Chromium: self-contained (no request leaves the page), every
 * chart drawn with non-empty SVG paths. Screenshots are kept under test-artifacts/.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../src/bench/html';
import { rampSteps } from '../../src/bench/ramp';
import { runBench } from '../../src/bench/run';
import { RateSchedule } from '../../src/bench/schedule';
import type { BenchReport } from '../../src/bench/report';
import { launchChromium, type Browser } from './chromium';
import { plan, REPO, startTarget, type Target } from './helpers';

const ARTIFACTS = join(REPO, 'test-artifacts');
const targets: Target[] = [];
let browser: Browser | undefined;

before(() => mkdirSync(ARTIFACTS, { recursive: true }));
after(async () => {
  await browser?.close();
  await Promise.all(targets.map((t) => t.close()));
});

interface ChartInfo {
  title: string;
  paths: number;
  longestD: number;
}

async function openReport(report: BenchReport, name: string): Promise<{ charts: ChartInfo[]; requests: string[]; errors: string[]; text: string }> {
  browser ??= await launchChromium();
  const file = join(ARTIFACTS, `${name}.html`);
  writeFileSync(file, renderHtml(report));
  const page = await browser.context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const charts = await page.$$eval('section.chart svg', (svgs) =>
    svgs.map((svg) => {
      const ds = [...svg.querySelectorAll('path')].map((p) => p.getAttribute('d') ?? '');
      return { title: svg.querySelector('title')?.textContent ?? '', paths: ds.filter((d) => d.length > 0).length, longestD: Math.max(0, ...ds.map((d) => d.length)) };
    }),
  );
  const text = await page.innerText('body');
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  await page.close();
  return { charts, requests, errors, text };
}

test('open-loop report with a stall: four charts with drawn paths, no network', async () => {
  const t = await startTarget({ delayMs: 1, stall: { fromMs: 800, toMs: 1300 } });
  targets.push(t);
  const p = plan(t.url, { rate: 100, durationMs: 2500 });
  const r = await runBench(p);
  const { charts, requests, errors, text } = await openReport(r, 'bench-report');
  assert.deepEqual(errors, []);
  assert.equal(requests.length, 1, `only the file itself is loaded, saw ${requests.join(', ')}`);
  assert.ok(requests[0].startsWith('file://'));
  assert.deepEqual(charts.map((c) => c.title), ['Throughput over time', 'Latency percentiles over time', 'Latency by percentile', 'Status breakdown']);
  for (const c of charts) {
    assert.ok(c.paths >= 1, `${c.title}: has a drawn path`);
    assert.ok(c.longestD > 10, `${c.title}: path data is not empty (${c.longestD} chars)`);
  }
  // Throughput: achieved, errors/s and the target line; latency: p50, p90, p99, max.
  assert.ok(charts[0].paths >= 3, 'throughput chart draws achieved, errors and target');
  assert.ok(charts[1].paths >= 4, 'latency chart draws four percentiles');
  assert.match(text, /open loop at 100 rps/);
  assert.match(text, /HTTP 200/);
});

test('ramp report adds the latency-by-offered-rate chart', async () => {
  const t = await startTarget();
  targets.push(t);
  const p = plan(t.url, { rate: 1 });
  p.schedule = new RateSchedule(rampSteps({ from: 50, to: 200, durationMs: 2000 }, 4));
  p.meta = { ...p.meta, mode: 'ramp', ramp: { from: 50, to: 200, durationSeconds: 2, steps: 4 } };
  const r = await runBench(p);
  const { charts, requests } = await openReport(r, 'bench-report-ramp');
  assert.equal(requests.length, 1);
  const knee = charts.find((c) => c.title === 'Latency by offered rate (the knee)');
  assert.ok(knee, `charts: ${charts.map((c) => c.title).join(', ')}`);
  assert.ok(knee.paths >= 2 && knee.longestD > 10);
});
