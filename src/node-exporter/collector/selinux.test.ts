import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FamilyBuilder, writeText } from "../../exposition/index.ts";
import { nopLogger } from "../../util/index.ts";
import { DEFAULT_SETTINGS, newCollectorContext } from "./collector.ts";
import { parseSelinuxConfigMode, selinuxCollector } from "./selinux.ts";

/** Builds a fake root with the given files (path -> content) and scrapes the selinux collector on it. */
async function scrape(files: Record<string, string>): Promise<string> {
  const root = mkdtempSync(path.join(os.tmpdir(), "promstack-selinux-"));
  try {
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      writeFileSync(path.join(root, p), content);
    }
    const settings = { ...DEFAULT_SETTINGS, procfs: path.join(root, "proc"), sysfs: path.join(root, "sys"), rootfs: root };
    const b = new FamilyBuilder();
    await selinuxCollector.create(newCollectorContext(settings, nopLogger)).collect(b.emit);
    assert.deepEqual(b.errors, []);
    return writeText(b.families());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const enabledFiles: Record<string, string> = {
  "sys/fs/selinux/enforce": "1",
  "sys/fs/selinux/avc/cache_stats": "lookups hits misses allocations reclaims frees\n10 8 2 2 0 1\n5 4 1 1 0 0\n",
  "sys/fs/selinux/avc/hash_stats": "entries: 500\nbuckets used: 300/512\nlongest chain: 5\n",
  "sys/fs/selinux/avc/cache_threshold": "512\n",
  "proc/self/attr/current": "system_u:system_r:unconfined_t:s0\0",
  "etc/selinux/config": "# comment\nSELINUX=permissive\nSELINUXTYPE=targeted\n",
};

const cases: { name: string; files: Record<string, string>; want: string[] }[] = [
  { name: "no selinuxfs: only enabled 0", files: {}, want: ["node_selinux_enabled 0"] },
  { name: "kernel label: disabled", files: { "sys/fs/selinux/enforce": "0", "proc/self/attr/current": "kernel\0" }, want: ["node_selinux_enabled 0"] },
  {
    name: "enabled: modes and AVC statistics summed over CPUs",
    files: enabledFiles,
    want: [
      "node_selinux_avc_allocations_total 3",
      "node_selinux_avc_frees_total 1",
      "node_selinux_avc_hash_buckets_available 512",
      "node_selinux_avc_hash_buckets_used 300",
      "node_selinux_avc_hash_entries 500",
      "node_selinux_avc_hash_longest_chain 5",
      "node_selinux_avc_hits_total 12",
      "node_selinux_avc_lookups_total 15",
      "node_selinux_avc_misses_total 3",
      "node_selinux_avc_reclaims_total 0",
      "node_selinux_avc_threshold 512",
      "node_selinux_config_mode 0",
      "node_selinux_current_mode 1",
      "node_selinux_enabled 1",
    ],
  },
];
for (const c of cases) {
  test(`selinux: ${c.name}`, async () => {
    const samples = (await scrape(c.files)).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    assert.deepEqual(samples, c.want);
  });
}

const modes = [
  { name: "enforcing", input: "SELINUX=enforcing\n", want: 1 },
  { name: "quoted permissive", input: 'SELINUX="permissive"\n', want: 0 },
  { name: "disabled", input: "SELINUX=disabled\n", want: -1 },
  { name: "missing key", input: "SELINUXTYPE=targeted\n", want: -1 },
];
for (const c of modes) test(`selinux config mode: ${c.name}`, () => assert.equal(parseSelinuxConfigMode(c.input), c.want));
