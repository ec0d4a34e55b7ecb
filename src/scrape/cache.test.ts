import { test } from "node:test";
import assert from "node:assert/strict";
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Labels } from "../model/index.ts";
import { ScrapeCache } from "./index.ts";

const L = (name: string): Labels => Labels.fromObject({ __name__: name });

/** The refs forEachStale reports, in order. */
function stale(c: ScrapeCache): number[] {
  const out: number[] = [];
  c.forEachStale((ref) => {
    out.push(ref);
    return true;
  });
  return out;
}

test("cache: a series text is found as a range of any string, without the range being its own string", () => {
  const c = new ScrapeCache();
  const e = c.addRef('a{x="1"}', 7, L("a"))!;
  const body = 'junk\na{x="1"} 1\na{x="1"}x 2\n';
  assert.equal(c.lookup(body, 5, 13), e);
  assert.equal(c.lookup(body, 16, 25), null, "a longer text is another series");
  assert.equal(c.lookup(body, 16, 24), e);
  assert.equal(c.lookup('a{x="2"}', 0, 8), null);
  assert.equal(c.get('a{x="1"}'), e);
});

test("cache: cached series texts and metadata do not keep the scrape body they were sliced from in memory", () => {
  // The loop slices a new series' text out of the body string; a V8 slice
  // of 13 characters or more is a view that would keep the whole body.
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const c = new ScrapeCache();
  const bodyBytes = 32 * 2 ** 20;
  const usedAfter = (): number => {
    gc();
    const h = getHeapStatistics();
    return h.used_heap_size + h.external_memory;
  };
  const before = usedAfter();
  (() => {
    const line = 'some_metric_total{path="/api/v1/query",code="200"} 1\n';
    const body = line.repeat(Math.ceil(bodyBytes / line.length));
    const end = line.indexOf(" ");
    c.addRef(body.slice(0, end), 1, L("some_metric_total"));
    c.addDropped(body.slice(line.length + 5, line.length + end));
    c.setHelp(body.slice(0, 17), body.slice(18, end));
    c.setUnit(body.slice(0, 17), body.slice(18, end));
  })();
  const grown = usedAfter() - before;
  assert.ok(grown < bodyBytes / 4, `heap grew ${grown} bytes for a ${bodyBytes}-byte body`);
  assert.equal(c.get('some_metric_total{path="/api/v1/query",code="200"}')?.ref, 1);
  assert.equal(c.getMetadata("some_metric_total")?.help, 'path="/api/v1/query",code="200"}');
});

test("cache: alreadyScraped says whether the text was seen before in this iteration", () => {
  const c = new ScrapeCache();
  c.addRef("a", 1, L("a"));
  c.iterDone(true);
  c.get("a");
  assert.equal(c.alreadyScraped, false);
  c.get("a");
  assert.equal(c.alreadyScraped, true);
  c.get("b");
  assert.equal(c.alreadyScraped, false);
});

test("cache: series are found in the previous scrape's order, in another order, repeated, and among new ones", () => {
  const c = new ScrapeCache();
  const names = ["a", "b", "c", "d"];
  const es = names.map((n, i) => {
    const e = c.addRef(n, i + 1, L(n))!;
    c.trackStaleness(e);
    return e;
  });
  c.iterDone(true);
  // Each scrape: the texts exposed; a text found is tracked, as the scrape loop does.
  const scrape = (texts: string[]): Array<[number, boolean] | null> => {
    const out = texts.map((t) => {
      const e = c.get(t);
      if (e === null) return null;
      const seen = c.alreadyScraped;
      if (!seen) c.trackStaleness(e);
      return [e.ref, seen] as [number, boolean];
    });
    c.iterDone(true);
    return out;
  };
  assert.deepEqual(scrape(["a", "b", "c", "d"]), [[1, false], [2, false], [3, false], [4, false]]);
  assert.deepEqual(scrape(["d", "c", "b", "a"]), [[4, false], [3, false], [2, false], [1, false]]);
  assert.deepEqual(scrape(["d", "d", "x", "c", "b", "a", "a"]), [[4, false], [4, true], null, [3, false], [2, false], [1, false], [1, true]]);
  assert.deepEqual(scrape(["b", "d"]), [[2, false], [4, false]]);
  assert.equal(c.get("a"), null, "the flush dropped the texts the last scrape did not see");
  assert.equal(es[1], c.get("b"));
});

test("cache: dropped texts and series share the table; the flush keeps only what the scrape saw", () => {
  const c = new ScrapeCache();
  for (let i = 0; i < 5000; i++) {
    if (i % 10 === 0) c.addDropped(`drop_${i}`);
    else c.addRef(`s_${i}`, i + 1, L(`s_${i}`));
  }
  assert.equal(c.seriesCount, 4500);
  c.iterDone(true);
  // The next scrape sees only the first 100 texts.
  for (let i = 0; i < 100; i++) assert.ok(c.get(i % 10 === 0 ? `drop_${i}` : `s_${i}`) !== null, `text ${i}`);
  c.iterDone(true);
  assert.equal(c.seriesCount, 90);
  for (let i = 0; i < 5000; i++) {
    const e = c.get(i % 10 === 0 ? `drop_${i}` : `s_${i}`);
    assert.equal(e !== null, i < 100, `text ${i}`);
    if (e !== null) assert.equal(e.dropped, i % 10 === 0);
    if (e !== null && !e.dropped) assert.equal(e.ref, i + 1);
  }
});

test("cache: a failed scrape does not flush until the cache has more than doubled (plus 1000)", () => {
  let forced = 0;
  const c = new ScrapeCache({ cacheFlushForced: () => forced++ });
  c.addRef("a", 1, L("a"));
  c.iterDone(true);
  for (let i = 0; i < 1000; i++) c.addRef(`n${i}`, i + 2, L("n"));
  c.iterDone(false);
  assert.equal(forced, 0);
  assert.equal(c.seriesCount, 1001);
  c.addRef("one-more", 5000, L("x"));
  c.addRef("two-more", 5001, L("x"));
  c.iterDone(false);
  assert.equal(forced, 1);
  assert.equal(c.seriesCount, 2, "only what this iteration added survives");
});

const staleCases: Array<{ name: string; prev: Array<[string, number]>; cur: Array<[string, number]>; want: number[] }> = [
  { name: "nothing went away", prev: [["a", 1], ["b", 2]], cur: [["b", 2], ["a", 1]], want: [] },
  { name: "series that went away, in the previous scrape's order", prev: [["a", 1], ["b", 2], ["c", 3]], cur: [["b", 2]], want: [1, 3] },
  { name: "a ref is live while any of its texts is", prev: [["a", 1], ["a ", 1]], cur: [["a ", 1]], want: [] },
  { name: "a ref goes stale once when all its texts went", prev: [["a", 1], ["a ", 1], ["b", 2]], cur: [["b", 2]], want: [1] },
  { name: "an empty scrape makes everything stale", prev: [["a", 1], ["b", 2]], cur: [], want: [1, 2] },
];
for (const sc of staleCases) {
  test(`cache staleness: ${sc.name}`, () => {
    const c = new ScrapeCache();
    for (const [t, ref] of sc.prev) c.trackStaleness(c.get(t) ?? c.addRef(t, ref, L(t))!);
    c.iterDone(true);
    for (const [t, ref] of sc.cur) {
      const e = c.get(t) ?? c.addRef(t, ref, L(t))!;
      c.trackStaleness(e);
      c.trackStaleness(e); // tracked twice in one scrape: still once
    }
    assert.deepEqual(stale(c), sc.want);
  });
}

test("cache staleness: forEachStale stops when told to", () => {
  const c = new ScrapeCache();
  for (const [t, ref] of [["a", 1], ["b", 2], ["c", 3]] as const) c.trackStaleness(c.addRef(t, ref, L(t))!);
  c.iterDone(true);
  const seen: number[] = [];
  c.forEachStale((ref) => {
    seen.push(ref);
    return seen.length < 2;
  });
  assert.deepEqual(seen, [1, 2]);
});
