/**
 * The ksmd collector: kernel samepage merging statistics from
 * /sys/kernel/mm/ksm.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, isNotExist, readText } from "./collector.ts";

const g = MetricType.Gauge;
/** File under kernel/mm/ksm, metric description, and the factor applied to the value. */
const FILES: readonly [string, ReturnType<typeof newDesc>, number][] = [
  ["full_scans", newDesc("node_ksmd_full_scans_total", "How many times all mergeable areas have been scanned.", MetricType.Counter), 1],
  ["general_profit", newDesc("node_ksmd_general_profit_bytes", "How effective is KSM. ksm_saved_pages * sizeof(page) - (all_rmap_items) * sizeof(rmap_item)", g), 1],
  ["merge_across_nodes", newDesc("node_ksmd_merge_across_nodes", "Specifies if pages from different NUMA nodes can be merged.", g), 1],
  ["pages_shared", newDesc("node_ksmd_pages_shared", "How many shared pages are being used.", g), 1],
  ["pages_sharing", newDesc("node_ksmd_pages_sharing", "How many more sites are sharing them i.e. how much saved.", g), 1],
  ["pages_to_scan", newDesc("node_ksmd_pages_to_scan", "How many pages to scan before ksmd goes to sleep.", g), 1],
  ["pages_unshared", newDesc("node_ksmd_pages_unshared", "How many pages unique but repeatedly checked for merging.", g), 1],
  ["pages_volatile", newDesc("node_ksmd_pages_volatile", "How many pages changing too fast to be placed in a tree.", g), 1],
  ["run", newDesc("node_ksmd_run", "The status of ksmd. stopped = 0, running = 1", g), 1],
  ["sleep_millisecs", newDesc("node_ksmd_sleep_seconds", "How many seconds ksmd should sleep before next scan.", g), 0.001],
];

/** Registers as upstream: "ksmd", disabled by default. */
export const ksmdCollector: CollectorFactory = {
  name: "ksmd",
  defaultEnabled: false,
  create(ctx) {
    return {
      async collect(emit) {
        for (const [file, desc, factor] of FILES) {
          let text: string;
          try {
            text = (await readText(ctx.sysPath("kernel/mm/ksm", file))).trim();
          } catch (e) {
            // general_profit only exists since Linux 6.1.
            if (isNotExist(e) && file === "general_profit") continue;
            throw e;
          }
          // general_profit may be negative; the others are unsigned.
          if (!(file === "general_profit" ? /^-?\d+$/ : /^\d+$/).test(text)) throw new Error(`invalid value ${JSON.stringify(text)} in ksm/${file}`);
          emit(desc, factor === 1 ? Number(text) : Number(text) * factor);
        }
      },
    };
  },
};
