/**
 * The zoneinfo collector: per NUMA node and memory zone page counts from
 * /proc/zoneinfo (watermarks, sizes, the per-node and per-zone vm counters
 * procfs knows, and the lowmem protection array), as node_zoneinfo_*{node,zone}.
 */
import { type Desc, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, readText } from "./collector.ts";
import { parseGoInt } from "./sysfs.ts";

const labels = ["node", "zone"];

function gauge(name: string, help: string): Desc {
  return newDesc(`node_zoneinfo_${name}`, help, MetricType.Gauge, labels);
}
function counter(name: string, help: string): Desc {
  return newDesc(`node_zoneinfo_${name}`, help, MetricType.Counter, labels);
}

/** zoneinfo key -> metric: the fields of procfs's Zoneinfo, with upstream's names and help. */
const FIELDS: ReadonlyMap<string, Desc> = new Map([
  ["nr_free_pages", gauge("nr_free_pages", "Total number of free pages in the zone")],
  ["min", gauge("min_pages", "Zone watermark pages_min")],
  ["low", gauge("low_pages", "Zone watermark pages_low")],
  ["high", gauge("high_pages", "Zone watermark pages_high")],
  ["scanned", gauge("scanned_pages", "Pages scanned since last reclaim")],
  ["spanned", gauge("spanned_pages", "Total pages spanned by the zone, including holes")],
  ["present", gauge("present_pages", "Physical pages existing within the zone")],
  ["managed", gauge("managed_pages", "Present pages managed by the buddy system")],
  ["nr_active_anon", gauge("nr_active_anon_pages", "Number of anonymous pages recently more used")],
  ["nr_inactive_anon", gauge("nr_inactive_anon_pages", "Number of anonymous pages recently less used")],
  ["nr_isolated_anon", gauge("nr_isolated_anon_pages", "Temporary isolated pages from anon lru")],
  ["nr_anon_pages", gauge("nr_anon_pages", "Number of anonymous pages currently used by the system")],
  ["nr_anon_transparent_hugepages", gauge("nr_anon_transparent_hugepages", "Number of anonymous transparent huge pages currently used by the system")],
  ["nr_active_file", gauge("nr_active_file_pages", "Number of active pages with file-backing")],
  ["nr_inactive_file", gauge("nr_inactive_file_pages", "Number of inactive pages with file-backing")],
  ["nr_isolated_file", gauge("nr_isolated_file_pages", "Temporary isolated pages from file lru")],
  ["nr_file_pages", gauge("nr_file_pages", "Number of file pages")],
  ["nr_slab_reclaimable", gauge("nr_slab_reclaimable_pages", "Number of reclaimable slab pages")],
  ["nr_slab_unreclaimable", gauge("nr_slab_unreclaimable_pages", "Number of unreclaimable slab pages")],
  ["nr_mlock_stack", gauge("nr_mlock_stack_pages", "mlock()ed pages found and moved off LRU")],
  ["nr_kernel_stack", gauge("nr_kernel_stacks", "Number of kernel stacks")],
  ["nr_mapped", gauge("nr_mapped_pages", "Number of mapped pages")],
  ["nr_dirty", gauge("nr_dirty_pages", "Number of dirty pages")],
  ["nr_writeback", gauge("nr_writeback_pages", "Number of writeback pages")],
  ["nr_unevictable", gauge("nr_unevictable_pages", "Number of unevictable pages")],
  ["nr_shmem", gauge("nr_shmem_pages", "Number of shmem pages (included tmpfs/GEM pages)")],
  ["nr_dirtied", counter("nr_dirtied_total", "Page dirtyings since bootup")],
  ["nr_written", counter("nr_written_total", "Page writings since bootup")],
  ["numa_hit", counter("numa_hit_total", "Allocated in intended node")],
  ["numa_miss", counter("numa_miss_total", "Allocated in non intended node")],
  ["numa_foreign", counter("numa_foreign_total", "Was intended here, hit elsewhere")],
  ["numa_interleave", counter("numa_interleave_total", "Interleaver preferred this zone")],
  ["numa_local", counter("numa_local_total", "Allocation from local node")],
  ["numa_other", counter("numa_other_total", "Allocation from other node")],
]);

/** One zone of /proc/zoneinfo: the known keys found in its block, and its protection array. */
export interface Zoneinfo {
  node: string;
  zone: string;
  values: Map<string, number>;
  protection: number[];
}

/**
 * Parses /proc/zoneinfo as procfs does: one block per "Node <n>, zone <name>"
 * line; a key seen twice in a block keeps its last value; unparsable values
 * are left out.
 */
export function parseZoneinfo(text: string): Zoneinfo[] {
  const out: Zoneinfo[] = [];
  for (const block of text.split("\nNode")) {
    const z: Zoneinfo = { node: "", zone: "", values: new Map(), protection: [] };
    for (const line of block.split("\n")) {
      const nz = /(\d+), zone\s+(\w+)/.exec(line);
      if (nz !== null) {
        z.node = nz[1]!;
        z.zone = nz[2]!;
        continue;
      }
      const parts = fields(line);
      if (parts.length < 2) continue;
      if (parts[0] === "protection:") {
        const list = line.slice(line.indexOf(":") + 1).replace("(", "").replace(")", "").trim().split(", ");
        const vs = list.map(parseGoInt);
        if (!vs.some(Number.isNaN)) z.protection = vs;
        continue;
      }
      if (FIELDS.has(parts[0]!)) {
        const v = parseGoInt(parts[1]!);
        if (Number.isNaN(v)) z.values.delete(parts[0]!);
        else z.values.set(parts[0]!, v);
      }
    }
    out.push(z);
  }
  return out;
}

/** Registers as upstream: "zoneinfo", disabled by default. */
export const zoneinfoCollector: CollectorFactory = {
  name: "zoneinfo",
  defaultEnabled: false,
  create(ctx) {
    const protectionDescs: Desc[] = [];
    const protectionDesc = (i: number): Desc => (protectionDescs[i] ??= newDesc(`node_zoneinfo_protection_${i}`, `Protection array ${i}. field`, MetricType.Gauge, labels));
    return {
      async collect(emit) {
        let text: string;
        try {
          text = await readText(ctx.procPath("zoneinfo"));
        } catch (e) {
          throw new Error(`couldn't get zoneinfo: ${(e as Error).message}`);
        }
        for (const z of parseZoneinfo(text)) {
          for (const [key, v] of z.values) emit(FIELDS.get(key)!, v, z.node, z.zone);
          z.protection.forEach((v, i) => emit(protectionDesc(i), v, z.node, z.zone));
        }
      },
    };
  },
};
