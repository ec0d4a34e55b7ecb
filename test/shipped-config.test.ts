/**
 * The stack's shipped configuration (config/) is valid for promstack's own
 * promtool and amtool-equivalent checks, its rule unit tests pass, and
 * Debian's real promtool and amtool accept the same files (when installed).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);
const ours = (...args: string[]) => run(process.execPath, ["bin/promstack", "promtool", ...args]);

test("shipped config: promtool check config finds both rule files", async () => {
  const r = await ours("check", "config", "config/prometheus/prometheus.yml");
  assert.match(r.stdout, /^ {2}SUCCESS: 2 rule files found$/m);
  assert.match(r.stdout, /^ SUCCESS: config\/prometheus\/prometheus.yml is valid prometheus config file syntax$/m);
  assert.match(r.stdout, /^ {2}SUCCESS: 15 rules found$/m);
  assert.match(r.stdout, /^ {2}SUCCESS: 9 rules found$/m);
});

test("shipped config: the rule unit tests pass (fast burn fires 2m after both windows, silent on one)", async () => {
  const r = await ours("test", "rules", "config/prometheus/tests/rules_test.yml");
  assert.match(r.stdout, /SUCCESS/);
});

const promtool = "/usr/bin/promtool";
test("shipped config: Debian's promtool accepts the rules and passes their unit tests", { skip: existsSync(promtool) ? false : `${promtool} is not installed` }, async () => {
  await run(promtool, ["check", "rules", "config/prometheus/recording_rules.yml", "config/prometheus/alerting_rules.yml"]);
  await run(promtool, ["check", "config", "config/prometheus/prometheus.yml"]);
  const r = await run(promtool, ["test", "rules", "config/prometheus/tests/rules_test.yml"]);
  assert.match(r.stdout, /SUCCESS/);
});

const amtool = "/usr/bin/amtool";
test("shipped config: Debian's amtool accepts alertmanager.yml", { skip: existsSync(amtool) ? false : `${amtool} is not installed` }, async () => {
  const r = await run(amtool, ["check-config", "config/alertmanager/alertmanager.yml"]);
  assert.match(r.stdout, /SUCCESS/);
});
