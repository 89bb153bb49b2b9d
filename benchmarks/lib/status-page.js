/**
 * The `sidecar-page` target's browser: Debian's chromium (playwright-core, headless) with the
 * sidecar's admin status page open, polling every second and redrawing its charts, for as long as
 * the target runs. The browser runs through every target's rounds, so its own CPU weighs on all of
 * them alike and `sidecar-page` against `sidecar` isolates what serving the page costs the sidecar.
 */
'use strict';
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function openStatusPage(adminUrl) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-test-tools.sh (the sidecar-page target drives a real browser)`);
  const { chromium } = require('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'paysidecar-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${adminUrl}/`, { waitUntil: 'load' });
  // The page is live once its first data has arrived.
  await page.locator('body[data-seq]').waitFor({ timeout: 15_000 });
  return {
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

module.exports = { openStatusPage };
