/**
 * The buddyinfo collector: free memory blocks per NUMA node, zone and
 * order (block size 2^order pages) from /proc/buddyinfo.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, parseFloatStrict, readText } from "./collector.ts";

const blocks = newDesc("node_buddyinfo_blocks", "Count of free blocks according to size.", MetricType.Gauge, ["node", "zone", "size"]);

/** One /proc/buddyinfo row: "Node 0, zone DMA32 759 572 ...". */
export interface BuddyInfo {
  node: string;
  zone: string;
  sizes: number[];
}

/** Parses /proc/buddyinfo; every row must have the same number of sizes. */
export function parseBuddyInfo(text: string): BuddyInfo[] {
  const out: BuddyInfo[] = [];
  let width = -1;
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length < 4 || f[0] !== "Node" || f[2] !== "zone") throw new Error(`invalid buddyinfo line: ${line}`);
    const sizes = f.slice(4).map(parseFloatStrict);
    if (width !== -1 && sizes.length !== width) throw new Error(`mismatch in number of buddyinfo buckets, previous count ${width}, new count ${sizes.length}`);
    width = sizes.length;
    out.push({ node: f[1]!.replace(/,$/, ""), zone: f[3]!, sizes });
  }
  return out;
}

/** Registers as upstream: "buddyinfo", disabled by default. */
export const buddyinfoCollector: CollectorFactory = {
  name: "buddyinfo",
  defaultEnabled: false,
  create(ctx) {
    return {
      async collect(emit) {
        for (const b of parseBuddyInfo(await readText(ctx.procPath("buddyinfo")))) {
          b.sizes.forEach((v, size) => emit(blocks, v, b.node, b.zone, String(size)));
        }
      },
    };
  },
};
