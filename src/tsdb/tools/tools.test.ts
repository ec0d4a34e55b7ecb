import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Labels, Matcher, MatchType } from "../../model/index.ts";
import { VirtualClock } from "../../util/index.ts";
import { openDB, readMeta } from "../index.ts";
import {
  BackfillError,
  DumpFormat,
  analyze,
  base2Bytes,
  compatibleBlockDuration,
  createBlocksFromOpenMetrics,
  dump,
  goTimeUTC,
  listBlocks,
  tabwrite,
  type AnalyzeOptions,
  type DumpOptions,
} from "./index.ts";

const PROMTOOL = "/usr/bin/promtool";
const skipPromtool = fs.existsSync(PROMTOOL) ? false : `${PROMTOOL} is not installed (apt-get install prometheus)`;
const MIN = 60_000;
const HOUR = 60 * MIN;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promstack-tools-"));
}

function promtool(...args: string[]): string {
  return execFileSync(PROMTOOL, args, { encoding: "utf8", maxBuffer: 256 << 20 });
}

async function dumpText(dir: string, o: Partial<DumpOptions> = {}): Promise<string> {
  let out = "";
  const opts: DumpOptions = { matchers: [[]], minTime: Number.MIN_SAFE_INTEGER, maxTime: Number.MAX_SAFE_INTEGER, format: DumpFormat.Prom, ...o };
  await dump(dir, opts, (s) => void (out += s));
  return out;
}

const analyzeOpts = (o: Partial<AnalyzeOptions> = {}): AnalyzeOptions => ({ blockId: null, limit: 20, extended: false, match: null, ...o });

/**
 * Writes 5.5h of data through our DB: blocks cut from the head plus a WAL;
 * some series stop after 2h (churn). 5.5h, not 5h: the head cuts 2h-aligned
 * blocks while it spans more than 3h, so 5h starting on an even hour
 * (a run at minute 10 of an odd hour) left only one block.
 */
async function writeOurDir(dir: string): Promise<void> {
  const t1 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
  const t0 = t1 - 5 * HOUR - 30 * MIN;
  const db = await openDB(dir, { backgroundCompaction: false });
  for (let t = t0; t <= t1; t += MIN) {
    const app = db.appender();
    for (let i = 0; i < 30; i++) {
      if (i >= 20 && t > t0 + 2 * HOUR) continue;
      const l: Record<string, string> = { __name__: i % 3 === 0 ? "m_a" : "m_b", i: String(i), job: "j" };
      if (i % 5 === 0) l["x"] = `v${i}`;
      app.append(0, Labels.fromObject(l), t, i * 1000 + (t - t0) / MIN + 0.25 + (i === 7 ? 1e6 : 0));
    }
    await app.commit();
  }
  await db.compact();
  assert.ok(db.blocks.length >= 2, "expected blocks cut from the head");
  await db.close();
}

/** An OpenMetrics file: n series of a gauge, one sample per step seconds over hours, plus a counter with fractional timestamps. */
function openMetrics(n: number, hours: number, step: number, t0 = 1_700_000_000): string {
  let s = "# HELP bf A gauge.\n# TYPE bf gauge\n";
  for (let i = 0; i < n; i++) {
    for (let t = t0; t < t0 + hours * 3600; t += step) s += `bf{i="${i}",job="j"} ${((i * 7 + (t - t0) / step) % 100) + 0.5} ${t}\n`;
  }
  return s + '# TYPE c counter\nc_total{a="x"} 1 1700000000.5\nc_total{a="x"} 2 1700000001\n# EOF\n';
}

// --- Go formatting ---------------------------------------------------------


const bytesCases = [
  { n: 0, want: "0B" },
  { n: 1023, want: "1023B" },
  { n: 1024, want: "1KiB" },
  { n: 6507, want: "6KiB363B" },
  { n: 3 * 1024 * 1024 + 1, want: "3MiB1B" },
];
for (const c of bytesCases) test(`base2Bytes(${c.n}) = ${c.want}`, () => assert.equal(base2Bytes(c.n), c.want));

test("goTimeUTC prints Go's time.Time.String() in UTC, seconds truncated", () => {
  assert.equal(goTimeUTC(1_700_000_000_999), "2023-11-14 22:13:20 +0000 UTC");
  assert.equal(goTimeUTC(0), "1970-01-01 00:00:00 +0000 UTC");
});

test("tabwrite pads every column but the last to max(minwidth, widest + padding)", () => {
  const got = tabwrite(
    [
      ["A", "LONG HEADER", "x"],
      ["abcdefghijklmnop", "1", "tail"],
    ],
    13,
    2,
  );
  assert.equal(got, "A                 LONG HEADER  x\nabcdefghijklmnop  1            tail\n");
});

const durationRangeCases = [
  { max: 0, want: 2 * HOUR },
  { max: HOUR, want: 2 * HOUR },
  { max: 6 * HOUR, want: 6 * HOUR },
  { max: 24 * HOUR, want: 18 * HOUR },
  { max: 1e15, want: 2 * HOUR * 3 ** 9 },
];
for (const c of durationRangeCases) {
  test(`compatibleBlockDuration(${c.max}) = ${c.want}`, () => assert.equal(compatibleBlockDuration(c.max), c.want));
}

// --- backfill, list, analyze, dump on their own ---------------------------

test("backfill: blocks aligned to 2h, min/max of their samples, chunks of 120, printed as promtool prints them", async () => {
  const dir = tmpDir();
  const om = path.join(dir, "in.om");
  fs.writeFileSync(om, openMetrics(4, 5, 15));
  const out = path.join(dir, "data");
  const r = await createBlocksFromOpenMetrics(om, out, { clock: new VirtualClock(1_800_000_000_000) });
  assert.deepEqual(
    r.blocks.map((b) => [b.minTime, b.maxTime, b.stats.numSeries, b.stats.numSamples]),
    [
      [1_700_000_000_000, 1_700_006_390_001, 5, 427 * 4 + 2],
      [1_700_006_405_000, 1_700_013_590_001, 4, 480 * 4],
      [1_700_013_605_000, 1_700_017_985_001, 4, 293 * 4],
    ],
  );
  // 480 samples of 2h at 15s spread over 4 chunks, as the head cuts them.
  assert.equal(r.blocks[1]!.stats.numChunks, 16);
  for (const b of r.blocks) assert.deepEqual(readMeta(path.join(out, b.ulid)).compaction.level, 1);
  const lines = r.output.trimEnd().split("\n");
  assert.match(lines[0]!, /^BLOCK ULID {18}MIN TIME {7}MAX TIME {7}DURATION {6}NUM SAMPLES {2}NUM CHUNKS {3}NUM SERIES {3}SIZE$/);
  assert.equal(lines.length, 4);
  assert.match(lines[1]!, new RegExp(`^${r.blocks[0]!.ulid}  1700000000000  1700006390001  1h46m30.001s  1710 `));
  const text = await dumpText(out, { matchers: [[new Matcher(MatchType.Equal, "__name__", "c_total")]] });
  assert.equal(text, '{__name__="c_total", a="x"} 1 1700000000500\n{__name__="c_total", a="x"} 2 1700000001000\n');
  fs.rmSync(dir, { recursive: true, force: true });
});

test("backfill: --label adds labels, --quiet prints nothing, a larger max block duration makes one block", async () => {
  const dir = tmpDir();
  const om = path.join(dir, "in.om");
  fs.writeFileSync(om, openMetrics(2, 5, 60));
  const r = await createBlocksFromOpenMetrics(om, path.join(dir, "d"), { quiet: true, maxBlockDurationMs: 24 * HOUR, labels: { env: "x", job: "k" } });
  assert.equal(r.output, "");
  assert.equal(r.blocks.length, 1);
  const text = await dumpText(path.join(dir, "d"), { format: DumpFormat.SeriesJSON });
  assert.equal(text, '{"__name__":"bf","env":"x","i":"0","job":"k"}\n{"__name__":"bf","env":"x","i":"1","job":"k"}\n{"__name__":"c_total","a":"x","env":"x","job":"k"}\n');
  fs.rmSync(dir, { recursive: true, force: true });
});

const backfillErrors = [
  { name: "a sample without timestamp", om: "a 1\n# EOF\n", want: "getting min and max timestamp: expected timestamp for series got none" },
  { name: "no # EOF", om: "a 1 1\n", want: /^getting min and max timestamp: next: data does not end with # EOF/ },
  { name: "a sample older than a committed one", om: `a 1 2\n${filler()}a 1 1\n# EOF\n`, want: "block creation: process blocks: add sample: out of order sample" },
  {
    name: "a committed timestamp with another value",
    om: `a 1 1\n${filler()}a 2 1\n# EOF\n`,
    want: "block creation: process blocks: add sample: duplicate sample for timestamp",
  },
];

/** 5000 samples of another series: the appender commits after them, as promtool's. */
function filler(): string {
  let s = "";
  for (let i = 0; i < 5000; i++) s += `f 1 ${i + 10}\n`;
  return s;
}

test("backfill drops a sample out of order within the pending batch, as promtool", async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, "in.om"), "a 1 2\na 1 1\nb 1 1\nb 2 1\nb 1 1\n# EOF\n");
  const r = await createBlocksFromOpenMetrics(path.join(dir, "in.om"), path.join(dir, "d"), { quiet: true });
  assert.deepEqual(r.blocks.map((b) => [b.minTime, b.maxTime, b.stats.numSamples]), [[1000, 2001, 2]]);
  assert.equal(await dumpText(path.join(dir, "d")), '{__name__="a"} 1 2000\n{__name__="b"} 1 1000\n');
  fs.rmSync(dir, { recursive: true, force: true });
});
for (const c of backfillErrors) {
  test(`backfill fails with promtool's message on ${c.name}`, async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, "in.om"), c.om);
    await assert.rejects(createBlocksFromOpenMetrics(path.join(dir, "in.om"), path.join(dir, "d")), (e: unknown) => {
      assert.ok(e instanceof BackfillError);
      if (typeof c.want === "string") assert.equal(e.message, c.want);
      else assert.match(e.message, c.want);
      return true;
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test("backfill of an empty file writes no block", async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, "in.om"), "# EOF\n");
  const r = await createBlocksFromOpenMetrics(path.join(dir, "in.om"), path.join(dir, "d"));
  assert.deepEqual(r.blocks, []);
  assert.equal(listBlocks(path.join(dir, "d")), "BLOCK ULID   MIN TIME     MAX TIME     DURATION     NUM SAMPLES  NUM CHUNKS   NUM SERIES   SIZE\n");
  fs.rmSync(dir, { recursive: true, force: true });
});

test("list, analyze and dump report missing directories and blocks as promtool does", async () => {
  const dir = tmpDir();
  assert.throws(() => listBlocks(path.join(dir, "nope")), { message: `stat ${path.join(dir, "nope")}: no such file or directory` });
  assert.throws(() => analyze(dir, analyzeOpts()), { message: "no blocks found" });
  assert.throws(() => analyze(dir, analyzeOpts({ blockId: "01H0000000000000000000000X" })), { message: "invalid block ID 01H0000000000000000000000X" });
  fs.rmSync(dir, { recursive: true, force: true });
});

test("analyze: counts, churn and cardinality of the last block; --match narrows; --extended adds chunk histograms", async () => {
  const dir = tmpDir();
  const om = path.join(dir, "in.om");
  // 3 series over a full 2h block, 4 short-lived ones over its first 10 minutes (churn).
  let s = "";
  for (let i = 0; i < 3; i++) for (let t = 0; t < 7200; t += 60) s += `m{i="${i}"} 1 ${t}\n`;
  for (let i = 10; i < 14; i++) for (let t = 0; t < 600; t += 60) s += `n{i="${i}"} 1 ${t}\n`;
  fs.writeFileSync(om, s + "# EOF\n");
  await createBlocksFromOpenMetrics(om, path.join(dir, "d"), { quiet: true });
  const got = analyze(path.join(dir, "d"), analyzeOpts({ limit: 2, extended: true }));
  const want = [
    /^Block ID: [0-9A-Z]{26}\nDuration: 1h59m0.001s\nTotal Series: 7\nLabel names: 2\n/,
    /Postings \(unique label pairs\): 9\nPostings entries \(total label pairs\): 14\n/,
    /\nLabel pairs most involved in churning:\n3 __name__=n\n0 __name__=m\n\n/,
    /\nLabel names most involved in churning:\n3 __name__\n3 i\n\n/,
    /\nMost common label pairs:\n4 __name__=n\n3 __name__=m\n\n/,
    /\nLabel names with highest cumulative label value length:\n11 i\n2 __name__\n\n/,
    /\nHighest cardinality labels:\n7 i\n2 __name__\n\n/,
    /\nHighest cardinality metric names:\n4 n\n3 m\n\n/,
    /\nCompaction analysis:\n\nsamples per float chunk \(min\/avg\/max\): 10\/57\/120\n\[  1, 100\]: 4 #{57}\n\[101, 200\]: 3 #{42}\n/,
    /\nsamples per histogram chunk: N\/A\n\nbytes per histogram chunk: N\/A\n\nbuckets per histogram chunk: N\/A\n\n$/,
  ];
  for (const w of want) assert.match(got, w);
  const m = analyze(
    path.join(dir, "d"),
    analyzeOpts({ match: { text: 'm{i!="0"}', matchers: [new Matcher(MatchType.Equal, "__name__", "m"), new Matcher(MatchType.NotEqual, "i", "0")] } }),
  );
  assert.match(m, /Total Series: 7\nMatcher: m\{i!="0"\}\nLabel names: 2\nMatched series: 2\n/);
  assert.match(m, /\nHighest cardinality metric names:\n2 m\n$/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("dump: time range, several selectors, OpenMetrics with stale markers skipped", async () => {
  const dir = tmpDir();
  const db = await openDB(dir, { backgroundCompaction: false });
  const app = db.appender();
  for (let t = 1000; t <= 5000; t += 1000) {
    app.append(0, Labels.fromObject({ __name__: "a", x: "1" }), t, t / 1000);
    app.append(0, Labels.fromObject({ __name__: "b" }), t, 1e21 * t);
  }
  app.append(0, Labels.fromObject({ __name__: "a", x: "1" }), 6000, Number.NaN, { stale: true });
  await app.commit();
  await db.close();
  const a = [new Matcher(MatchType.Equal, "__name__", "a")];
  const b = [new Matcher(MatchType.Equal, "__name__", "b")];
  assert.equal(await dumpText(dir, { matchers: [a], minTime: 2000, maxTime: 3000 }), '{__name__="a", x="1"} 2 2000\n{__name__="a", x="1"} 3 3000\n');
  assert.equal(await dumpText(dir, { matchers: [b, a], minTime: 5000, maxTime: 6000 }), '{__name__="a", x="1"} 5 5000\n{__name__="a", x="1"} NaN 6000\n{__name__="b"} 5e+24 5000\n');
  assert.equal(await dumpText(dir, { matchers: [a], minTime: 5000, format: DumpFormat.OpenMetrics }), 'a{x="1"} 5 5.000\n# EOF\n');
  assert.equal(await dumpText(dir, { matchers: [b], maxTime: 1000, format: DumpFormat.OpenMetrics }), "b{} 1e+24 1.000\n# EOF\n");
  fs.rmSync(dir, { recursive: true, force: true });
});

// --- side by side with Debian's promtool 2.42 -----------------------------

/** analyze output as comparable text: 2.42 says `Series:` where 3.x says `Total Series:`, and lists are sets (ties come in map order upstream). */
function analyzeSections(s: string): string[] {
  return s
    .replace(/^Series: /m, "Total Series: ")
    .split("\n\n")
    .map((sec) => {
      const [head, ...rows] = sec.trim().split("\n");
      return [head, ...rows.sort()].join("\n");
    });
}

test("promtool 2.42: list, list -r, analyze and dump of a directory promstack wrote (blocks + WAL) match ours", { skip: skipPromtool, timeout: 60_000 }, async () => {
  const dir = tmpDir();
  await writeOurDir(dir);
  assert.equal(listBlocks(dir), promtool("tsdb", "list", dir));
  assert.equal(listBlocks(dir, true), promtool("tsdb", "list", "-r", dir));
  const blocks = fs.readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).sort();
  for (const id of [null, blocks[0]!]) {
    const theirs = promtool("tsdb", "analyze", "--limit=1000", dir, ...(id === null ? [] : [id]));
    assert.deepEqual(analyzeSections(analyze(dir, analyzeOpts({ blockId: id, limit: 1000 }))), analyzeSections(theirs));
  }
  assert.equal(await dumpText(dir), promtool("tsdb", "dump", dir));
  const range = { minTime: Date.now() - 4 * HOUR, maxTime: Date.now() - 2 * HOUR };
  const sel = [new Matcher(MatchType.Equal, "__name__", "m_b"), new Matcher(MatchType.Regexp, "i", "1.*")];
  assert.equal(
    await dumpText(dir, { ...range, matchers: [sel] }),
    promtool("tsdb", "dump", `--min-time=${range.minTime}`, `--max-time=${range.maxTime}`, '--match=m_b{i=~"1.*"}', dir),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("promtool 2.42: the same OpenMetrics file backfilled by both gives the same blocks, byte for byte in chunks", { skip: skipPromtool, timeout: 60_000 }, async () => {
  const dir = tmpDir();
  const om = path.join(dir, "in.om");
  fs.writeFileSync(om, openMetrics(20, 5, 15));
  const ours = path.join(dir, "ours");
  const theirs = path.join(dir, "theirs");
  const r = await createBlocksFromOpenMetrics(om, ours, { humanReadable: true });
  const printed = promtool("tsdb", "create-blocks-from", "openmetrics", "-r", om, theirs);
  const ulids = (s: string) => s.replace(/^[0-9A-Z]{26}/gm, "<ULID>");
  assert.equal(ulids(r.output), ulids(printed));
  const theirBlocks = fs.readdirSync(theirs).filter((n) => /^[0-9A-Z]{26}$/.test(n)).sort();
  assert.equal(theirBlocks.length, r.blocks.length);
  r.blocks.forEach((b, i) => {
    const m = readMeta(path.join(theirs, theirBlocks[i]!));
    assert.deepEqual([b.minTime, b.maxTime, b.stats, b.compaction.level], [m.minTime, m.maxTime, m.stats, m.compaction.level]);
    const chunks = (d: string) => fs.readFileSync(path.join(d, "chunks", "000001"));
    assert.ok(chunks(path.join(ours, b.ulid)).equals(chunks(path.join(theirs, theirBlocks[i]!))), `chunks of block ${i} differ`);
  });
  // Each reads the other's blocks the same way.
  fs.mkdirSync(path.join(ours, "wal"));
  fs.mkdirSync(path.join(theirs, "wal"));
  const want = promtool("tsdb", "dump", theirs);
  assert.equal(promtool("tsdb", "dump", ours), want);
  assert.equal(await dumpText(theirs), want);
  assert.equal(listBlocks(theirs), promtool("tsdb", "list", theirs));
  fs.rmSync(dir, { recursive: true, force: true });
});

test("promtool 2.42: our dump-openmetrics output backfills with promtool into the same data", { skip: skipPromtool, timeout: 60_000 }, async () => {
  const dir = tmpDir();
  const data = path.join(dir, "data");
  await writeOurDir(data);
  const om = path.join(dir, "dump.om");
  fs.writeFileSync(om, await dumpText(data, { format: DumpFormat.OpenMetrics }));
  const back = path.join(dir, "back");
  const r = spawnSync(PROMTOOL, ["tsdb", "create-blocks-from", "openmetrics", "-q", om, back], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  fs.mkdirSync(path.join(back, "wal"));
  assert.equal(promtool("tsdb", "dump", back), await dumpText(data));
  fs.rmSync(dir, { recursive: true, force: true });
});
