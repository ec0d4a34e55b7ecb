/**
 * Upgrade and rollback of the server on one data directory, process level
 * (FEATURES.md section 4, checks 41 and 44, loopback form of
 * `kubectl set image` and `kubectl rollout undo`): the old version scrapes
 * a target and evaluates a recording rule, is stopped with SIGTERM (as a
 * StatefulSet pod is), the new version opens the same directory, has every
 * sample of the old one and appends more, is stopped, and the old version
 * opens the directory again and has every sample of both.
 *
 * "Every sample" is what the HTTP API returns for `{__name__=~".+"}[15m]`
 * (raw samples, exact timestamps and values) at a time T a few seconds
 * before each stop: the next version must return exactly the same at T.
 * Past T, the check is that the restart window is the only gap: the up
 * series has samples in the last seconds before each SIGTERM and in the
 * first seconds after the next version became ready (up to 8s: Prometheus
 * applies discovered targets at most every 5s).
 *
 * The target is scraped every 100ms for about 15s per phase, so series pass
 * 120 samples: each version cuts and memory-maps full head chunks
 * (chunks_head/) besides writing the WAL, and the next one has to read both.
 * The target's gauge carries arbitrary float values, and a series that
 * exists only in one phase (demo_phase_info{phase=...}) makes each version
 * create series after replaying the other's WAL.
 *
 * The older versions:
 * - Debian's Prometheus 2.42 (/usr/bin/prometheus; the test is skipped with
 *   that reason where it is not installed);
 * - the previous release of promstack: there is none yet (0.1.0 is the
 *   first), so that round trip runs only when PROMSTACK_PREVIOUS_BIN names
 *   the bin/promstack of an older build (for example a checkout of the
 *   previous release tag after `npm ci`), and is skipped with that reason
 *   otherwise.
 * The src/tsdb/compat.test.ts tests do the same at the library level
 * (promstack's TSDB against 2.42's blocks, WAL and promtool).
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Daemon, answers200, freePorts, getJSON, rawSamples, sleep, waitFor } from "./fixtures/ha/processes.ts";

const PROMETHEUS_242 = "/usr/bin/prometheus";
/** The bin/promstack of the previous promstack release, when there is one to test against. */
const PREVIOUS_PROMSTACK = process.env.PROMSTACK_PREVIOUS_BIN ?? "";

/** How long each version scrapes before it is stopped. */
const PHASE_MS = 15_000;
/** Snapshots are taken this long before "now", so every sample up to them is committed. */
const SNAPSHOT_LAG_MS = 3_000;
/** Every series, raw samples over the whole test. */
const ALL = '{__name__=~".+"}[15m]';
/** Generous: the machine has 2 cores shared with other work. */
const START_TIMEOUT_MS = 90_000;

/** A server version that can run on a data directory. */
interface Version {
  readonly name: string;
  start(args: string[]): Daemon;
}

const promstack: Version = { name: "promstack", start: (args) => Daemon.promstack("promstack", "prometheus", args) };

/** What one phase (one version running on the directory) left behind. */
interface Phase {
  /** Version and phase label, for messages. */
  readonly version: string;
  /** The phase label, also the value of demo_phase_info's phase label while it ran. */
  readonly label: string;
  /** When the process was spawned, became ready, and was sent SIGTERM (ms). */
  readonly spawned: number;
  readonly ready: number;
  readonly stopSent: number;
  /** Time (s) of the snapshot and every raw sample up to it. */
  readonly snapshotS: number;
  readonly snapshot: Map<string, Array<[number, string]>>;
  readonly targets: string[];
  readonly rules: string[];
}

const upKey = (instance: string): string => `{__name__="up",instance=${JSON.stringify(instance)},job="demo"}`;

async function roundTrip(t: TestContext, old: Version): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "promstack-upgrade-"));
  const data = join(dir, "data");
  const [demoPort, serverPort] = await freePorts(2);
  const demoAddr = `127.0.0.1:${demoPort}`;
  const base = `http://127.0.0.1:${serverPort}`;
  let phaseName = "";
  const demo = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.statusCode = 404;
      res.end();
      return;
    }
    const now = Date.now();
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end(
      "# TYPE demo_requests_total counter\n" +
        `demo_requests_total{code="200"} ${Math.floor(now / 37)}\n` +
        `demo_requests_total{code="500"} ${Math.floor(now / 997)}\n` +
        "# TYPE demo_temperature_celsius gauge\n" +
        `demo_temperature_celsius ${20 + Math.sin(now / 1000) / 3}\n` +
        "# TYPE demo_phase_info gauge\n" +
        `demo_phase_info{phase="${phaseName}"} 1\n`,
    );
  });
  await new Promise<void>((r) => demo.listen(demoPort, "127.0.0.1", () => r()));
  const cfg = join(dir, "prometheus.yml");
  writeFileSync(
    cfg,
    `global:\n  scrape_interval: 100ms\n  scrape_timeout: 100ms\n  evaluation_interval: 1s\nrule_files: [rules.yml]\nscrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ["${demoAddr}"]\n`,
  );
  writeFileSync(
    join(dir, "rules.yml"),
    "groups:\n  - name: demo\n    rules:\n      - record: demo:requests:rate10s\n        expr: sum by (code) (rate(demo_requests_total[10s]))\n",
  );
  const args = [`--config.file=${cfg}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${serverPort}`];
  let running: Daemon | null = null;
  t.after(async () => {
    await running?.stop("SIGKILL");
    await new Promise<void>((r) => demo.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `version` on the directory: checks what earlier phases left, scrapes for PHASE_MS, snapshots, stops. */
  const phase = async (version: Version, label: string, earlier: readonly Phase[]): Promise<Phase> => {
    phaseName = label;
    const spawned = Date.now();
    const d = version.start(args);
    running = d;
    await waitFor(`${version.name} ready on the data directory`, () => answers200(`${base}/-/ready`), START_TIMEOUT_MS, [d]);
    const ready = Date.now();
    t.diagnostic(`${label}: ${version.name} ready ${((ready - spawned) / 1000).toFixed(1)}s after start`);
    for (const e of earlier) {
      const got = await rawSamples(base, ALL, e.snapshotS);
      assert.deepEqual([...got.keys()], [...e.snapshot.keys()], `${label}: the series of ${e.version} at its snapshot`);
      for (const [k, v] of e.snapshot) assert.deepEqual(got.get(k), v, `${label}: the samples of ${k} written up to ${e.version}'s snapshot`);
    }
    while (Date.now() < ready + PHASE_MS) {
      assert.ok(d.running(), `${version.name} exited\n${d.tail()}`);
      await sleep(250);
    }
    const snapshotS = (Date.now() - SNAPSHOT_LAG_MS) / 1000;
    const snapshot = await rawSamples(base, ALL, snapshotS);
    const targets = await getJSON<{ data: { activeTargets: Array<{ labels: Record<string, string>; scrapeUrl: string; health: string }> } }>(`${base}/api/v1/targets`);
    const rules = await getJSON<{ data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string }> }> } }>(`${base}/api/v1/rules`);
    const stopSent = Date.now();
    const exit = await d.stop("SIGTERM");
    running = null;
    assert.deepEqual(exit, { code: 0, signal: null }, `${version.name} did not stop cleanly\n${d.tail()}`);
    return {
      version: `${version.name} (${label})`,
      label,
      spawned,
      ready,
      stopSent,
      snapshotS,
      snapshot,
      targets: targets.data.activeTargets.map((x) => `${x.scrapeUrl} ${JSON.stringify(x.labels)} ${x.health}`),
      rules: rules.data.groups.flatMap((g) => g.rules.map((r) => `${g.name}/${r.name} ${r.health}`)),
    };
  };

  const p1 = await phase(old, "old", []);
  const p2 = await phase(promstack, "new", [p1]);
  const p3 = await phase(old, "rolled-back", [p1, p2]);
  const phases = [p1, p2, p3];

  // Each version created full head chunks and memory-mapped them.
  assert.ok(existsSync(join(data, "chunks_head")) && readdirSync(join(data, "chunks_head")).length > 0, "no memory-mapped head chunks were written");

  // Rules and targets as before.
  for (const p of phases) {
    assert.deepEqual(p.targets, [`http://${demoAddr}/metrics ${JSON.stringify({ instance: demoAddr, job: "demo" })} up`], p.version);
    assert.deepEqual(p.rules, ["demo/demo:requests:rate10s ok"], p.version);
  }

  // Every version wrote its own samples: each snapshot has more of them, and each phase's own series.
  const up = (p: Phase): Array<[number, string]> => p.snapshot.get(upKey(demoAddr)) ?? [];
  for (const [i, p] of phases.entries()) {
    const mine = up(p).filter(([ts]) => ts >= p.ready - 1_000);
    assert.ok(mine.length >= 30, `${p.version}: only ${mine.length} samples of up after it became ready`);
    for (const q of phases.slice(0, i + 1)) {
      const info = `{__name__="demo_phase_info",instance=${JSON.stringify(demoAddr)},job="demo",phase=${JSON.stringify(q.label)}}`;
      assert.ok((p.snapshot.get(info) ?? []).length > 0, `${p.version}: no ${info}`);
    }
  }
  for (const k of ["demo:requests:rate10s", "demo_temperature_celsius", "scrape_duration_seconds"]) {
    const n = (p: Phase): number => [...p.snapshot].filter(([key]) => key.includes(`"${k}"`)).reduce((s, [, v]) => s + v.length, 0);
    assert.ok(n(p1) > 0 && n(p1) < n(p2) && n(p2) < n(p3), `${k}: samples per snapshot ${n(p1)}, ${n(p2)}, ${n(p3)}`);
  }

  // Past the snapshots: the restart windows are the only gaps. The rolled-back version's snapshot covers both.
  const all = up(p3);
  for (const [prev, next] of [
    [p1, p2],
    [p2, p3],
  ] as const) {
    const before = all.filter(([ts]) => ts > prev.stopSent - 2_000 && ts <= prev.stopSent);
    // Prometheus applies discovered targets every 5s (the scrape manager's reload throttle): the first scrape may wait that long.
    const after = all.filter(([ts]) => ts >= next.ready && ts <= next.ready + 8_000);
    const inside = all.filter(([ts]) => ts > prev.stopSent + 1_000 && ts < next.spawned);
    assert.ok(before.length > 0, `no sample of up in the 2s before ${prev.version} was stopped: the tail of its data is lost`);
    assert.ok(after.length > 0, `no sample of up in the 8s after ${next.version} became ready`);
    assert.deepEqual(inside, [], "samples while no server ran");
  }
}

function prometheus242Skip(): string | false {
  if (!existsSync(PROMETHEUS_242)) return `${PROMETHEUS_242} is not installed (Debian package prometheus)`;
  const v = execFileSync(PROMETHEUS_242, ["--version"], { encoding: "utf8" });
  return /version 2\.42\./.test(v) ? false : `${PROMETHEUS_242} is not Prometheus 2.42: ${v.split("\n")[0]}`;
}

test("upgrade Prometheus 2.42 -> promstack and roll back -> Prometheus 2.42 on one data directory, with no loss", { skip: prometheus242Skip(), timeout: 240_000 }, async (t) => {
  await roundTrip(t, { name: "prometheus-2.42", start: (args) => new Daemon("prometheus-2.42", PROMETHEUS_242, args) });
});

test(
  "upgrade the previous promstack release -> this one and roll back, on one data directory, with no loss",
  {
    skip:
      PREVIOUS_PROMSTACK === ""
        ? "no previous promstack release exists yet (0.1.0 is the first); set PROMSTACK_PREVIOUS_BIN to an older build's bin/promstack to run this round trip"
        : false,
    timeout: 240_000,
  },
  async (t) => {
    await roundTrip(t, { name: "promstack-previous", start: (args) => new Daemon("promstack-previous", process.execPath, [PREVIOUS_PROMSTACK, "prometheus", ...args], { PROMSTACK_HEAP_SIZED: "1" }) });
  },
);
