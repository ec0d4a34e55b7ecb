/**
 * Shapes of /sys found on real hosts (VMs and containers) where node_exporter
 * reports nothing for a collector and still counts it a success; found by
 * running next to Debian's node_exporter (host.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FamilyBuilder, writeText } from "../../exposition/index.ts";
import { nopLogger } from "../../util/index.ts";
import { type CollectorFactory, DEFAULT_SETTINGS, newCollectorContext } from "./collector.ts";
import { cpufreqCollector } from "./cpufreq.ts";
import { xfsCollector } from "./xfs.ts";

/** Builds a fake sysfs (path -> content; a trailing "/" makes a directory) and scrapes one collector on it. */
async function scrape(c: CollectorFactory, files: Record<string, string>): Promise<string> {
  const root = mkdtempSync(path.join(os.tmpdir(), "promstack-shapes-"));
  try {
    for (const [p, content] of Object.entries(files)) {
      const full = path.join(root, p);
      if (p.endsWith("/")) {
        mkdirSync(full, { recursive: true });
        continue;
      }
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    const settings = { ...DEFAULT_SETTINGS, sysfs: path.join(root, "sys") };
    const b = new FamilyBuilder();
    await c.create(newCollectorContext(settings, nopLogger)).collect(b.emit);
    assert.deepEqual(b.errors, []);
    return writeText(b.families());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const cases: { name: string; collector: CollectorFactory; files: Record<string, string>; want: string }[] = [
  {
    name: "cpufreq: CPUs without cpufreq directories (a VM) succeed with nothing",
    collector: cpufreqCollector,
    files: { "sys/devices/system/cpu/cpu0/topology/": "", "sys/devices/system/cpu/cpu1/topology/": "", "sys/devices/system/cpu/cpufreq/": "" },
    want: "",
  },
  {
    name: "cpufreq: only the CPUs that have cpufreq are reported",
    collector: cpufreqCollector,
    files: { "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq": "1800000\n", "sys/devices/system/cpu/cpu1/topology/": "" },
    want: '# HELP node_cpu_scaling_frequency_hertz Current scaled CPU thread frequency in hertz.\n# TYPE node_cpu_scaling_frequency_hertz gauge\nnode_cpu_scaling_frequency_hertz{cpu="0"} 1.8e+09\n',
  },
  {
    name: "xfs: the global sys/fs/xfs/stats/stats file is not a filesystem",
    collector: xfsCollector,
    files: { "sys/fs/xfs/stats/stats": "extent_alloc 1 2 3 4\n", "sys/fs/xfs/stats/stats_clear": "0\n" },
    want: "",
  },
];
for (const c of cases) test(c.name, async () => assert.equal(await scrape(c.collector, c.files), c.want));

test("cpufreq: no CPU directories at all is no data", async () => {
  await assert.rejects(scrape(cpufreqCollector, { "sys/devices/system/": "" }), { name: "NoDataError" });
});
