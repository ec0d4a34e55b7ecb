import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "../exposition/index.ts";
import { MemoryStorage } from "../storage/index.ts";
import { VirtualClock, systemClock } from "../util/index.ts";
import { ScrapeManager } from "./index.ts";
import type { ScraperFactory } from "./index.ts";
import type { TargetGroup } from "../discovery/index.ts";
import { FakeScraper, L, config, dump, text } from "./scrape-test-util.test.ts";

const T0 = 1_700_000_000_000;

const YAML = (extra = "") => `
scrape_configs:
  - job_name: a
    scrape_interval: 10s
    relabel_configs:
      - source_labels: [__address__]
        regex: drop.*
        action: drop
  - job_name: b
    scrape_interval: 10s${extra}
`;

function groups(a: string[], b: string[]): Record<string, TargetGroup[]> {
  const g = (addrs: string[]): TargetGroup[] => [{ source: "0", targets: addrs.map((x) => L({ __address__: x })), labels: L({ env: "test" }) }];
  return { a: g(a), b: g(b) };
}

function setup() {
  const db = new MemoryStorage();
  const clock = new VirtualClock(T0);
  const registry = new Registry();
  let created = 0;
  const newScraper: ScraperFactory = (t) => {
    created++;
    return new FakeScraper(text(`m{from="${t.labels.get("__address__")}"} 1\n`));
  };
  const m = new ScrapeManager({ appendable: db, clock, registry, newScraper, skipOffsetting: true, hostname: "h" });
  return { db, clock, registry, m, created: () => created };
}

test("manager: pools from config and target groups; the targets API data", async () => {
  const s = setup();
  await s.m.applyConfig(config(YAML()));
  await s.m.sync(groups(["x:1", "drop:1"], ["y:1"]));
  assert.deepEqual(s.m.scrapePools(), ["a", "b"]);
  let info = s.m.targets();
  assert.deepEqual(
    info.activeTargets.map((t) => [t.scrapePool, t.scrapeUrl, t.health, t.lastScrape]),
    [
      ["a", "http://x:1/metrics", "unknown", "0001-01-01T00:00:00Z"],
      ["b", "http://y:1/metrics", "unknown", "0001-01-01T00:00:00Z"],
    ],
  );
  await s.clock.advanceAsync(0);
  info = s.m.targets();
  assert.deepEqual(info.activeTargets[0], {
    discoveredLabels: { __address__: "x:1", __metrics_path__: "/metrics", __scheme__: "http", __scrape_interval__: "10s", __scrape_timeout__: "10s", env: "test", job: "a" },
    labels: { env: "test", instance: "x:1", job: "a" },
    scrapePool: "a",
    scrapeUrl: "http://x:1/metrics",
    globalUrl: "http://x:1/metrics",
    lastError: "",
    lastScrape: "2023-11-14T22:13:20Z",
    lastScrapeDuration: 0,
    health: "up",
    scrapeInterval: "10s",
    scrapeTimeout: "10s",
  });
  assert.deepEqual(info.droppedTargets, [
    {
      discoveredLabels: { __address__: "drop:1", __metrics_path__: "/metrics", __scheme__: "http", __scrape_interval__: "10s", __scrape_timeout__: "10s", env: "test", job: "a" },
      scrapePool: "a",
    },
  ]);
  assert.deepEqual(info.droppedTargetCounts, { a: 1, b: 0 });
  const got = await dump(s.db);
  assert.deepEqual(got.get('{__name__="m", env="test", from="x:1", instance="x:1", job="a"}'), [[T0, 1]]);
  await s.m.stop();
});

test("manager: reload keeps unchanged pools, restarts changed ones, stops removed ones", async () => {
  const s = setup();
  await s.m.applyConfig(config(YAML()));
  await s.m.sync(groups(["x:1"], ["y:1"]));
  await s.clock.advanceAsync(0);
  assert.equal(s.created(), 2);

  // Same config: nothing restarts.
  await s.m.applyConfig(config(YAML()));
  assert.equal(s.created(), 2);

  // b changes (sample_limit only: its scrape cache is reused, so no stale markers).
  await s.m.applyConfig(config(YAML("\n    sample_limit: 100")));
  assert.equal(s.created(), 3);
  await s.clock.advanceAsync(10_000);

  // b is removed: its pool stops without stale markers; a keeps scraping.
  await s.m.applyConfig(config("scrape_configs:\n  - job_name: a\n    scrape_interval: 10s\n    relabel_configs:\n      - source_labels: [__address__]\n        regex: drop.*\n        action: drop\n"));
  assert.deepEqual(s.m.scrapePools(), ["a"]);
  await s.clock.advanceAsync(40_000);
  const got = await dump(s.db);
  assert.deepEqual(got.get('{__name__="m", env="test", from="y:1", instance="y:1", job="b"}'), [
    [T0, 1],
    [T0 + 10_000, 1],
  ]);
  assert.equal(got.get('{__name__="m", env="test", from="x:1", instance="x:1", job="a"}')!.length, 6);
  await s.m.stop();
});

test("manager: a target that disappears gets stale markers after two intervals", async () => {
  const s = setup();
  await s.m.applyConfig(config(YAML()));
  await s.m.sync(groups(["x:1"], []));
  await s.clock.advanceAsync(0);
  await s.m.sync(groups([], []));
  await s.clock.advanceAsync(30_000);
  const got = await dump(s.db);
  assert.deepEqual(got.get('{__name__="m", env="test", from="x:1", instance="x:1", job="a"}'), [
    [T0, 1],
    [T0 + 10_000, "stale"],
  ]);
  assert.deepEqual(got.get('{__name__="up", env="test", instance="x:1", job="a"}'), [
    [T0, 1],
    [T0 + 10_000, "stale"],
  ]);
  await s.m.stop();
});

test("manager: target_limit fails every target of the pool", async () => {
  const s = setup();
  await s.m.applyConfig(config(YAML("\n    target_limit: 1")));
  await s.m.sync(groups([], ["y:1", "y:2"]));
  await s.clock.advanceAsync(0);
  assert.deepEqual(
    s.m.targets().activeTargets.map((t) => [t.health, t.lastError]),
    [
      ["down", "target_limit exceeded (number of targets: 2, limit: 1)"],
      ["down", "target_limit exceeded (number of targets: 2, limit: 1)"],
    ],
  );
  await s.m.stop();
});

test("manager: self-metrics are registered", async () => {
  const s = setup();
  await s.m.applyConfig(config(YAML()));
  await s.m.sync(groups(["x:1"], []));
  await s.clock.advanceAsync(20_000);
  const { families } = await s.registry.gather();
  const byName = new Map(families.map((f) => [f.name, f]));
  for (const n of ["prometheus_target_scrape_pools_total", "prometheus_target_scrapes_sample_out_of_order_total", "prometheus_target_sync_length_seconds", "prometheus_target_metadata_cache_entries"]) {
    assert.ok(byName.has(n), n);
  }
  const il = byName.get("prometheus_target_interval_length_seconds")!;
  assert.deepEqual(il.metrics.map((m) => [m.labelValues, typeof m.value === "object" && m.value.kind === "summary" ? m.value.count : null]), [[["10s"], 2]]);
  assert.equal(byName.get("prometheus_target_scrape_pools_total")!.metrics[0]!.value, 2);
  await s.m.stop();
});

test("manager: prometheus_target_sync_failed_total has a child per job from the first sync and counts bad targets", async () => {
  const s = setup();
  await s.m.applyConfig(config(YAML()));
  const failed = async () => {
    const { families } = await s.registry.gather();
    const f = families.find((x) => x.name === "prometheus_target_sync_failed_total")!;
    return f.metrics.map((m) => [m.labelValues.join(), m.value]);
  };
  await s.m.sync(groups(["x:1"], ["y:1"]));
  assert.deepEqual(await failed(), [["a", 0], ["b", 0]]);
  await s.m.sync(groups(["x:1"], ["y:1", "bad/host:1"]));
  assert.deepEqual(await failed(), [["a", 0], ["b", 1]]);
  await s.m.stop();
});

test("manager: scrapes a real HTTP target end to end", async () => {
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end("# HELP up_thing A thing.\n# TYPE up_thing gauge\nup_thing 42\n"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const db = new MemoryStorage();
  const m = new ScrapeManager({ appendable: db, clock: systemClock, skipOffsetting: true });
  try {
    await m.applyConfig(config("scrape_configs:\n  - job_name: http\n    scrape_interval: 1m\n"));
    await m.sync({ http: [{ source: "0", targets: [L({ __address__: addr })], labels: L({}) }] });
    // The first scrape starts at once; wait for it (bounded) on real time.
    for (let i = 0; i < 200 && m.targets().activeTargets[0]!.health === "unknown"; i++) await new Promise((r) => setTimeout(r, 10));
    const t = m.targets().activeTargets[0]!;
    assert.equal(t.health, "up", t.lastError);
    const got = await dump(db);
    assert.equal(got.get(`{__name__="up_thing", instance="${addr}", job="http"}`)![0]![1], 42);
    assert.deepEqual(m.targetsMetadata()[0]!.metadata, [{ metricFamily: "up_thing", type: "gauge", help: "A thing.", unit: "" }]);
  } finally {
    await m.stop();
    server.close();
  }
});

test("manager: with parse workers, big bodies are appended as inline ones and stop() completes", async () => {
  const db = new MemoryStorage();
  const big = Array.from({ length: 3000 }, (_, i) => `m{i="${i}"} ${i}\n`).join("");
  const newScraper: ScraperFactory = () => new FakeScraper(text(big));
  const m = new ScrapeManager({ appendable: db, clock: systemClock, newScraper, skipOffsetting: true, hostname: "h", parseWorkers: 1, workerParseMinBytes: 1024 });
  await m.applyConfig(config("scrape_configs:\n  - job_name: a\n    scrape_interval: 1h\n"));
  await m.sync({ a: [{ source: "0", targets: [L({ __address__: "x:1" })], labels: L({}) }] });
  for (let i = 0; i < 1000 && m.targets().activeTargets[0]!.health === "unknown"; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(m.targets().activeTargets[0]!.lastError, "");
  assert.equal((await dump(db)).get('{__name__="m", i="2999", instance="x:1", job="a"}')?.[0]?.[1], 2999);
  await m.stop();
});

test("manager: a pool of many targets fetching at once does not make Node warn of a listener leak", async () => {
  const db = new MemoryStorage();
  const clock = new VirtualClock(T0);
  // Scrapes that last until they are canceled: every loop of the pool is inside its fetch at once.
  const newScraper: ScraperFactory = () => ({
    scrape: (signal: AbortSignal) => new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true })),
  });
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    const m = new ScrapeManager({ appendable: db, clock, registry: new Registry(), newScraper, skipOffsetting: true, hostname: "h" });
    await m.applyConfig(config(YAML()));
    const addrs = Array.from({ length: 30 }, (_, i) => `t:${i}`);
    await m.sync(groups(addrs, []));
    await clock.advanceAsync(0);
    await new Promise((r) => setImmediate(r));
    await m.stop();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", onWarning);
  }
  assert.deepEqual(
    warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message),
    [],
  );
});
