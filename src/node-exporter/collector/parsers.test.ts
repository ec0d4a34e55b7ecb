/**
 * Edge cases of the parsers behind bcache, fibrechannel/tapestats/infiniband,
 * mdadm, btrfs, zoneinfo, lnstat and mountstats that the e2e fixture does not
 * reach (e2e.test.ts compares their output on the fixture exactly).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dehumanize, parseWritebackRateDebug } from "./bcache.ts";
import { allocationRatio, parseCommitStats } from "./btrfs.ts";
import { parseRate, parseStateId } from "./infiniband.ts";
import { parseNetStat } from "./lnstat.ts";
import { parseMDStat } from "./mdadm.ts";
import { parseMountInfoAddrs, parseMountStats } from "./mountstats.ts";
import { MAX_UINT64, parseUint64 } from "./sysfs.ts";
import { parseZoneinfo } from "./zoneinfo.ts";

const values = [
  { name: "dehumanize: plain integer", run: () => dehumanize("512"), want: 512 },
  { name: "dehumanize: k with bcache's fraction", run: () => dehumanize("427.5k"), want: 437748 },
  { name: "dehumanize: negative", run: () => dehumanize("-1.0M"), want: -1048576 },
  { name: "writeback_rate_debug: /sec suffix and missing lines", run: () => parseWritebackRateDebug("rate: 512/sec\nchange: -2k/sec\n").change, want: -2048 },
  { name: "parseUint64: hex max", run: () => parseUint64("0xffffffffffffffff") === MAX_UINT64, want: true },
  { name: "parseUint64: octal", run: () => Number(parseUint64("017")), want: 15 },
  { name: "infiniband state id", run: () => parseStateId("4: ACTIVE"), want: 4 },
  { name: "infiniband rate: fractional Gb/s through float32", run: () => parseRate("2.5 Gb/sec (1X SDR)"), want: 312500000 },
  { name: "btrfs raid6 ratio on 6 devices", run: () => allocationRatio("raid6", 6), want: 1.5 },
  { name: "btrfs unknown layout ratio", run: () => allocationRatio("raid1c3", 3), want: 0 },
  { name: "btrfs commit_stats without trailing newline", run: () => parseCommitStats("commits 3\ntotal_commit_ms 1500").totalCommitMs, want: 1500 },
  { name: "lnstat: hex per cpu", run: () => parseNetStat("x", "entries found\n0000000a 000000ff\n").stats.get("found"), want: [255] },
];
for (const c of values) test(c.name, () => assert.deepEqual(c.run(), c.want));

const throws = [
  { name: "dehumanize: garbage", run: () => dehumanize("12x3") },
  { name: "parseUint64: overflow", run: () => parseUint64("18446744073709551616") },
  { name: "infiniband state without id", run: () => parseStateId("ACTIVE") },
  { name: "mdstat: array line with too few following lines", run: () => parseMDStat("md0 : active raid1 sda[0]\n   100 blocks [1/1] [U]\n") },
  { name: "mountstats: bytes line with 7 fields", run: () => parseMountStats("device a:/b mounted on /c with fstype nfs statvers=1.1\n\tbytes:\t1 2 3 4 5 6 7\n\n") },
  { name: "mountstats: unknown stats version", run: () => parseMountStats("device a:/b mounted on /c with fstype nfs statvers=2.0\n\txprt:\ttcp 1 2 3\n\n") },
  { name: "mountinfo: no separator", run: () => parseMountInfoAddrs("1 2 0:1 / / rw\n") },
];
for (const c of throws) test(c.name, () => assert.throws(c.run));

test("mdstat: recovery progress and PENDING resync", () => {
  const text = [
    "md1 : active raid1 sdb1[1] sda1[0](F)",
    "      100 blocks [2/1] [U_]",
    "      [==>....]  recovery = 10.0% (10/100) finish=1.0min speed=1K/sec",
    "",
    "md2 : active (auto-read-only) raid1 sdc[0] sdd[1](S)",
    "      200 blocks super 1.2 [2/2] [UU]",
    "      resync=PENDING",
    "",
  ].join("\n");
  assert.deepEqual(
    parseMDStat(text).map((m) => [m.name, m.activityState, m.disksActive, m.disksFailed, m.disksSpare, m.disksDown, m.blocksSynced]),
    [
      ["md1", "recovering", 1, 1, 0, 1, 10],
      ["md2", "resyncing", 2, 0, 1, 0, 0],
    ],
  );
});

test("zoneinfo: a bad value is left out and the protection array kept", () => {
  const [z] = parseZoneinfo("Node 1, zone   Normal\n  pages free 5\n        min      x\n        high 7\n        protection: (0, 3)\n      nr_free_pages 5\n");
  assert.deepEqual([z!.node, z!.zone, [...z!.values], z!.protection], ["1", "Normal", [["high", 7], ["nr_free_pages", 5]], [0, 3]]);
});

test("mountstats: per-op errors field and several transports", () => {
  const text = [
    "device srv:/x mounted on /mnt with fstype nfs4 statvers=1.1",
    "\tage:\t5",
    "\txprt:\ttcp 1 2 3 4 5 6 7 8 9 10 11 12 13",
    "\txprt:\tudp 1 2 3 4 5 6 7 8 9 10",
    "\tper-op statistics",
    "\t        READ: 1 2 3 4 5 6 7 8 9",
    "",
    "device tmpfs mounted on /tmp with fstype tmpfs",
  ].join("\n");
  const mounts = parseMountStats(text);
  assert.equal(mounts.length, 2);
  const s = mounts[0]!.stats!;
  assert.deepEqual([s.ageSeconds, s.transports.map((t) => t.protocol), s.transports[1]!.values.slice(0, 6).map(Number), s.operations[0]!.values.length], [5, ["tcp", "udp"], [1, 2, 0, 0, 0, 3], 9]);
  assert.equal(mounts[1]!.stats, null);
});
