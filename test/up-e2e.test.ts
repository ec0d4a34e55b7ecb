/**
 * `promstack up` end to end: the deployment guide's development workflow
 * (checks 1 to 12 of section 4 of FEATURES.md, non-Docker form) against
 * the stack as `npm start` runs it, on ports shifted by --port-offset and
 * with a copy of config/ whose targets follow the shift and whose
 * scrape and evaluation intervals are 1s instead of 15s:
 *
 *   promtool check rules -> edit a rule file -> POST /-/reload -> the edit in
 *   /api/v1/rules -> slo:availability:ratio_rate5m in [0, 1] -> targets up ->
 *   the Alertmanager in /api/v1/alertmanagers -> a killed component comes back
 *   -> SIGINT stops every child -> a restart still has the data.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { STACK_PORTS, freeOffset, stackConfig } from "./fixtures/up-stack.ts";

const run = promisify(execFile);
const BIN = "bin/promstack";


/** A running `promstack up` and everything it printed. */
class Up {
  readonly proc: ChildProcess;
  out: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[]) {
    this.out = "";
    this.proc = spawn(process.execPath, [BIN, "up", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.proc.stdout!.on("data", (b: Buffer) => (this.out += b.toString()));
    this.proc.stderr!.on("data", (b: Buffer) => (this.out += b.toString()));
    this.exited = new Promise((resolve) => this.proc.on("exit", (code, signal) => resolve({ code, signal })));
  }

  /** Pids of every child started so far, by component. */
  pids(): Array<[string, number]> {
    return [...this.out.matchAll(/msg=started component=(\S+) pid=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]);
  }

  count(re: RegExp): number {
    return [...this.out.matchAll(new RegExp(re.source, "g"))].length;
  }

  async waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const t0 = Date.now();
    while (!(await ok())) {
      if (this.proc.exitCode !== null) assert.fail(`promstack up exited while waiting for ${what}:\n${this.out}`);
      if (Date.now() - t0 > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}:\n${this.out.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGINT (Ctrl-C), then the exit status; fails after timeoutMs. */
  async interrupt(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.proc.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new Error(`promstack up did not exit ${timeoutMs} ms after SIGINT:\n${this.out.slice(-4000)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last resort in `finally`: kills this process and the children it printed, by pid. */
  kill(): void {
    for (const [, pid] of this.pids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type Sample = { metric: Record<string, string>; value: [number, string] };

async function query(base: string, q: string, time?: number): Promise<Sample[]> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}${time === undefined ? "" : `&time=${time}`}`);
  assert.equal(r.status, 200, q);
  const body = (await r.json()) as { status: string; data: { resultType: string; result: Sample[] } };
  assert.equal(body.status, "success");
  assert.equal(body.data.resultType, "vector");
  return body.data.result;
}

async function ruleNames(base: string): Promise<string[]> {
  const body = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string }> }> } };
  return body.data.groups.flatMap((g) => g.rules.map((r) => r.name));
}

const amProbe = await run(process.execPath, [BIN, "alertmanager", "--version"]).then(
  () => true,
  () => false,
);
const NO_AM = 'this build of promstack has no "alertmanager" command yet; `promstack up` runs without it';

test("promstack up: the guide's development workflow, Ctrl-C, and data that survives a restart", { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-up-"));
  const off = await freeOffset();
  const cfg = stackConfig(dir, off);
  const data = join(dir, "data");
  const base = `http://127.0.0.1:${STACK_PORTS.prometheus + off}`;
  const args = [`--config.dir=${cfg}`, `--data-dir=${data}`, `--port-offset=${off}`, "--demo.error-ratio=0.05"];
  const components = amProbe ? ["prometheus", "alertmanager", "node-exporter"] : ["prometheus", "node-exporter"];
  let up = new Up(args);
  try {
    await up.waitFor("every component ready", () => components.every((c) => up.out.includes(`msg=ready component=${c} `)), 30_000);
    if (!amProbe) assert.match(up.out, /no "alertmanager" command/);

    // Check 10: promtool check rules on the rule file.
    const rulesFile = join(cfg, "prometheus", "recording_rules.yml");
    const before = await run(process.execPath, [BIN, "promtool", "check", "rules", rulesFile]);
    const n = Number(/ {2}SUCCESS: (\d+) rules found\n/.exec(before.stdout)?.[1]);
    assert.ok(before.stdout.startsWith(`Checking ${rulesFile}\n`), before.stdout);
    assert.ok(n > 0, before.stdout);

    // Check 9: edit the rule file; nothing changes in the running server until a reload.
    appendFileSync(rulesFile, "\n  - name: dev_edit\n    interval: 1s\n    rules:\n      - record: dev:targets_up:count\n        expr: count(up == 1)\n");
    const after = await run(process.execPath, [BIN, "promtool", "check", "rules", rulesFile]);
    assert.match(after.stdout, new RegExp(` {2}SUCCESS: ${n + 1} rules found\n`));
    assert.ok(!(await ruleNames(base)).includes("dev:targets_up:count"));

    // Check 11: POST /-/reload, then the edit is in /api/v1/rules.
    const reload = await fetch(`${base}/-/reload`, { method: "POST" });
    assert.equal(reload.status, 200);
    assert.equal(await reload.text(), "");
    assert.ok((await ruleNames(base)).includes("dev:targets_up:count"));

    // Check 12: slo:availability:ratio_rate5m has a sample in [0, 1], and the demo's 5xx share reaches it.
    // The very first evaluations may give NaN (0/0: no counter has increased yet between two scrapes).
    let slo: Sample[] = [];
    await up.waitFor("slo:availability:ratio_rate5m in [0, 1]", async () => {
      slo = await query(base, "slo:availability:ratio_rate5m");
      return slo.length > 0 && !Number.isNaN(Number(slo[0]!.value[1]));
    }, 30_000);
    assert.equal(slo.length, 1);
    assert.equal(slo[0]!.metric.__name__, "slo:availability:ratio_rate5m");
    const v = Number(slo[0]!.value[1]);
    assert.ok(v >= 0 && v <= 1, `ratio ${v}`);
    await up.waitFor("a 5xx share from the demo service", async () => {
      const e = await query(base, "slo:availability:errors:ratio_rate5m");
      return e.length > 0 && Number(e[0]!.value[1]) > 0;
    }, 30_000);

    // Check 8: targets up, and the Alertmanager listed as active.
    await up.waitFor("targets up", async () => {
      const body = (await (await fetch(`${base}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> } };
      const health = new Map(body.data.activeTargets.map((x) => [x.labels.job!, x.health]));
      return components.every((c) => health.get(c) === "up");
    }, 30_000);
    const ams = (await (await fetch(`${base}/api/v1/alertmanagers`)).json()) as { data: { activeAlertmanagers: Array<{ url: string }> } };
    assert.deepEqual(ams.data.activeAlertmanagers, [{ url: `http://localhost:${STACK_PORTS.alertmanager + off}/api/v2/alerts` }]);
    await t.test("the Alertmanager answers and holds the server's alerts", { skip: amProbe ? false : NO_AM }, async () => {
      await up.waitFor("the Watchdog alert in the Alertmanager", async () => {
        const r = await fetch(`http://127.0.0.1:${STACK_PORTS.alertmanager + off}/api/v2/alerts`);
        return r.ok && ((await r.json()) as Array<{ labels: Record<string, string> }>).some((a) => a.labels.alertname === "Watchdog");
      }, 30_000);
    });

    // A crashed component is restarted and reported.
    const [, nodeExporterPid] = up.pids().find(([c]) => c === "node-exporter")!;
    process.kill(nodeExporterPid, "SIGKILL");
    await up.waitFor("node-exporter back", () => up.count(/msg=ready component=node-exporter /) === 2, 20_000);
    assert.match(up.out, /msg="crashed; restarting" component=node-exporter signal=SIGKILL .*restart=1 delay_ms=1000/);

    // A sample to look for after the restart.
    const kept = (await query(base, "slo:availability:ratio_rate5m"))[0]!;

    // Ctrl-C: every child stops, then `up` exits 0.
    const pids = up.pids();
    assert.equal(pids.length, components.length + 1);
    const status = await up.interrupt(30_000);
    assert.deepEqual(status, { code: 0, signal: null });
    for (const [c, pid] of pids) assert.equal(alive(pid), false, `${c} (pid ${pid}) still running`);
    for (const c of components) assert.match(up.out, new RegExp(`msg=stopped component=${c} code=0`));
    assert.match(up.out, /the development stack has stopped/);

    // Restart on the same data directory: the sample is still there.
    up = new Up(args);
    await up.waitFor("prometheus ready after the restart", () => up.out.includes("msg=ready component=prometheus "), 30_000);
    const again = await query(base, "slo:availability:ratio_rate5m", kept.value[0]);
    assert.deepEqual(again, [kept]);
    assert.deepEqual(await up.interrupt(30_000), { code: 0, signal: null });
  } finally {
    up.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
