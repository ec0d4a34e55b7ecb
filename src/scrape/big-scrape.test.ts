// Big scrape bodies through the scrape loop, parsed inline and on the
// manager's parse workers: event-loop delay, malformed bodies, and a parse
// whose worker is terminated. Real time (system clock): the workers are
// real threads.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Labels } from "../model/index.ts";
import { MemoryStorage } from "../storage/index.ts";
import { nopLogger, systemClock } from "../util/index.ts";
import { ParsePool, ScrapeCache, ScrapeLoop, ScrapeMetrics, Target, TargetHealth, populateLabels } from "./index.ts";
import type { Scraper, ScrapeResponse } from "./index.ts";
import { L, dump, scrapeConfig } from "./scrape-test-util.test.ts";

const MiB = 1024 * 1024;

/**
 * A kube-state-metrics-like exposition of about `bytes` bytes: families of
 * gauges with long label sets and histograms, 250-350 bytes per line.
 */
function exposition(bytes: number, tail = ""): string {
  const out: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const fam = i % 10 === 0 ? `apiserver_request_duration_seconds_${i % 70}` : `kube_pod_labels_${i % 90}`;
    if (i % 100 === 0) out.push(`# HELP ${fam} A family.\n# TYPE ${fam} ${fam.startsWith("api") ? "histogram" : "gauge"}`);
    const common = `namespace="team-${i % 37}",pod="checkout-service-7f9c8d6b5-${i}",uid="3f2a9c1e-8d7b-4c6a-9e5f-${String(i).padStart(12, "0")}",node="ip-10-0-${i % 255}-${i % 199}.eu-west-1.compute.internal"`;
    const line =
      i % 10 === 0
        ? `${fam}_bucket{${common},verb="GET",resource="pods",le="${(i % 7) / 4}"} ${i}`
        : `${fam}{${common},label_app="checkout",label_team="payments",label_version="v1.${i % 13}.${i % 5}",label_pod_template_hash="7f9c8d6b5"} 1`;
    out.push(line);
    n += line.length + 1;
  }
  return out.join("\n") + "\n" + tail;
}

/** Answers every scrape with a fresh copy of body (the loop may detach what it gets). */
class BodyScraper implements Scraper {
  readonly #body: Buffer;
  constructor(body: string) {
    this.#body = Buffer.from(body);
  }
  async scrape(_signal: AbortSignal): Promise<ScrapeResponse> {
    return { contentType: "text/plain; version=0.0.4", body: Uint8Array.prototype.slice.call(this.#body) };
  }
}

const workers = new ParsePool({ size: 1 });
after(() => workers.close());

function setup(scraper: Scraper, pool: ParsePool | null, signal = new AbortController().signal) {
  const cfg = scrapeConfig("job_name: j");
  const db = new MemoryStorage();
  const metrics = new ScrapeMetrics(systemClock);
  const tl = L({ __address__: "t:1" });
  const target = new Target(populateLabels(cfg, tl, Labels.EMPTY)!, cfg, tl, Labels.EMPTY);
  const loop = new ScrapeLoop({
    target,
    scraper,
    cache: new ScrapeCache(metrics),
    appendable: db,
    config: cfg,
    intervalMs: 15_000,
    timeoutMs: 10_000,
    offsetSeed: 0n,
    clock: systemClock,
    logger: nopLogger,
    metrics,
    parentSignal: signal,
    skipOffsetting: true,
    parsePool: pool,
  });
  return { db, target, loop };
}

interface Measured {
  /** The longest the event loop was blocked, ms (the larger of a 1 ms interval's longest gap and monitorEventLoopDelay's max). */
  maxDelayMs: number;
  /** Main-thread busy time per scrape, ms (event loop utilization). */
  activeMs: number;
  scrapeMs: number;
}

/** One warm-up scrape (every series new), then `n` measured steady-state scrapes. */
async function measure(body: string, pool: ParsePool | null, n: number): Promise<Measured> {
  const s = setup(new BodyScraper(body), pool);
  let t = Date.now();
  await s.loop.scrapeAndReport(null, t);
  assert.equal(s.target.lastError, null);
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let maxGap = 0;
  const iv = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  h.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    t += 15_000;
    await s.loop.scrapeAndReport(t - 15_000, t);
    assert.equal(s.target.lastError, null);
  }
  const scrapeMs = (performance.now() - t0) / n;
  const activeMs = performance.eventLoopUtilization(elu0).active / n;
  h.disable();
  clearInterval(iv);
  return { maxDelayMs: Math.max(maxGap, h.max / 1e6), activeMs, scrapeMs };
}

// The delays are printed, not asserted: timings belong in benchmarks, and
// this machine is shared (the worker's figure ranges from ~13 to ~100 ms
// under load, against ~40-60 ms inline).
test("a 5 MiB scrape is parsed on a worker (event-loop delays printed)", async () => {
  const body = exposition(5 * MiB);
  const inline = await measure(body, null, 3);
  const worker = await measure(body, workers, 3);
  const fmt = (m: Measured): string => `max event-loop delay ${m.maxDelayMs.toFixed(1)} ms, main thread busy ${m.activeMs.toFixed(0)} ms/scrape, scrape ${m.scrapeMs.toFixed(0)} ms`;
  console.log(`5 MiB scrape, ${body.split("\n").length} lines: inline: ${fmt(inline)}; worker: ${fmt(worker)}`);
  assert.equal(workers.workers, 1, "the worker pool parsed the bodies");
});

test("a malformed big body marks the target down with the parser's message, as inline", async () => {
  const body = exposition(MiB, "garbage line\n");
  const got: Array<[string | undefined, TargetHealth]> = [];
  for (const pool of [null, workers]) {
    const s = setup(new BodyScraper(body), pool);
    await s.loop.scrapeAndReport(null, 1_000);
    got.push([s.target.lastError?.message, s.target.health]);
    const series = [...(await dump(s.db)).keys()];
    assert.deepEqual(series.filter((k) => !k.includes("scrape_") && !k.startsWith('{__name__="up"')), [], "nothing of the body was appended");
    assert.deepEqual((await dump(s.db)).get('{__name__="up", instance="t:1", job="j"}'), [[1_000, 0]]);
  }
  assert.deepEqual(got[0], ['strconv.ParseFloat: parsing "line": invalid syntax while parsing: "garbage line"', TargetHealth.Bad]);
  assert.deepEqual(got[1], got[0]);
});

test("a parse whose worker is terminated fails the scrape; the pool replaces the worker", async () => {
  const body = exposition(5 * MiB);
  const stop = new AbortController();
  const s = setup(new BodyScraper(body), workers, stop.signal);
  const scraping = s.loop.scrapeAndReport(null, 1_000);
  // Once the body is being parsed (a 5 MiB parse takes tens of ms), stopping the pool terminates the worker.
  while (workers.busy === 0) await new Promise((r) => setImmediate(r));
  stop.abort(new Error("context canceled"));
  await scraping;
  assert.equal(s.target.health, TargetHealth.Bad);
  assert.equal(s.target.lastError?.message, "parse canceled: context canceled");
  assert.equal(workers.workers, 0, "the terminated worker is gone");
  const again = setup(new BodyScraper(body), workers);
  await again.loop.scrapeAndReport(null, 1_000);
  assert.equal(again.target.lastError, null);
  assert.equal(workers.workers, 1, "a new worker parsed it");
});
