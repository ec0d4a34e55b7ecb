import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FamilyBuilder, writeText } from "../../exposition/index.ts";
import { nopLogger } from "../../util/index.ts";
import { DEFAULT_SETTINGS, newCollectorContext } from "./collector.ts";
import { netdevCollector } from "./netdev.ts";

// A /proc/net/dev in the kernel's layout (upstream's fixture tree has none: its e2e run reads lo over netlink).
const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1664039048 1566805    0    0    0     0          0         0 1664039048 1566805    0    0    0     0       0          0
  eth0: 68210035552 520993275    0    0    0     0          0         0 9315587528 43451486    0    0    0     0       0          0
`;

const cases = [
  { name: "include lo", include: "lo", exclude: null, want: ['node_network_receive_bytes_total{device="lo"} 1.664039048e+09', 'node_network_transmit_colls_total{device="lo"} 0'], absent: 'device="eth0"' },
  { name: "exclude lo", include: null, exclude: "^lo$", want: ['node_network_receive_packets_total{device="eth0"} 5.20993275e+08'], absent: 'device="lo"' },
];
for (const c of cases) {
  test(`netdev: ${c.name}`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "promstack-netdev-"));
    try {
      mkdirSync(path.join(dir, "net"));
      writeFileSync(path.join(dir, "net/dev"), NET_DEV);
      const ctx = newCollectorContext({ ...DEFAULT_SETTINGS, procfs: dir, netdevDeviceInclude: c.include, netdevDeviceExclude: c.exclude }, nopLogger);
      const b = new FamilyBuilder();
      await netdevCollector.create(ctx).collect(b.emit);
      const lines = writeText(b.families()).split("\n");
      for (const w of c.want) assert.ok(lines.includes(w), `missing ${w}`);
      assert.ok(lines.includes("# HELP node_network_receive_bytes_total Network device statistic receive_bytes."));
      assert.ok(!lines.some((l) => l.includes(c.absent)));
      assert.equal(b.families().length, 16);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
