import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { type Clock, LogFormat, newLogger } from "../util/index.ts";
import { type ProcessSpec, Supervisor } from "./index.ts";

/** Real timers that keep the test's event loop alive while a child is in backoff. */
const refClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(h) };
  },
};

type Record_ = { msg: string; component?: string; [k: string]: unknown };

function harness(specs: ProcessSpec[], opts: { stopTimeoutMs?: number } = {}) {
  const out: string[] = [];
  const records: Record_[] = [];
  const logger = newLogger({ format: LogFormat.Json, write: (l) => records.push(JSON.parse(l) as Record_) });
  const sup = new Supervisor({
    specs,
    write: (t) => out.push(t),
    logger,
    clock: refClock,
    backoff: { initialMs: 40, maxMs: 160, resetAfterMs: 60_000 },
    stopTimeoutMs: opts.stopTimeoutMs ?? 5000,
    readyPollMs: 20,
  });
  const until = async (what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> => {
    const t0 = Date.now();
    while (!ok()) {
      if (Date.now() - t0 > timeoutMs) assert.fail(`timed out waiting for ${what}; log: ${JSON.stringify(records)}; out: ${out.join("")}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { sup, out, records, until };
}

const node = (name: string, script: string, readyUrl: string | null = null): ProcessSpec => ({
  name,
  command: process.execPath,
  args: ["-e", script],
  readyUrl,
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("Supervisor prefixes stdout and stderr line by line, flushing a last partial line", async () => {
  const h = harness([node("a", "process.stdout.write('one\\ntw'); process.stdout.write('o\\n'); process.stderr.write('err\\nlast')"), node("long-name", "console.log('x')")]);
  h.sup.start();
  await h.until("both stopped", () => h.records.filter((r) => r.msg === "exited cleanly; not restarting it").length === 2);
  const lines = h.out.join("").split("\n").filter((l) => l !== "").sort();
  assert.deepEqual(lines, ["a         | err", "a         | last", "a         | one", "a         | two", "long-name | x"]);
  await h.sup.stop();
});

test("Supervisor restarts a crashing child with doubling delays up to the maximum, and reports each crash", async () => {
  const h = harness([node("crashy", "process.exit(3)")]);
  h.sup.start();
  await h.until("four crashes", () => h.records.filter((r) => r.msg === "crashed; restarting").length >= 4);
  await h.sup.stop();
  const crashes = h.records.filter((r) => r.msg === "crashed; restarting").slice(0, 4);
  assert.deepEqual(
    crashes.map((r) => [r.component, r.code, r.restart, r.delay_ms]),
    [
      ["crashy", "3", "1", "40"],
      ["crashy", "3", "2", "80"],
      ["crashy", "3", "3", "160"],
      ["crashy", "3", "4", "160"],
    ],
  );
  const st = h.sup.status()[0]!;
  assert.equal(st.state, "stopped");
  assert.ok(st.pids.length >= 4 && new Set(st.pids).size === st.pids.length, "a new pid per start");
});

test("Supervisor reports a child that cannot be spawned as a crash and retries it", async () => {
  const h = harness([{ name: "missing", command: "/nonexistent/program", args: [], readyUrl: null }]);
  h.sup.start();
  await h.until("two failed starts", () => h.records.filter((r) => r.msg === "crashed; restarting").length >= 2);
  await h.sup.stop();
  const r = h.records.find((x) => x.msg === "crashed; restarting")!;
  assert.match(String(r.err), /ENOENT/);
});

test("Supervisor.stop sends SIGTERM, and SIGKILL to a child still running after the bound", async () => {
  const h = harness(
    [
      node("polite", "process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000)"),
      node("stubborn", "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000)"),
    ],
    { stopTimeoutMs: 500 },
  );
  h.sup.start();
  await h.until("both up", () => h.out.join("").split("up\n").length === 3);
  const pids = h.sup.status().map((s) => s.pid!);
  const t0 = Date.now();
  await h.sup.stop();
  const took = Date.now() - t0;
  assert.ok(took >= 450 && took < 4000, `stop took ${took} ms`);
  for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} still alive`);
  const text = h.out.join("");
  assert.match(text, /polite +\| bye/);
  assert.match(text, /stubborn +\| ignoring SIGTERM/);
  assert.deepEqual(
    h.records.filter((r) => r.msg === "stopped").map((r) => [r.component, r.code ?? r.signal]).sort(),
    [
      ["polite", "0"],
      ["stubborn", "SIGKILL"],
    ],
  );
  assert.ok(h.records.some((r) => r.msg === "component did not stop in time; killing it" && r.component === "stubborn"));
  assert.equal(h.records.filter((r) => r.msg === "crashed; restarting").length, 0, "no restart while stopping");
});

test("Supervisor reports a component ready once its URL answers 2xx", async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  // The child listens only after a delay, so the first polls fail.
  const script = `setTimeout(() => require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1'), 200)`;
  const h = harness([node("web", script, `http://127.0.0.1:${port}/`)]);
  h.sup.start();
  await h.until("ready", () => h.sup.status()[0]!.ready);
  await h.sup.stop();
  assert.equal(h.records.filter((r) => r.msg === "ready").length, 1);
  assert.equal(h.records.find((r) => r.msg === "ready")!.url, `http://127.0.0.1:${port}/`);
});
