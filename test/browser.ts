/**
 * Helpers of the browser tests: Debian's Chromium driven by playwright-core
 * (no browser download), pages that record console errors, screenshots in
 * UI_SCREENSHOT_DIR (or a directory under the system temp dir), polling.
 */
import type { TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { defaultUIAssetsDir } from "../src/web/index.ts";

const chromiumPath = "/usr/bin/chromium";

/** The skip reason of a browser test on a machine without Chromium, or false. */
export const skipWithoutChromium: string | false = existsSync(chromiumPath) ? false : `${chromiumPath} is not installed (apt-get install chromium)`;

const screenshotDir = process.env.UI_SCREENSHOT_DIR ?? join(tmpdir(), "promstack-ui-screenshots");

// The flags this machine needs: no sandbox as root, and no background
// network traffic (the network is closed; Chromium would retry at length).
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A page that records every browser console error and uncaught exception in `errors`. */
async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"]);
  const page = await ctx.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page: ${e.message}`));
  page.setDefaultTimeout(10_000);
  return page;
}

/** Saves a screenshot `<name>.png` and names it in the test's output. */
export async function shot(t: TestContext, page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage, timeout: 5_000 });
  t.diagnostic(`screenshot: ${file}`);
}

/**
 * Runs fn on a fresh page of a fresh browser, then asserts no console
 * errors; a failure leaves `<name>-failure.png`. `htmlFile` is the built
 * page the test needs (index.html, alertmanager.html).
 */
export async function withPage(t: TestContext, name: string, htmlFile: string, fn: (page: Page, errors: string[]) => Promise<void>): Promise<void> {
  assert.ok(existsSync(join(defaultUIAssetsDir(), htmlFile)), "the web UI is not built: run `npm run build:ui` (npm install runs it)");
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const errors: string[] = [];
  try {
    const page = await openPage(browser, errors);
    try {
      await fn(page, errors);
    } catch (e) {
      t.diagnostic(`browser errors: ${JSON.stringify(errors)}`);
      await shot(t, page, `${name}-failure`, false).catch(() => {});
      throw e;
    }
  } finally {
    await browser.close();
  }
  assert.deepEqual(errors, []);
}
