/**
 * The status page in a real browser (Debian's chromium through playwright-core) while traffic
 * flows through a real sidecar: the numbers move and match /metrics, the stress series appears
 * only once trusted stress traffic does (markers from an untrusted token are counted as rejected,
 * and the request stays prod), the CPU-profile button downloads a valid pprof, the timeline button
 * a trace-event document, and the console
 * stays clean under the page's Content-Security-Policy. A 1280x800 screenshot is left in
 * test-artifacts/ for review.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startUpstream, type TestUpstream } from '../helpers/upstream';
import { metricValue, request, startTestSidecar, type TestSidecar } from '../helpers/sidecar';
import { launchChromium, type Browser } from '../bench/chromium';
import { decodeProfile, assertPprofInvariants } from '../runtime/pprof-check';
import { signStressToken } from '../../src/context/stress-token';
import { bucketQuantile } from '../../src/admin/status/quantile';

const REPO = join(__dirname, '..', '..', '..');

/** histogram_quantile(0.99) over the request-duration buckets of /metrics with these labels (summed over the rest). */
function p99FromMetrics(text: string, labels: Record<string, string>): number {
  const cumulative = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_server_request_duration_bucket{')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const le = /le="([^"]+)"/.exec(line)![1];
    const edge = le === '+Inf' ? Infinity : Number(le);
    cumulative.set(edge, (cumulative.get(edge) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  const edges = [...cumulative.keys()].sort((a, b) => a - b);
  const counts = edges.map((e, i) => cumulative.get(e)! - (i === 0 ? 0 : cumulative.get(edges[i - 1])!));
  return bucketQuantile(0.99, edges.filter(Number.isFinite), counts) ?? NaN;
}
const ARTIFACTS = join(REPO, 'test-artifacts');
const SECRET = 'status-page-stress-secret';
/** Bounded load: at most this many requests per phase, a few ms apart. */
const PHASE_REQUESTS = 400;

describe('status page in a browser', { timeout: 120_000 }, () => {
  let up: TestUpstream;
  let sc: TestSidecar;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    up = await startUpstream((req, res) => {
      const fail = req.url?.includes('fail');
      setTimeout(() => {
        res.writeHead(fail ? 502 : 200, { 'content-type': 'text/plain' });
        res.end('ok');
      }, 2 + Math.floor(Math.random() * 8));
    });
    sc = await startTestSidecar({ upstream: up.url.href, stressSecret: SECRET });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  });
  after(async () => {
    await browser?.close();
    await sc?.shutdown();
    await up?.close();
  });

  /** Sends `n` requests two at a time, or until `stop` says so. */
  async function traffic(n: number, headers: () => Record<string, string> = () => ({}), path = '/api/orders'): Promise<void> {
    let sent = 0;
    const worker = async () => {
      while (sent < n) {
        sent++;
        await request(`${sc.base}${path}${sent % 50 === 0 ? '/fail-1' : ''}`, { headers: headers() });
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await Promise.all([worker(), worker()]);
  }

  // Read through locators: the page's CSP forbids evaluating strings, and the test build has no DOM types.
  const seq = async () => Number((await page.locator('body').getAttribute('data-seq')) ?? '0');
  async function nextFrames(n: number): Promise<void> {
    const target = (await seq()) + n;
    const deadline = Date.now() + 10_000;
    while ((await seq()) < target) {
      assert.ok(Date.now() < deadline, `no frame ${target} within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const cell = (traffic: string, route: string, cls: string) => page.locator(`#routes tr[data-traffic="${traffic}"][data-route="${route}"] td.${cls}`).textContent();

  it('shows prod numbers that move while traffic flows and match /metrics once it stops; stress only for trusted stress traffic', async () => {
    await page.goto(`${sc.admin}/`, { waitUntil: 'load' });
    // Prod traffic, plus requests with stress markers whose token is forged: rejected, counted as prod.
    const forged = signStressToken('not-the-secret', 'stress-v2');
    const flowing = traffic(PHASE_REQUESTS, () => ({ 'x-test-env': 'stress-v2', 'x-stress-token': forged }));
    await nextFrames(2);
    const firstCount = Number(await cell('prod', '/api/orders', 'count'));
    await nextFrames(2);
    const secondCount = Number(await cell('prod', '/api/orders', 'count'));
    assert.ok(secondCount > firstCount && firstCount > 0, `the request count moves: ${firstCount} then ${secondCount}`);
    assert.ok(Number(await cell('prod', '/api/orders', 'rps')) > 0, 'req/s above zero while traffic flows');
    await flowing;

    await nextFrames(2);
    const metrics = await sc.metricsText();
    const pageCount = Number(await cell('prod', '/api/orders', 'count'));
    const metricCount = metricValue(metrics, 'http_server_request_duration_count', { traffic: 'prod', http_route: '/api/orders' });
    assert.equal(pageCount, metricCount, 'the page counts what /metrics counts');
    assert.equal(metricValue(metrics, 'http_server_request_duration_count', { traffic: 'stress' }), 0);
    assert.equal(await page.locator('#routes tr[data-traffic="stress"]').count(), 0, 'no stress row for forged markers');
    assert.equal(await page.locator('#rejections tr[data-key="bad_signature"] td:nth-child(2)').textContent(), String(metricValue(metrics, 'paysidecar_stress_rejections_total', { reason: 'bad_signature' })));
    // The whole test is inside the page's one-minute window, so its p99 is /metrics' over every request.
    const p99 = Number(await cell('prod', '/api/orders', 'p99'));
    const expected = p99FromMetrics(metrics, { traffic: 'prod', http_route: '/api/orders' }) * 1000;
    assert.ok(Math.abs(p99 - expected) <= Math.max(0.05 * expected, 0.01), `p99 on the page ${p99} ms, from /metrics ${expected} ms`);
    assert.ok((await page.locator('#failed tbody tr').count()) > 0, 'the 502s are listed');
    assert.match(String(await page.locator('#failed tbody tr td.trace').first().textContent()), /^[0-9a-f]{32}$/);

    // Now trusted stress traffic: its row and series appear.
    await traffic(100, () => ({ 'x-test-env': 'stress-v2', 'x-stress-token': signStressToken(SECRET, 'stress-v2') }));
    await nextFrames(2);
    const stressCount = Number(await cell('stress', '/api/orders', 'count'));
    assert.equal(stressCount, metricValue(await sc.metricsText(), 'http_server_request_duration_count', { traffic: 'stress', http_route: '/api/orders' }));
    assert.equal(stressCount, 98, 'every 50th request went to another route');

    // Charts: eight, every axis labelled with its unit.
    const charts = page.locator('.chart');
    const axes: string[][] = [];
    for (let i = 0; i < (await charts.count()); i++) axes.push(await charts.nth(i).locator('.u-label').allTextContents());
    assert.equal(axes.length, 8);
    for (const labels of axes) assert.ok(labels.length >= 2 && labels.every((l) => l && l.length > 0), `labelled axes: ${JSON.stringify(labels)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-1280x800.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-full.png'), fullPage: true });
  });

  it('downloads a CPU profile that is a valid pprof', async () => {
    const downloading = page.waitForEvent('download', { timeout: 30_000 });
    await page.click('#cpu-profile');
    const download = await downloading;
    assert.equal(download.suggestedFilename(), 'sidecar-cpu.pb.gz');
    const p = decodeProfile(readFileSync((await download.path())!));
    assertPprofInvariants(p, [
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ]);
  });

  it('downloads a timeline trace: a trace-event document holding the requests proxied while it ran', async () => {
    const downloading = page.waitForEvent('download', { timeout: 30_000 });
    await page.click('#timeline-trace');
    // The capture runs 5 s from the click; these requests fall inside it.
    await new Promise((r) => setTimeout(r, 500));
    await traffic(20, () => ({}), '/api/orders');
    const download = await downloading;
    assert.equal(download.suggestedFilename(), 'sidecar-trace.json');
    const doc = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { traceEvents: Array<{ ph: string; name: string; cat?: string; args?: Record<string, unknown> }> };
    assert.ok(Array.isArray(doc.traceEvents) && doc.traceEvents.length > 0);
    const lanes = doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.name);
    assert.ok(lanes.includes('event loop'), JSON.stringify(lanes));
    assert.ok(doc.traceEvents.some((e) => e.ph === 'X' && e.cat === 'http.server' && e.name === 'GET /api/orders'), 'a request proxied during the capture');
  });

  it('logs no console errors or warnings (CSP violations among them)', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
