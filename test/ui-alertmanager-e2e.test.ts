/**
 * The Alertmanager's web UI in a real headless Chromium (Debian's chromium
 * driven by playwright-core; no browser download), against in-process
 * Alertmanagers holding real alerts posted through API v2: the alerts
 * grouped by the route tree, filtered by matcher, receiver and state; a
 * silence created from an alert (with its preview), the alert silenced,
 * the silence edited and expired; the status page with the configuration
 * and a two-peer cluster; the page under --web.route-prefix and under the
 * path of --web.external-url, there with a notification's silence link and
 * the form used from the keyboard. Each test saves screenshots
 * (UI_SCREENSHOT_DIR, or a directory under the system temp dir, as
 * test/ui-e2e.test.ts does).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { shot, skipWithoutChromium, withPage } from "./browser.ts";
import { until } from "./until.ts";
import { createAlertmanager, type Alertmanager } from "../src/alertmanager/index.ts";
import { Peer } from "../src/alertmanager/cluster/index.ts";
import { freePort } from "./net.ts";

const CONFIG = `global:
  resolve_timeout: 5m
route:
  receiver: team-storage
  group_by: [alertname]
  group_wait: 1h
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
receivers:
  - name: team-storage
  - name: pager
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [service]
`;

/** Firing alerts: two of one group, one paging, and one the paging alert inhibits. */
const ALERTS = [
  { labels: { alertname: "DiskFull", instance: "db1", severity: "warning", team: "storage" }, annotations: { summary: "Disk on db1 is 95% full" }, generatorURL: "http://prometheus.example/graph?g0.expr=disk" },
  { labels: { alertname: "DiskFull", instance: "db2", severity: "warning", team: "storage" }, annotations: { summary: "Disk on db2 is 91% full" } },
  { labels: { alertname: "HighLatency", service: "api", severity: "critical" }, annotations: { summary: "p99 latency above 2s", runbook: "https://runbooks.example/latency" } },
  { labels: { alertname: "ApiSlow", service: "api", severity: "warning" }, annotations: { summary: "Some requests are slow" } },
];

interface Stack {
  /** Where the first Alertmanager answers, with the route prefix. */
  base: string;
  close: () => Promise<void>;
}

/**
 * `replicas` Alertmanagers (clustered over loopback when more than one)
 * under `prefix`, given as --web.route-prefix or, with `externalURL`, as
 * the path of --web.external-url; the alerts posted to the first, and its
 * dispatcher holding their groups.
 */
async function startStack(prefix: string, replicas: number, externalURL = false): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "promstack-am-ui-e2e-"));
  writeFileSync(join(dir, "alertmanager.yml"), CONFIG);
  const ams: Alertmanager[] = [];
  const peers: Peer[] = [];
  const clusterAddrs: string[] = [];
  for (let i = 0; i < replicas; i++) clusterAddrs.push(`127.0.0.1:${await freePort()}`);
  for (let i = 0; i < replicas; i++) {
    const peer =
      replicas === 1
        ? null
        : new Peer({
            listenAddress: clusterAddrs[i]!,
            peers: clusterAddrs.filter((_, j) => j !== i),
            gossipIntervalMs: 20,
            probeIntervalMs: 100,
            probeTimeoutMs: 300,
            pushPullIntervalMs: 1000,
            settleIntervalMs: 100,
            settleTimeoutMs: 2000,
            refreshIntervalMs: 200,
            reconnectIntervalMs: 300,
          });
    const port = externalURL ? await freePort() : 0;
    const am = createAlertmanager({
      configFile: join(dir, "alertmanager.yml"),
      storagePath: join(dir, `data${i}`),
      listenAddress: `127.0.0.1:${port}`,
      ...(externalURL ? { externalUrl: `http://127.0.0.1:${port}${prefix}/` } : { routePrefix: prefix }),
      cluster: peer,
    });
    await am.start();
    await peer?.start();
    ams.push(am);
    if (peer !== null) peers.push(peer);
  }
  const base = `http://127.0.0.1:${ams[0]!.address.port}${prefix}`;
  const res = await fetch(`${base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ALERTS) });
  assert.equal(res.status, 200, await res.text());
  await until("the alert groups", async () => {
    const gs = (await (await fetch(`${base}/api/v2/alerts/groups?inhibited=true`)).json()) as Array<{ alerts: unknown[] }>;
    return gs.reduce((n, g) => n + g.alerts.length, 0) === ALERTS.length ? true : null;
  });
  if (replicas > 1) {
    await until("the cluster", async () => {
      const st = (await (await fetch(`${base}/api/v2/status`)).json()) as { cluster: { status: string; peers: unknown[] } };
      return st.cluster.status === "ready" && st.cluster.peers.length === replicas ? true : null;
    });
  }
  return {
    base,
    close: async () => {
      for (const am of ams) await am.stop();
      for (const p of peers) await p.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The alert group whose labels include `alertname="<name>"`. */
const group = (page: Page, name: string) => page.locator("section.am-group", { has: page.locator(".am-group-head", { hasText: `alertname="${name}"` }) });

/** The alert card holding the label `label`. */
const alertCard = (page: Page, label: string) => page.locator("li.am-alert", { hasText: label });

test("alertmanager ui: alerts, silences and status", { skip: skipWithoutChromium, timeout: 90_000 }, async (t) => {
  const stack = await startStack("", 2);
  try {
    await withPage(t, "alertmanager", "alertmanager.html", async (page) => {
      // The page opens on the alerts, grouped by alertname as the route says; the inhibited alert is hidden.
      await page.goto(`${stack.base}/`);
      assert.equal(new URL(page.url()).hash, "#/alerts");
      const disk = group(page, "DiskFull");
      await disk.locator("li.am-alert").nth(1).waitFor();
      assert.equal(await disk.locator("li.am-alert").count(), 2);
      assert.match((await disk.locator(".am-receiver").textContent()) ?? "", /receiver: team-storage/);
      await group(page, "HighLatency").locator(".am-receiver", { hasText: "receiver: pager" }).waitFor();
      await alertCard(page, 'instance="db1"').locator(".am-annotations", { hasText: "Disk on db1 is 95% full" }).waitFor();
      await alertCard(page, 'service="api"').locator("a", { hasText: "https://runbooks.example/latency" }).waitFor();
      assert.equal(await group(page, "ApiSlow").count(), 0);
      await shot(t, page, "alertmanager-alerts");

      // State filter: inhibited alerts shown on request, marked.
      await page.getByRole("checkbox", { name: "Inhibited" }).check();
      await group(page, "ApiSlow").locator(".badge.am-inhibited").waitFor();
      await page.getByRole("checkbox", { name: "Inhibited" }).uncheck();
      await group(page, "ApiSlow").waitFor({ state: "detached" });

      // Matcher filter, typed and applied with Enter; a bad one is refused in place.
      const filter = page.getByRole("textbox", { name: "Filter", exact: true });
      await filter.fill('{severity="critical"}');
      await filter.press("Enter");
      await group(page, "DiskFull").waitFor({ state: "detached" });
      await group(page, "HighLatency").waitFor();
      assert.match(decodeURIComponent(new URL(page.url()).hash), /filter=\{severity="critical"\}/);
      await filter.fill('alertname=~"Disk.*", instance!="db2"');
      await filter.press("Enter");
      await group(page, "HighLatency").waitFor({ state: "detached" });
      await alertCard(page, 'instance="db1"').waitFor();
      assert.equal(await page.locator("li.am-alert").count(), 1);
      await page.locator(".am-chip", { hasText: 'instance!="db2"' }).waitFor();
      await shot(t, page, "alertmanager-alerts-filtered");
      await filter.fill('alertname=~"(unclosed"');
      await filter.press("Enter");
      await page.getByRole("alert").filter({ hasText: "Invalid filter" }).waitFor();
      await page.getByRole("button", { name: 'Remove filter instance!="db2"' }).click();
      await page.getByRole("button", { name: 'Remove filter alertname=~"Disk.*"' }).click();
      await group(page, "HighLatency").waitFor();

      // Receiver filter.
      await page.getByRole("combobox", { name: /Receiver/ }).selectOption("pager");
      await group(page, "DiskFull").waitFor({ state: "detached" });
      await group(page, "HighLatency").waitFor();
      await page.getByRole("combobox", { name: /Receiver/ }).selectOption("");
      await group(page, "DiskFull").waitFor();

      // A click on a label adds it to the filter.
      await alertCard(page, 'instance="db2"').getByRole("button", { name: 'instance="db2"' }).click();
      await page.locator(".am-chip", { hasText: 'instance="db2"' }).waitFor();
      await group(page, "HighLatency").waitFor({ state: "detached" });
      // The filtered list is rendered anew: count once its card is there, as for the matcher filter above.
      await alertCard(page, 'instance="db2"').waitFor();
      assert.equal(await page.locator("li.am-alert").count(), 1);
      await page.getByRole("button", { name: 'Remove filter instance="db2"' }).click();
      await group(page, "HighLatency").waitFor();

      // Silence db1's alert from its card: the form is prefilled with its labels; the preview shows it alone.
      await alertCard(page, 'instance="db1"').getByRole("link", { name: "Silence DiskFull alert" }).click();
      await page.getByRole("heading", { name: "New silence" }).waitFor();
      const names = await page.locator(".am-matcher-row input[aria-label$='label name']").evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
      assert.deepEqual(names, ["alertname", "instance", "severity", "team"]);
      assert.equal(await page.getByLabel("Matcher 2 value").inputValue(), "db1");
      assert.equal(await page.getByLabel("Duration").inputValue(), "2h");
      await page.getByLabel("Creator").fill("ops@example.com");
      await page.getByLabel("Comment").fill("Replacing the disk of db1");
      await page.getByRole("button", { name: "Preview alerts" }).click();
      const preview = page.locator("section.am-preview");
      await preview.getByText("1 alert would be silenced.").waitFor();
      await preview.locator("li.am-alert", { hasText: 'instance="db1"' }).waitFor();
      await shot(t, page, "alertmanager-silence-form");
      await page.getByRole("button", { name: "Create" }).click();
      await page.waitForURL(/#\/silences\/[0-9a-f-]{36}$/);
      const id = new URL(page.url()).hash.slice("#/silences/".length);
      await page.locator("td", { hasText: id }).waitFor();
      await page.locator(".badge.am-state-active").waitFor();
      await page.locator("li.am-alert", { hasText: 'instance="db1"' }).waitFor();
      await shot(t, page, "alertmanager-silence");

      // The alert is silenced: hidden by default, shown with the silence when asked for.
      await page.getByRole("link", { name: "Alerts", exact: true }).click();
      await alertCard(page, 'instance="db2"').waitFor();
      assert.equal(await alertCard(page, 'instance="db1"').count(), 0);
      await page.getByRole("checkbox", { name: "Silenced" }).check();
      await alertCard(page, 'instance="db1"').locator(".badge.am-silenced", { hasText: id.slice(0, 8) }).waitFor();
      await shot(t, page, "alertmanager-alerts-silenced");

      // The silences list: the active tab holds it; edit its comment.
      await page.getByRole("link", { name: "Silences" }).click();
      await page.getByRole("tab", { name: "Active (1)" }).waitFor();
      const item = page.locator(`li.am-silence[data-silence-id="${id}"]`);
      await item.getByText("Replacing the disk of db1").waitFor();
      await item.getByRole("link", { name: "Edit" }).click();
      await page.getByRole("heading", { name: "Edit silence" }).waitFor();
      assert.equal(await page.getByLabel("Comment").inputValue(), "Replacing the disk of db1");
      await page.getByLabel("Comment").fill("Replacing the disk of db1 (ticket 42)");
      await page.getByRole("button", { name: "Update" }).click();
      await page.waitForURL(/#\/silences\/[0-9a-f-]{36}$/);
      await page.locator("td.am-comment", { hasText: "ticket 42" }).waitFor();
      // Only the comment changed: the silence is updated in place, as upstream's.
      assert.equal(new URL(page.url()).hash, `#/silences/${id}`);

      // Expire it: the alert is active again; the silence moves to the expired tab.
      await page.getByRole("button", { name: "Expire" }).click();
      await page.locator(".badge.am-state-expired").waitFor();
      await page.getByRole("link", { name: "Silences" }).click();
      await page.getByRole("tab", { name: "Expired (1)" }).click();
      await page.locator(`li.am-silence[data-silence-id="${id}"]`).getByRole("link", { name: "Recreate" }).waitFor();
      assert.equal(await page.getByRole("tab", { name: "Active (0)" }).count(), 1);
      await shot(t, page, "alertmanager-silences-expired");
      await page.getByRole("link", { name: "Alerts", exact: true }).click();
      await alertCard(page, 'instance="db1"').waitFor();
      assert.equal(await alertCard(page, 'instance="db1"').locator(".badge.am-silenced").count(), 0);

      // Status: uptime, the two-peer cluster, version, the configuration (copied).
      await page.getByRole("link", { name: "Status" }).click();
      await page.locator("[data-testid=cluster] .badge.am-cluster-ready").waitFor();
      assert.equal(await page.locator("[data-testid=peers] tbody tr").count(), 2);
      await page.locator("table.kv tr", { hasText: "Uptime" }).waitFor();
      await page.locator("table.kv tr", { hasText: "version" }).locator("td", { hasText: "0.1.0" }).waitFor();
      await page.locator("[data-testid=config-yaml]", { hasText: "receiver: pager" }).waitFor();
      await page.getByRole("button", { name: "Copy to clipboard" }).click();
      await page.getByRole("status").filter({ hasText: "Copied" }).waitFor();
      assert.match(String(await page.evaluate("navigator.clipboard.readText()")), /inhibit_rules:/);
      await page.getByRole("button", { name: "Toggle dark theme" }).click();
      await page.waitForFunction("document.documentElement.dataset.theme === 'dark'");
      await shot(t, page, "alertmanager-status-dark");
    });
  } finally {
    await stack.close();
  }
});

test("alertmanager ui: works under --web.route-prefix", { skip: skipWithoutChromium, timeout: 60_000 }, async (t) => {
  const stack = await startStack("/am", 1);
  try {
    await withPage(t, "alertmanager-route-prefix", "alertmanager.html", async (page) => {
      // The prefix without a slash redirects to the page, which finds its assets and the API.
      await page.goto(stack.base);
      assert.equal(new URL(page.url()).pathname, "/am/");
      await group(page, "DiskFull").locator("li.am-alert").nth(1).waitFor();
      await page.getByRole("link", { name: "Silences" }).click();
      await page.getByRole("tab", { name: "Active (0)" }).waitFor();
      await shot(t, page, "alertmanager-route-prefix-silences");
    });
  } finally {
    await stack.close();
  }
});

test("alertmanager ui: works under the path of --web.external-url, form used from the keyboard", { skip: skipWithoutChromium, timeout: 60_000 }, async (t) => {
  const stack = await startStack("/am", 1, true);
  try {
    await withPage(t, "alertmanager-external-url", "alertmanager.html", async (page) => {
      // The prefix without a slash redirects to the page, which finds its assets and the API.
      await page.goto(stack.base);
      assert.equal(new URL(page.url()).pathname, "/am/");
      await group(page, "DiskFull").locator("li.am-alert").nth(1).waitFor();
      // An alert posted later shows on Refresh.
      const res = await fetch(`${stack.base}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([{ labels: { alertname: "Watchdog" } }]) });
      assert.equal(res.status, 200);
      await until("the new alert's group", async () => {
        const gs = (await (await fetch(`${stack.base}/api/v2/alerts/groups`)).json()) as Array<{ labels: Record<string, string> }>;
        return gs.some((g) => g.labels.alertname === "Watchdog") ? true : null;
      });
      await page.getByRole("button", { name: "Refresh" }).click();
      await group(page, "Watchdog").waitFor();

      // A link as notification templates write it (a comma after each matcher) opens the prefilled form.
      await page.goto(`${stack.base}/#/silences/new?filter=${encodeURIComponent('{alertname="HighLatency", }')}`);
      await page.getByRole("heading", { name: "New silence" }).waitFor();
      assert.equal(await page.getByLabel("Matcher 1 value").inputValue(), "HighLatency");

      // From the keyboard only: Tab through the fields, type, submit with Enter.
      await page.getByLabel("Duration").focus();
      await page.keyboard.press("Control+A");
      await page.keyboard.type("30m");
      const end = Date.parse(await page.getByLabel("End").inputValue());
      const start = Date.parse(await page.getByLabel("Start").inputValue());
      assert.equal(end - start, 30 * 60_000);
      await page.getByLabel("Creator").focus();
      await page.keyboard.type("oncall");
      await page.keyboard.press("Tab");
      await page.keyboard.type("Known latency issue");
      await page.getByLabel("Creator").press("Enter");
      await page.waitForURL(/\/am\/#\/silences\/[0-9a-f-]{36}$/);
      await page.locator("li.am-alert", { hasText: 'alertname="HighLatency"' }).waitFor();

      // A matcher list pasted into a name field fills the rows; a form missing a required field says so in place and sends nothing.
      await page.getByRole("link", { name: "New silence" }).first().click();
      await page.evaluate("navigator.clipboard.writeText('{alertname=\"DiskFull\", instance=~\"db[12]\"}')");
      await page.getByLabel("Matcher 1 label name").focus();
      await page.keyboard.press("Control+V");
      assert.equal(await page.getByLabel("Matcher 2 label name").inputValue(), "instance");
      assert.equal(await page.getByLabel("Matcher 2 operator").inputValue(), "=~");
      assert.equal(await page.getByLabel("Matcher 2 value").inputValue(), "db[12]");
      await page.getByRole("button", { name: "Create" }).click();
      await page.locator("#silence-comment-error", { hasText: "A comment is required." }).waitFor();
      assert.equal(await page.getByLabel("Comment").getAttribute("aria-invalid"), "true");

      // Status without a cluster.
      await page.getByRole("link", { name: "Status" }).click();
      await page.locator("[data-testid=cluster] .badge.am-cluster-disabled").waitFor();
      await page.getByText("No peers: clustering is disabled.").waitFor();
      assert.equal(new URL(page.url()).pathname, "/am/");
      await shot(t, page, "alertmanager-external-url-status");
    });
  } finally {
    await stack.close();
  }
});
