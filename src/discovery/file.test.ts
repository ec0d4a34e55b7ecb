import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileSDConfig } from "../config/index.ts";
import { VirtualClock, nopLogger, systemClock } from "../util/index.ts";
import type { Clock } from "../util/index.ts";
import { FileDiscoverer } from "./file.ts";
import { DiscoveryManager, DiscoveryMetrics } from "./index.ts";
import type { TargetGroup, TargetSets } from "./index.ts";

/** Collects sends; `next()` waits for the next one (bounded, so a missing event fails instead of hanging). */
function recorder() {
  const sent: TargetGroup[][] = [];
  const waiters: Array<(g: TargetGroup[]) => void> = [];
  return {
    sent,
    send: (g: TargetGroup[]) => {
      sent.push(g);
      waiters.shift()?.(g);
    },
    next(what: string): Promise<TargetGroup[]> {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 5000);
        waiters.push((g) => {
          clearTimeout(t);
          resolve(g);
        });
      });
    },
  };
}

/** Resolves once `pred` holds, checking after each turn of the event loop; rejects after 5 s. */
async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

function summary(gs: TargetGroup[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of gs) out[g.source.replace(/^.*\//, "")] = g.targets.map((t) => t.get("__address__"));
  return out;
}

function start(files: string[], clock: Clock = systemClock) {
  const metrics = new DiscoveryMetrics();
  const cfg: FileSDConfig = { mechanism: "file", files, refreshIntervalMs: 300_000 };
  const d = new FileDiscoverer(cfg, { logger: nopLogger, clock, metrics, setName: "job" });
  const rec = recorder();
  const abort = new AbortController();
  const done = d.run(abort.signal, rec.send);
  return { rec, metrics, first: () => rec.next("the first refresh"), stop: () => (abort.abort(), done) };
}

test("file_sd: reads JSON and YAML files matched by a glob, with __meta_filepath", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "filesd-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "a.json"), JSON.stringify([{ targets: ["a:1", "a:2"], labels: { env: "prod" } }]));
  writeFileSync(join(dir, "b.yml"), "- targets: ['b:1']\n");
  writeFileSync(join(dir, "ignored.txt"), "x");
  const { first, stop, metrics } = start([join(dir, "*.json"), join(dir, "*.yml")]);
  const groups = await first();
  assert.deepEqual(summary(groups), { "a.json:0": ["a:1", "a:2"], "b.yml:0": ["b:1"] });
  const scans: unknown[] = [];
  await metrics.collect((desc, v) => {
    if (desc.name === "prometheus_sd_file_scan_duration_seconds") scans.push(v);
  });
  assert.equal(scans.length, 1);
  assert.equal((scans[0] as { count: number }).count, 1, "the first refresh is one scan");
  assert.deepEqual(groups[0]!.labels.toObject(), { __meta_filepath: join(dir, "a.json"), env: "prod" });
  assert.equal(groups[0]!.source, `${join(dir, "a.json")}:0`);
  await stop();
});

test("file_sd: a change, a bad write, a shrink and a deletion are picked up by the watch", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "filesd-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, "t.json");
  // Writes go through a rename, as config management tools do, so a reader never sees half a file.
  const write = (s: string): void => {
    writeFileSync(`${f}.tmp`, s);
    renameSync(`${f}.tmp`, f);
  };
  write(JSON.stringify([{ targets: ["a:1"] }, { targets: ["b:1"] }]));
  const { rec, metrics, stop } = start([join(dir, "*.json")]);
  // The state a consumer keeps: the latest targets per source.
  const state = (): Record<string, string[]> => Object.assign({}, ...rec.sent.map(summary)) as Record<string, string[]>;
  const expect = (want: Record<string, string[]>, what: string): Promise<void> => until(() => JSON.stringify(state()) === JSON.stringify(want), what);
  await expect({ "t.json:0": ["a:1"], "t.json:1": ["b:1"] }, "the first refresh");

  write(JSON.stringify([{ targets: ["a:1", "a:2"] }, { targets: ["b:1"] }]));
  await expect({ "t.json:0": ["a:1", "a:2"], "t.json:1": ["b:1"] }, "the change");

  write("[{not json");
  await until(() => metrics.value("prometheus_sd_file_read_errors_total") >= 1, "the read error");
  assert.deepEqual(state(), { "t.json:0": ["a:1", "a:2"], "t.json:1": ["b:1"] }, "a broken file keeps its last groups");

  write(JSON.stringify([{ targets: ["c:1"] }]));
  await expect({ "t.json:0": ["c:1"], "t.json:1": [] }, "the shrink, which clears the vanished source");

  rmSync(f);
  await expect({ "t.json:0": [], "t.json:1": [] }, "the deletion");
  await stop();
});

test("file_sd: refresh_interval finds files in a directory created later", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "filesd-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new VirtualClock(0);
  const sub = join(dir, "later");
  const { rec, metrics, stop } = start([join(sub, "*.json")], clock);
  await until(() => metrics.value("prometheus_sd_file_watcher_errors_total") >= 1, "the failed watch of the missing directory");
  assert.equal(rec.sent.length, 0, "no file, no groups");
  mkdirSync(sub);
  writeFileSync(join(sub, "x.json"), JSON.stringify([{ targets: ["x:1"] }]));
  const next = rec.next("the periodic refresh");
  await clock.advanceAsync(300_000);
  assert.deepEqual(summary(await next), { "x.json:0": ["x:1"] });
  await stop();
});

test("file_sd: end to end through the manager", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "filesd-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "t.yaml"), "- targets: ['n1:9100']\n  labels: {team: a}\n");
  const m = new DiscoveryManager({ name: "scrape", updateIntervalMs: 10 });
  const updates: TargetSets[] = [];
  m.subscribe((s) => {
    updates.push(s);
  });
  m.start();
  m.applyConfig({
    node: [{ mechanism: "file", files: [join(dir, "*.yaml")], refreshIntervalMs: 300_000 }],
    static: [{ mechanism: "static", groups: [{ source: "0", targets: ["localhost:9090"], labels: new Map() }] }],
  });
  assert.deepEqual(
    updates[0]!.static!.map((g) => g.targets.map((x) => x.toObject())),
    [[{ __address__: "localhost:9090" }]],
    "static targets arrive with applyConfig",
  );
  await until(() => (updates.at(-1)?.node?.length ?? 0) > 0, "the file targets");
  const g = updates.at(-1)!.node![0]!;
  assert.deepEqual(g.targets.map((x) => x.toObject()), [{ __address__: "n1:9100" }]);
  assert.deepEqual(g.labels.toObject(), { __meta_filepath: join(dir, "t.yaml"), team: "a" });
  await m.stop();
});
