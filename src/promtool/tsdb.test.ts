import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BufferStreams, parseInt64Flag, tsdbAnalyze, tsdbCreateBlocksFromOpenMetrics, tsdbDump, tsdbList } from "./index.ts";

const PROMTOOL = "/usr/bin/promtool";
const skipPromtool = fs.existsSync(PROMTOOL) ? false : `${PROMTOOL} is not installed (apt-get install prometheus)`;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promstack-promtool-tsdb-"));
}

/** Runs `promstack promtool <args>` (the CLI wiring) and, for comparison, Debian's promtool. */
function ours(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [path.resolve("bin/promstack"), "promtool", ...args], { encoding: "utf8" });
}
function theirs(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(PROMTOOL, args, { encoding: "utf8" });
}

const OM = '# TYPE m gauge\nm{a="1"} 1 1000\nm{a="1"} 2 1060\nm{a="2"} 3 1000\n# TYPE c counter\nc_total 5 8000.5\n# EOF\n';

test("tsdb commands as functions: exit codes and promtool's error texts on stderr", async () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, "in.om"), OM);
  const data = path.join(dir, "data");
  let io = new BufferStreams();
  assert.equal(await tsdbCreateBlocksFromOpenMetrics(path.join(dir, "in.om"), data, { humanReadable: false, quiet: true, maxBlockDurationMs: 0, labels: {} }, io), 0);
  assert.equal(io.out, "");
  io = new BufferStreams();
  assert.equal(await tsdbList(data, false, io), 0);
  assert.equal(io.out.split("\n").length, 4); // header, two blocks (1000s and 8000s are in different 2h ranges), final newline
  io = new BufferStreams();
  assert.equal(await tsdbDump(data, { minTime: -Infinity, maxTime: Infinity, match: ['m{a="1"}', "c_total"], format: "openmetrics" }, io), 0);
  assert.equal(io.out, 'c_total{} 5 8000.500\nm{a="1"} 1 1000.000\nm{a="1"} 2 1060.000\n# EOF\n');
  io = new BufferStreams();
  assert.equal(await tsdbDump(data, { minTime: -Infinity, maxTime: Infinity, match: ["m{"], format: "prom" }, io), 1);
  assert.match(io.err, /^1:3: parse error: /);
  io = new BufferStreams();
  assert.equal(await tsdbAnalyze(path.join(dir, "nope"), "", 20, false, "", io), 1);
  assert.equal(io.err, `stat ${path.join(dir, "nope")}: no such file or directory\n`);
  fs.rmSync(dir, { recursive: true, force: true });
});

const int64Cases = [
  { in: "-9223372036854775808", want: -9223372036854775808 },
  { in: "1700000000000", want: 1_700_000_000_000 },
  { in: "+5", want: 5 },
  { in: "1e3", err: 'strconv.ParseInt: parsing "1e3": invalid syntax' },
  { in: "9223372036854775808", err: 'strconv.ParseInt: parsing "9223372036854775808": value out of range' },
];
for (const c of int64Cases) {
  test(`parseInt64Flag(${c.in})`, () => {
    if (c.err !== undefined) assert.throws(() => parseInt64Flag(c.in), { message: c.err });
    else assert.equal(parseInt64Flag(c.in), c.want);
  });
}

test("promstack promtool tsdb ... prints what Debian's promtool 2.42 prints", { skip: skipPromtool, timeout: 60_000 }, () => {
  const dir = tmpDir();
  const om = path.join(dir, "in.om");
  fs.writeFileSync(om, OM);
  const a = ours("tsdb", "create-blocks-from", "openmetrics", om, path.join(dir, "a"));
  const b = theirs("tsdb", "create-blocks-from", "openmetrics", om, path.join(dir, "b"));
  assert.equal(a.status, 0, a.stderr);
  const ulids = (s: string) => s.replace(/^[0-9A-Z]{26}/gm, "<ULID>");
  assert.equal(ulids(a.stdout), ulids(b.stdout));
  const cases = [
    ["tsdb", "list", "-r"],
    ["tsdb", "dump", "--min-time=1000000", "--max-time=1060000"],
    ["tsdb", "dump", '--match={a="2"}'],
    ["tsdb", "analyze", "--limit=1"],
  ];
  fs.mkdirSync(path.join(dir, "b", "wal"));
  for (const c of cases) {
    const x = ours(...c, path.join(dir, "b"));
    const y = theirs(...c, path.join(dir, "b"));
    assert.equal(x.status, 0, x.stderr);
    assert.equal(x.stdout.replace("Total Series:", "Series:"), y.stdout, c.join(" "));
  }
  const bad = ours("tsdb", "analyze", path.join(dir, "b"), "01H0000000000000000000000X");
  assert.deepEqual([bad.status, bad.stderr], [1, "invalid block ID 01H0000000000000000000000X\n"]);
  const usage = ours("tsdb", "dump", "--min-time=x", path.join(dir, "b"));
  assert.equal(usage.status, 1);
  assert.match(usage.stderr, /error: strconv.ParseInt: parsing "x": invalid syntax for flag --min-time, try --help/);
  fs.rmSync(dir, { recursive: true, force: true });
});
