/**
 * The Alertmanager workflows of the deployment guide, in loopback form,
 * through the real processes (`bin/promstack alertmanager` and
 * `bin/promstack amtool`) and a webhook receiver run by the test:
 *
 * - check 4: the Alertmanager with the shipped config and no other flags
 *   than its paths is ready, shows the config it loaded in
 *   /api/v2/status with a ready single-peer cluster, and keeps its state
 *   (silences, notification log) under --storage.path;
 * - check 51: `amtool alert add alertname=Test severity=critical` produces
 *   exactly one notification, at the on-call receiver of the shipped config;
 * - check 20: the staging Alertmanager (deploy/ecs/alertmanager.yml) routes
 *   the same critical test alert to its non-paging receiver, the only one
 *   it has.
 *
 * The configs are the repository's files with two rewrites: the webhook
 * URLs point at the test's receiver, and group_wait is 1s instead of 30s.
 * NOTE: the cluster listens on a free loopback port instead of the default
 * 0.0.0.0:9094, which another process of the machine may hold.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { Daemon, answers200, freePorts, getJSON, sleep, waitFor } from "./fixtures/ha/processes.ts";

interface Notification {
  path: string;
  receiver: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

/** A webhook receiver recording every notification it is sent. */
async function startWebhook(): Promise<{ server: Server; port: number; got: Notification[] }> {
  const got: Notification[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const n = JSON.parse(body) as Omit<Notification, "path">;
      got.push({ path: req.url ?? "", receiver: n.receiver, alerts: n.alerts });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as AddressInfo).port, got };
}

/** The repository's config file with the webhooks on `hookPort` and group_wait 1s; checks each rewrite applies. */
function testConfig(file: string, hookPort: number): string {
  const text = readFileSync(file, "utf8");
  const out = text.replace(/url: http:\/\/[^/\s]+(\/\S*)/g, `url: http://127.0.0.1:${hookPort}$1`).replace("group_wait: 30s", "group_wait: 1s");
  assert.ok(out.includes(`127.0.0.1:${hookPort}`) && out.includes("group_wait: 1s"), `the rewrites apply to ${file}`);
  return out;
}

interface AM {
  daemon: Daemon;
  base: string;
  dir: string;
}

async function startAlertmanager(configText: string): Promise<AM> {
  const dir = mkdtempSync(join(tmpdir(), "promstack-am-checks-"));
  writeFileSync(join(dir, "alertmanager.yml"), configText);
  const [web, cluster] = await freePorts(2);
  const daemon = Daemon.promstack("alertmanager", "alertmanager", [
    `--config.file=${join(dir, "alertmanager.yml")}`,
    `--storage.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${web}`,
    `--cluster.listen-address=127.0.0.1:${cluster}`,
  ]);
  const base = `http://127.0.0.1:${web}`;
  await waitFor("the Alertmanager ready", () => answers200(`${base}/-/ready`), 30_000, [daemon]);
  return { daemon, base, dir };
}

/** `promstack amtool alert add <labels>` against `base`; asserts exit 0. */
function amtoolAlertAdd(base: string, labels: string[]): void {
  const r = spawnSync(process.execPath, ["bin/promstack", "amtool", "alert", "add", ...labels, `--alertmanager.url=${base}`], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, `amtool: ${r.stdout}${r.stderr}`);
}

/** The notifications for alertname=Test, after the group flush and a quiet period that would show a duplicate. */
async function testNotifications(got: Notification[], am: AM): Promise<Notification[]> {
  const mine = (): Notification[] => got.filter((n) => n.alerts.some((a) => a.labels.alertname === "Test"));
  await waitFor("the test notification", () => mine().length > 0, 20_000, [am.daemon]);
  await sleep(3000);
  return mine();
}

test("check 4 and 51: the shipped config loads as upstream shows it, state lives in --storage.path, amtool's test alert pages on-call once", { timeout: 120_000 }, async (t) => {
  const hook = await startWebhook();
  t.after(() => hook.server.close());
  const am = await startAlertmanager(testConfig("config/alertmanager/alertmanager.yml", hook.port));
  t.after(async () => {
    await am.daemon.stop("SIGKILL");
    rmSync(am.dir, { recursive: true, force: true });
  });

  // Check 4: the loaded config and a cluster of one, ready once settled.
  type Status = { config: { original: string }; cluster: { status: string; peers: unknown[] } };
  await waitFor("the cluster settled", async () => (await getJSON<Status>(`${am.base}/api/v2/status`)).cluster.status === "ready", 60_000, [am.daemon]);
  const status = await getJSON<Status>(`${am.base}/api/v2/status`);
  assert.equal(status.cluster.peers.length, 1);
  const shown = parse(status.config.original) as { route: { receiver: string; routes: Array<{ receiver: string }> }; receivers: Array<{ name: string }> };
  const file = parse(readFileSync(join(am.dir, "alertmanager.yml"), "utf8")) as typeof shown;
  assert.equal(shown.route.receiver, file.route.receiver);
  assert.deepEqual(shown.route.routes.map((r) => r.receiver), file.route.routes.map((r) => r.receiver));
  assert.deepEqual(shown.receivers.map((r) => r.name), file.receivers.map((r) => r.name));

  // Check 51: one notification, at the on-call receiver.
  amtoolAlertAdd(am.base, ["alertname=Test", "severity=critical"]);
  const got = await testNotifications(hook.got, am);
  assert.equal(got.length, 1, JSON.stringify(got));
  assert.equal(got[0]!.path, "/on-call");
  assert.equal(got[0]!.receiver, "on-call");
  assert.deepEqual(got[0]!.alerts.map((a) => [a.status, a.labels.severity]), [["firing", "critical"]]);

  // Check 4: silences and the notification log are kept under --storage.path (written at shutdown).
  const silence = { matchers: [{ name: "alertname", value: "Test", isRegex: false, isEqual: true }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: "check 4", comment: "storage" };
  await getJSON(`${am.base}/api/v2/silences`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(silence) });
  assert.equal((await am.daemon.stop("SIGTERM")).code, 0, am.daemon.tail());
  for (const f of ["silences", "nflog"]) assert.ok(existsSync(join(am.dir, "data", f)), `${f} under --storage.path`);
});

test("check 20: the staging Alertmanager sends the critical test alert to its non-paging receiver, the only one it has", { timeout: 60_000 }, async (t) => {
  const file = "deploy/ecs/alertmanager.yml";
  const cfg = parse(readFileSync(file, "utf8")) as { receivers: Array<{ name: string; webhook_configs?: unknown[]; pagerduty_configs?: unknown[]; opsgenie_configs?: unknown[] }> };
  assert.deepEqual(cfg.receivers.map((r) => r.name), ["staging-alerts"]);
  assert.ok(cfg.receivers.every((r) => r.pagerduty_configs === undefined && r.opsgenie_configs === undefined), "no paging integration in staging");

  const hook = await startWebhook();
  t.after(() => hook.server.close());
  const am = await startAlertmanager(testConfig(file, hook.port));
  t.after(async () => {
    await am.daemon.stop("SIGKILL");
    rmSync(am.dir, { recursive: true, force: true });
  });
  amtoolAlertAdd(am.base, ["alertname=Test", "severity=critical"]);
  const got = await testNotifications(hook.got, am);
  assert.deepEqual(got.map((n) => [n.path, n.receiver]), [["/alerts", "staging-alerts"]]);
});
