import { test } from "node:test";
import assert from "node:assert/strict";
import type { SDConfig, StaticSDConfig } from "../config/index.ts";
import { Labels } from "../model/index.ts";
import { VirtualClock, newLogger, nopLogger } from "../util/index.ts";
import { DiscoveryManager, DiscoveryMetrics, UnsupportedMechanismError, newDiscoverer } from "./index.ts";
import type { Discoverer, SendFunc, TargetGroup, TargetSets } from "./index.ts";

/** A discoverer driven by the test: `send` is captured, stops are observed. */
class FakeDiscoverer implements Discoverer {
  send: SendFunc | null = null;
  stopped = false;
  run(signal: AbortSignal, send: SendFunc): Promise<void> {
    this.send = send;
    return new Promise((resolve) =>
      signal.addEventListener("abort", () => {
        this.stopped = true;
        resolve();
      }),
    );
  }
}

function group(source: string, ...addrs: string[]): TargetGroup {
  return { source, targets: addrs.map((a) => Labels.fromStrings("__address__", a)), labels: Labels.EMPTY };
}

function staticCfg(...addrs: string[]): StaticSDConfig {
  return { mechanism: "static", groups: [{ source: "0", targets: addrs, labels: new Map([["env", "prod"]]) }] };
}

const fileCfg = (f: string): SDConfig => ({ mechanism: "file", files: [f], refreshIntervalMs: 300_000 });

/** A manager whose file configs are fakes (by file name) and the rest built in. */
function setup(opts: { interval?: number } = {}) {
  const clock = new VirtualClock(0);
  const fakes = new Map<string, FakeDiscoverer>();
  let created = 0;
  const metrics = new DiscoveryMetrics();
  const m = new DiscoveryManager({
    name: "scrape",
    clock,
    metrics,
    updateIntervalMs: opts.interval ?? 5000,
    newDiscoverer: (cfg) => {
      if (cfg.mechanism === "static") {
        const d = new FakeDiscoverer();
        const groups = (cfg as StaticSDConfig).groups.map((g) => group(g.source, ...g.targets));
        return { run: (signal, send) => (send(groups), d.run(signal, () => {})) };
      }
      if (cfg.mechanism === "file") {
        created++;
        const d = new FakeDiscoverer();
        fakes.set((cfg as { files: string[] }).files[0]!, d);
        return d;
      }
      throw new Error(`no ${cfg.mechanism}`);
    },
  });
  const deliveries: Array<{ t: number; sets: TargetSets }> = [];
  m.subscribe((sets) => {
    deliveries.push({ t: clock.now(), sets });
  });
  return { clock, m, fakes, deliveries, metrics, created: () => created };
}

function addrs(sets: TargetSets, set: string): string[] {
  return (sets[set] ?? []).flatMap((g) => g.targets.map((t) => t.get("__address__"))).sort();
}

test("manager: static targets are delivered at once on applyConfig", () => {
  const { m, deliveries } = setup();
  m.applyConfig({ job: [staticCfg("a:1", "b:2")] });
  assert.equal(deliveries.length, 1);
  assert.equal(deliveries[0]!.t, 0);
  assert.deepEqual(addrs(deliveries[0]!.sets, "job"), ["a:1", "b:2"]);
});

test("manager: updates are coalesced and delivered on the next tick", async () => {
  const { m, clock, fakes, deliveries } = setup();
  m.start();
  m.applyConfig({ job: [fileCfg("x.json")] });
  assert.deepEqual(deliveries.map((d) => addrs(d.sets, "job")), [[]], "the set is announced, empty");
  const d = fakes.get("x.json")!;
  clock.advance(1000);
  d.send!([group("x.json:0", "a:1")]);
  clock.advance(1000);
  d.send!([group("x.json:0", "a:1", "b:1")]);
  clock.advance(2999);
  assert.equal(deliveries.length, 1, "nothing before the tick at 5 s");
  clock.advance(1);
  assert.equal(deliveries.length, 2);
  assert.equal(deliveries[1]!.t, 5000);
  assert.deepEqual(addrs(deliveries[1]!.sets, "job"), ["a:1", "b:1"]);
  clock.advance(20_000);
  assert.equal(deliveries.length, 2, "no update, no delivery");
  await m.stop();
});

test("manager: an empty group clears its source", () => {
  const { m, clock, fakes, deliveries } = setup();
  m.start();
  m.applyConfig({ job: [fileCfg("x.json")] });
  fakes.get("x.json")!.send!([group("s1", "a:1"), group("s2", "b:1")]);
  clock.advance(5000);
  fakes.get("x.json")!.send!([group("s1")]);
  clock.advance(5000);
  assert.deepEqual(addrs(deliveries.at(-1)!.sets, "job"), ["b:1"]);
});

test("manager: reload keeps unchanged providers, shares equal configs, stops removed ones", async () => {
  const { m, clock, fakes, deliveries, created } = setup();
  m.start();
  m.applyConfig({ a: [fileCfg("x.json")], b: [fileCfg("y.json")] });
  assert.equal(created(), 2);
  fakes.get("x.json")!.send!([group("x:0", "x:1")]);
  fakes.get("y.json")!.send!([group("y:0", "y:1")]);
  clock.advance(5000);
  const x = fakes.get("x.json")!;
  const y = fakes.get("y.json")!;

  // Set c now uses x.json too: it gets x's targets at once, without a new discoverer.
  m.applyConfig({ a: [fileCfg("x.json")], c: [fileCfg("x.json")] });
  assert.equal(created(), 2, "no discoverer created");
  assert.equal(x.stopped, false);
  assert.equal(y.stopped, true, "the provider only b used is stopped");
  const last = deliveries.at(-1)!.sets;
  assert.deepEqual(Object.keys(last).sort(), ["a", "c"]);
  assert.deepEqual(addrs(last, "c"), ["x:1"]);
  assert.deepEqual(m.providers(), [{ name: "file/0", sets: ["a", "c"] }]);

  // One send of the shared provider reaches both sets.
  x.send!([group("x:0", "x:2")]);
  clock.advance(5000);
  assert.deepEqual(addrs(deliveries.at(-1)!.sets, "a"), ["x:2"]);
  assert.deepEqual(addrs(deliveries.at(-1)!.sets, "c"), ["x:2"]);
  await m.stop();
  assert.equal(x.stopped, true);
});

test("manager: a set without configs, or whose configs fail, is delivered empty", () => {
  const { m, deliveries, metrics } = setup();
  m.applyConfig({ none: [], bad: [{ mechanism: "consul", opaque: {} }] });
  assert.deepEqual(deliveries[0]!.sets, { none: [], bad: [] });
  assert.equal(metrics.value("prometheus_sd_failed_configs", "scrape"), 1);
});

test("manager: a busy subscriber delays the next delivery", async () => {
  const { m, clock, fakes, metrics } = setup();
  let release: () => void = () => {};
  const seen: number[] = [];
  m.subscribe((sets) => {
    seen.push(addrs(sets, "job").length);
    return new Promise<void>((r) => (release = r));
  });
  m.start();
  m.applyConfig({ job: [fileCfg("x.json")] });
  fakes.get("x.json")!.send!([group("s", "a:1")]);
  await clock.advanceAsync(5000);
  assert.deepEqual(seen, [0], "still busy with the first delivery");
  assert.equal(metrics.value("prometheus_sd_updates_delayed_total", "scrape"), 1);
  release();
  await clock.advanceAsync(5000);
  assert.deepEqual(seen, [0, 1]);
});

test("manager: counts updates and discovered targets", () => {
  const { m, clock, fakes, metrics } = setup();
  m.start();
  m.applyConfig({ job: [fileCfg("x.json")] });
  fakes.get("x.json")!.send!([group("s", "a:1", "b:1")]);
  clock.advance(5000);
  assert.equal(metrics.value("prometheus_sd_received_updates_total", "scrape"), 1);
  assert.equal(metrics.value("prometheus_sd_updates_total", "scrape"), 2);
  assert.equal(metrics.value("prometheus_sd_discovered_targets", "scrape", "job"), 2);
});

test("manager: the built-in registry refuses mechanisms promstack does not implement", () => {
  const logs: string[] = [];
  const logger = newLogger({ write: (l) => logs.push(l) });
  const metrics = new DiscoveryMetrics();
  const m = new DiscoveryManager({ name: "notify", clock: new VirtualClock(0), metrics, logger });
  let got: TargetSets = {};
  m.subscribe((s) => {
    got = s;
  });
  m.applyConfig({ "config-0": [{ mechanism: "consul", opaque: { server: "localhost:8500" } }, staticCfg("am:9093")] });
  assert.deepEqual(addrs(got, "config-0"), ["am:9093"]);
  assert.equal(metrics.value("prometheus_sd_failed_configs", "notify"), 1);
  assert.match(logs.join(""), /Cannot create service discovery.*consul_sd_configs is not supported by promstack/);
  assert.throws(() => newDiscoverer({ mechanism: "ec2", opaque: {} }, { logger: nopLogger, clock: new VirtualClock(0), metrics, setName: "x" }), UnsupportedMechanismError);
});
