/**
 * The server's web UI in a real headless Chromium (Debian's chromium driven
 * by playwright-core; no browser download), against an in-process server
 * that scrapes a local exporter and evaluates rules: run a query and see the
 * table, the graph and the parse tree, completion and errors in the editor,
 * then the alerts, rules, targets, service discovery and status pages; the
 * same under --web.route-prefix. Each test saves screenshots
 * (UI_SCREENSHOT_DIR, or a directory under the system temp dir).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { shot, skipWithoutChromium, withPage } from "./browser.ts";
import { until } from "./until.ts";
import { PrometheusServer, testServerOptions } from "../src/server/index.ts";
import { listen } from "./net.ts";

interface Stack {
  /** Where the server answers, with the route prefix. */
  base: string;
  exporterPort: number;
  close: () => Promise<void>;
}

/** A server scraping a local exporter (up) and a closed port (down) every second, with one alerting and one recording rule. */
async function startStack(prefix: string): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "promstack-ui-e2e-"));
  const exporter = createServer((_req, res) => {
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end('# HELP demo_requests_total Requests.\n# TYPE demo_requests_total counter\ndemo_requests_total{code="200"} 100\ndemo_requests_total{code="500"} 7\n');
  });
  const exporterPort = await listen(exporter);
  const closed = createServer();
  const closedPort = await listen(closed);
  await new Promise((r) => closed.close(r));
  writeFileSync(
    join(dir, "rules.yml"),
    [
      "groups:",
      "  - name: demo",
      "    interval: 1s",
      "    rules:",
      "      - record: job:demo_requests:sum",
      "        expr: sum by (job) (demo_requests_total)",
      "      - alert: DemoErrors",
      "        expr: demo_requests_total{code=\"500\"} > 0",
      "        labels:",
      "          severity: page",
      "        annotations:",
      "          summary: 'Errors on {{ $labels.instance }}'",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "rule_files:",
      `  - ${join(dir, "rules.yml")}`,
      "scrape_configs:",
      "  - job_name: demo",
      "    static_configs:",
      `      - targets: ['127.0.0.1:${exporterPort}']`,
      "  - job_name: broken",
      "    static_configs:",
      `      - targets: ['127.0.0.1:${closedPort}']`,
      "",
    ].join("\n"),
  );
  const s = new PrometheusServer(testServerOptions(dir, { routePrefix: prefix, tsdb: { retentionMs: 15 * 86_400_000, retentionSizeBytes: 0, minBlockDurationMs: 7_200_000, maxBlockDurationMs: 0, noLockfile: false, walCompression: true }, flags: { "web.route-prefix": prefix, "storage.tsdb.retention.time": "15d" } }));
  await s.start();
  const base = `http://127.0.0.1:${s.address.port}${prefix}`;
  // Both targets scraped, and the alert fired.
  await until("both targets scraped", async () => {
    const r = (await (await fetch(`${base}/api/v1/query?query=up`)).json()) as { data: { result: unknown[] } };
    return r.data.result.length === 2 ? true : null;
  });
  await until("the alert firing", async () => {
    const r = (await (await fetch(`${base}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ state: string }> } };
    return r.data.alerts.some((a) => a.state === "firing") ? true : null;
  });
  return {
    base,
    exporterPort,
    close: async () => {
      await s.stop();
      await new Promise((r) => exporter.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Types into the editor of the first panel, replacing what it holds. */
async function typeQuery(page: Page, q: string): Promise<void> {
  const ed = page.locator(".cm-content").first();
  await ed.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Backspace");
  await page.keyboard.type(q);
}

test("ui: query page, alerts, rules, targets and status pages", { skip: skipWithoutChromium, timeout: 60_000 }, async (t) => {
  const stack = await startStack("");
  try {
    await withPage(t, "main", "index.html", async (page, errors) => {
      const series = `up{instance="127.0.0.1:${stack.exporterPort}", job="demo"}`;

      // / redirects to the query page; a query runs on Enter and shows its table.
      await page.goto(`${stack.base}/`);
      assert.equal(new URL(page.url()).pathname, "/query");
      await typeQuery(page, "up");
      await page.keyboard.press("Escape");
      await page.keyboard.press("Enter");
      const row = page.locator("[data-testid=result-table] tr", { hasText: series });
      await row.waitFor();
      assert.equal((await row.locator("td.value").textContent())?.trim(), "1");
      assert.match((await page.locator("[data-testid=query-stats]").textContent()) ?? "", /Result series: 2/);
      await shot(t, page, "query-table");

      // The graph tab runs the range query and draws both series with a legend.
      // The server holds only seconds of data: a 1m range at 1s resolution has points up to now.
      await page.getByRole("tab", { name: "Graph" }).click();
      await page.getByLabel("Range").fill("1m");
      await page.getByLabel("Resolution (s)").fill("1");
      await page.getByRole("button", { name: "Execute" }).click();
      await page.locator("[data-testid=graph] canvas").waitFor();
      await page.locator(".u-legend", { hasText: series }).waitFor();
      await page.getByLabel("Stacked").check();
      await page.locator("[data-testid=graph] canvas").waitFor();
      await shot(t, page, "query-graph");

      // A link to the page with a query (as the upstream UI writes it) shows the result on load.
      await page.goto(`${stack.base}/query?g0.expr=up&g0.tab=1`);
      await page.locator("[data-testid=result-table] tr", { hasText: series }).waitFor();

      // The explain tab shows the parse tree.
      await typeQuery(page, "sum by (job) (rate(demo_requests_total[5m]))");
      await page.getByRole("tab", { name: "Explain" }).click();
      await page.locator("[data-testid=explain-tree]", { hasText: "AggregateExpr" }).waitFor();
      await page.locator(".explain pre.formatted", { hasText: "sum by (job) (rate(demo_requests_total[5m]))" }).waitFor();
      await shot(t, page, "query-explain");

      // Metric names complete from the API.
      await page.getByRole("tab", { name: "Table" }).click();
      await typeQuery(page, "demo_req");
      await page.locator(".cm-tooltip-autocomplete", { hasText: "demo_requests_total" }).waitFor();
      // CodeMirror ignores accepting a completion in the first 75ms after the list opens (interactionDelay).
      await page.waitForTimeout(100);
      await page.keyboard.press("Enter");
      assert.match((await page.locator(".cm-content").first().textContent()) ?? "", /^demo_requests_total/);
      await shot(t, page, "query-completion");

      // A syntax error is marked in the editor, and the API's error shows in place.
      await typeQuery(page, "up + ");
      await page.keyboard.press("Escape");
      await page.locator(".cm-lintRange-error, .cm-lintPoint-error").first().waitFor({ state: "attached" });
      await page.getByRole("button", { name: "Execute" }).click();
      await page.locator(".panel .alert.error", { hasText: "Error executing query" }).waitFor();
      // Chromium logs the API's 400 answer to the bad query as a console error: that one is expected.
      const bad = errors.findIndex((e) => e.includes("status of 400"));
      assert.ok(bad >= 0, "the bad query's 400 was not seen");
      errors.splice(bad, 1);
      await shot(t, page, "query-error");

      // Alerts: the firing alert with its labels and annotation.
      await page.getByRole("link", { name: "Alerts" }).click();
      const alert = page.locator("details.rule", { hasText: "DemoErrors" });
      await alert.locator(".badge.state-firing").first().waitFor();
      await alert.locator("td", { hasText: 'severity="page"' }).waitFor();
      await alert.locator("tr.annotations", { hasText: `Errors on 127.0.0.1:${stack.exporterPort}` }).waitFor();
      await page.getByLabel(/Firing/).uncheck();
      assert.equal(await page.locator("details.rule", { hasText: "DemoErrors" }).count(), 0);
      await page.getByLabel(/Firing/).check();
      await shot(t, page, "alerts");

      // Rules: the group's interval and each rule's health.
      await page.getByRole("link", { name: "Rules" }).click();
      await page.locator("section.group", { hasText: "Interval: 1s" }).waitFor();
      await page.locator("tr", { hasText: "record: job:demo_requests:sum" }).locator(".badge.health-ok").waitFor();
      await shot(t, page, "rules");

      // Targets: one pool up, one down with its error; the health filter.
      await page.getByRole("link", { name: "Targets" }).click();
      await page.locator("details.pool", { hasText: "demo (1/1 up)" }).waitFor();
      const broken = page.locator("details.pool", { hasText: "broken (0/1 up)" });
      await broken.locator(".badge.health-down").waitFor();
      assert.match((await broken.locator("td.error-text").textContent()) ?? "", /ECONNREFUSED|connection refused/);
      await page.getByLabel("Health").selectOption("down");
      assert.equal(await page.locator("details.pool", { hasText: "demo (1/1 up)" }).count(), 0);
      await page.getByLabel("Show labels before relabeling").check();
      await broken.locator(".discovered", { hasText: "__address__" }).waitFor();
      await shot(t, page, "targets");

      // Service discovery, runtime information, flags, configuration (copied), TSDB status.
      await page.getByRole("link", { name: "Service discovery" }).click();
      await page.locator("section.pool h2", { hasText: "broken" }).waitFor();
      await page.getByRole("link", { name: "Status", exact: true }).click();
      await page.locator("table.kv tr", { hasText: "storageRetention" }).waitFor();
      await page.locator("table.kv tr", { hasText: "0.1.0" }).waitFor();
      await shot(t, page, "status");
      await page.getByRole("link", { name: "Flags" }).click();
      await page.locator("table.kv tr", { hasText: "--storage.tsdb.retention.time" }).waitFor();
      await page.getByRole("link", { name: "Configuration" }).click();
      await page.locator("[data-testid=config-yaml]", { hasText: "job_name: broken" }).waitFor();
      await page.getByRole("button", { name: "Copy to clipboard" }).click();
      await page.getByRole("status").filter({ hasText: "Copied" }).waitFor();
      assert.match(String(await page.evaluate("navigator.clipboard.readText()")), /job_name: demo/);
      await page.getByRole("link", { name: "TSDB status" }).click();
      await page.locator("section", { hasText: "Top 10 series count by metric names" }).locator("td", { hasText: "demo_requests_total" }).waitFor();
      await page.getByRole("button", { name: "Toggle dark theme" }).click();
      await page.waitForFunction("document.documentElement.dataset.theme === 'dark'");
      await shot(t, page, "tsdb-status-dark");
    });
  } finally {
    await stack.close();
  }
});

test("ui: works under --web.route-prefix", { skip: skipWithoutChromium, timeout: 60_000 }, async (t) => {
  const stack = await startStack("/prom");
  try {
    await withPage(t, "prefix", "index.html", async (page) => {
      await page.goto(`${stack.base}/`);
      assert.equal(new URL(page.url()).pathname, "/prom/query");
      // A linked query (the upstream UI's URL format) runs when executed.
      await page.goto(`${stack.base}/query?g0.expr=${encodeURIComponent("job:demo_requests:sum")}&g0.tab=1`);
      await page.getByRole("button", { name: "Execute" }).click();
      const row = page.locator("[data-testid=result-table] tr", { hasText: 'job:demo_requests:sum{job="demo"}' });
      await row.waitFor();
      assert.equal((await row.locator("td.value").textContent())?.trim(), "107");
      await page.getByRole("link", { name: "Targets" }).click();
      assert.equal(new URL(page.url()).pathname, "/prom/targets");
      await page.locator("details.pool", { hasText: "demo (1/1 up)" }).waitFor();
      // A page loaded directly under the prefix finds its assets and the API.
      await page.goto(`${stack.base}/rules`);
      await page.locator("section.group h2", { hasText: "demo" }).waitFor();
      await shot(t, page, "prefix-rules");
    });
  } finally {
    await stack.close();
  }
});
