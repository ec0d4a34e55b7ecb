import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FamilyBuilder, writeText } from "../../exposition/index.ts";
import { nopLogger } from "../../util/index.ts";
import { DEFAULT_SETTINGS, newCollectorContext } from "./collector.ts";
import { diskstatsCollector, parseDiskstats } from "./diskstats.ts";
import { parseGoInt } from "./sysfs.ts";

const DISKSTATS = `   8       0 sda 10 1 8 5 20 2 16 7 0 9 12
   8       1 sda1 1 0 2 1 0 0 0 0 0 1 1
 259       0 nvme0n1 1 2 3 4 5 6 7 8 0 9 10 11 12 13 14 15 16
`;

const cases = [
  { name: "default exclude drops partitions", include: null, exclude: DEFAULT_SETTINGS.diskstatsDeviceExclude, want: ["nvme0n1", "sda"] },
  { name: "include replaces the default exclude", include: "^sda", exclude: DEFAULT_SETTINGS.diskstatsDeviceExclude, want: ["sda", "sda1"] },
];
for (const c of cases) {
  test(`diskstats: ${c.name}`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "promstack-diskstats-"));
    try {
      writeFileSync(path.join(dir, "diskstats"), DISKSTATS);
      const ctx = newCollectorContext({ ...DEFAULT_SETTINGS, procfs: dir, sysfs: dir, udevData: path.join(dir, "none"), diskstatsDeviceInclude: c.include, diskstatsDeviceExclude: c.exclude }, nopLogger);
      const b = new FamilyBuilder();
      await diskstatsCollector.create(ctx).collect(b.emit);
      assert.deepEqual(b.errors, []);
      const lines = writeText(b.families()).split("\n");
      const devices = lines.filter((l) => l.startsWith("node_disk_io_now{")).map((l) => /device="([^"]+)"/.exec(l)![1]);
      assert.deepEqual(devices, c.want);
      if (c.want.includes("sda")) {
        // 8 sectors of 512 bytes; 5 ms; 11 columns mean no discard or flush families for sda.
        assert.ok(lines.includes('node_disk_read_bytes_total{device="sda"} 4096'));
        assert.ok(lines.includes('node_disk_read_time_seconds_total{device="sda"} 0.005'));
        assert.ok(!lines.some((l) => l.startsWith('node_disk_discards_completed_total{device="sda"}')));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("diskstats: 17 columns include discards and flushes; short lines throw", () => {
  assert.equal(parseDiskstats(DISKSTATS)[2]!.stats.length, 17);
  assert.throws(() => parseDiskstats("8 0 sda 1 2 3\n"), /invalid line in diskstats/);
});

test("diskstats: include and a non-default exclude are mutually exclusive", () => {
  const ctx = newCollectorContext({ ...DEFAULT_SETTINGS, diskstatsDeviceInclude: "^sd", diskstatsDeviceExclude: "^loop" }, nopLogger);
  assert.throws(() => diskstatsCollector.create(ctx), /mutually exclusive/);
});

const ints = [
  { s: "42", want: 42 },
  { s: "-1", want: -1 },
  { s: "0x1303", want: 4867 },
  { s: "0755", want: 493 },
  { s: "0b101", want: 5 },
  { s: "12abc", want: NaN },
];
for (const c of ints) test(`sysfs: parseGoInt(${JSON.stringify(c.s)})`, () => assert.ok(Object.is(parseGoInt(c.s), c.want)));
