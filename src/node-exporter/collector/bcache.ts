/**
 * The bcache collector: Linux bcache statistics from /sys/fs/bcache/<uuid>
 * (the cache set, its backing devices bdev<N> and cache devices cache<N>),
 * as upstream's bcache collector reads them through procfs's bcache package.
 * The cache devices' priority_stats are read only with
 * --collector.bcache.priorityStats (the kernel walks every bucket for it).
 */
import path from "node:path";
import { type Desc, type Emit, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, readText } from "./collector.ts";
import { listDir } from "./sysfs.ts";

const g = MetricType.Gauge;
const c = MetricType.Counter;

function desc(name: string, help: string, type: MetricType, extra: string[] = []): Desc {
  return newDesc(`node_bcache_${name}`, help, type, ["uuid", ...extra]);
}

const setDescs = {
  averageKeySize: desc("average_key_size_sectors", "Average data per key in the btree (sectors).", g),
  btreeCacheSize: desc("btree_cache_size_bytes", "Amount of memory currently used by the btree cache.", g),
  cacheAvailablePercent: desc("cache_available_percent", "Percentage of cache device without dirty data, usable for writeback (may contain clean cached data).", g),
  congested: desc("congested", "Congestion.", g),
  rootUsagePercent: desc("root_usage_percent", "Percentage of the root btree node in use (tree depth increases if too high).", g),
  treeDepth: desc("tree_depth", "Depth of the btree.", g),
  activeJournalEntries: desc("active_journal_entries", "Number of journal entries that are newer than the index.", g),
  btreeNodes: desc("btree_nodes", "Total nodes in the btree.", g),
  btreeReadAverageDuration: desc("btree_read_average_duration_seconds", "Average btree read duration.", g),
  cacheReadRaces: desc("cache_read_races_total", "Counts instances where while data was being read from the cache, the bucket was reused and invalidated - i.e. where the pointer was stale after the read completed.", c),
};
const bdev = ["backing_device"];
const bdevDescs = {
  dirtyData: desc("dirty_data_bytes", "Amount of dirty data for this backing device in the cache.", g, bdev),
  dirtyTarget: desc("dirty_target_bytes", "Current dirty data target threshold for this backing device in bytes.", g, bdev),
  writebackRate: desc("writeback_rate", "Current writeback rate for this backing device in bytes.", g, bdev),
  proportional: desc("writeback_rate_proportional_term", "Current result of proportional controller, part of writeback rate", g, bdev),
  integral: desc("writeback_rate_integral_term", "Current result of integral controller, part of writeback rate", g, bdev),
  change: desc("writeback_change", "Last writeback rate change step for this backing device.", g, bdev),
  bypassed: desc("bypassed_bytes_total", "Amount of IO (both reads and writes) that has bypassed the cache.", c, bdev),
  cacheHits: desc("cache_hits_total", "Hits counted per individual IO as bcache sees them.", c, bdev),
  cacheMisses: desc("cache_misses_total", "Misses counted per individual IO as bcache sees them.", c, bdev),
  cacheBypassHits: desc("cache_bypass_hits_total", "Hits for IO intended to skip the cache.", c, bdev),
  cacheBypassMisses: desc("cache_bypass_misses_total", "Misses for IO intended to skip the cache.", c, bdev),
  cacheMissCollisions: desc("cache_miss_collisions_total", "Instances where data insertion from cache miss raced with write (data already present).", c, bdev),
  cacheReadaheads: desc("cache_readaheads_total", "Count of times readahead occurred.", c, bdev),
};
const cache = ["cache_device"];
const cacheDescs = {
  ioErrors: desc("io_errors", "Number of errors that have occurred, decayed by io_error_halflife.", g, cache),
  metadataWritten: desc("metadata_written_bytes_total", "Sum of all non data writes (btree writes and all other metadata).", c, cache),
  written: desc("written_bytes_total", "Sum of all data that has been written to the cache.", c, cache),
  unusedPercent: desc("priority_stats_unused_percent", "The percentage of the cache that doesn't contain any data.", g, cache),
  metadataPercent: desc("priority_stats_metadata_percent", "Bcache's metadata overhead.", g, cache),
};

/** bch_hprint's multipliers, powers of 1024 (drivers/md/bcache/util.c). */
const HPRINT_UNITS = "kMGTPEZY";

/**
 * bcache's "pseudo float": bch_hprint writes the fraction as (rem * 100 / 1024)
 * digits, so "20.4" is 20 + 4/10.24; procfs undoes it the same way.
 */
function parsePseudoFloat(s: string): number {
  const [intPart, frac] = s.split(".");
  const i = Number(intPart);
  if (intPart === "" || Number.isNaN(i)) throw new Error(`bcache: invalid number ${JSON.stringify(s)}`);
  if (frac === undefined) return i;
  const f = Number(frac);
  if (frac === "" || Number.isNaN(f)) throw new Error(`bcache: invalid number ${JSON.stringify(s)}`);
  return i + f / 10.24;
}

/**
 * Parses a value bcache may have "humanized" with bch_hprint ("1.1M", "427.5k",
 * "-3.2k"), truncated to an integer like procfs's dehumanize. Throws on garbage.
 */
export function dehumanize(s: string): number {
  if (s === "") throw new Error("bcache: zero-length reply");
  const neg = s.startsWith("-");
  const body = neg ? s.slice(1) : s;
  const unit = HPRINT_UNITS.indexOf(body.at(-1)!);
  let v: number;
  if (unit >= 0) {
    v = parsePseudoFloat(body.slice(0, -1)) * 1024 ** (unit + 1);
  } else {
    v = Number(body);
    if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) throw new Error(`bcache: invalid number ${JSON.stringify(s)}`);
  }
  v = Math.trunc(v);
  return neg ? -v : v;
}

/** The writeback_rate_debug values, in bytes (rates per second). */
interface WritebackRateDebug {
  rate: number;
  target: number;
  proportional: number;
  integral: number;
  change: number;
}

/** Parses a backing device's writeback_rate_debug ("rate: 1.1M/sec", "target: 20.4G", ...). */
export function parseWritebackRateDebug(text: string): WritebackRateDebug {
  const out: WritebackRateDebug = { rate: 0, target: 0, proportional: 0, integral: 0, change: 0 };
  for (const line of text.split("\n")) {
    const m = /^([a-z ]+):\s*(\S+)/.exec(line);
    if (m === null) continue;
    const v = (): number => dehumanize(m[2]!.replace(/\/sec$/, ""));
    switch (m[1]) {
      case "rate": out.rate = v(); break;
      case "target": out.target = v(); break;
      case "proportional": out.proportional = v(); break;
      case "integral": out.integral = v(); break;
      case "change": out.change = v(); break;
    }
  }
  return out;
}

/** Parses priority_stats' "Unused: 99%" and "Metadata: 0%" lines. */
export function parsePriorityStats(text: string): { unusedPercent: number; metadataPercent: number } {
  let unusedPercent = 0;
  let metadataPercent = 0;
  for (const line of text.split("\n")) {
    const m = /^(Unused|Metadata):\s*(\S+)/.exec(line);
    if (m === null) continue;
    const s = m[2]!.replace(/%$/, "");
    if (!/^\d+$/.test(s)) throw new Error(`bcache: invalid priority_stats value ${JSON.stringify(m[2])}`);
    if (m[1] === "Unused") unusedPercent = Number(s);
    else metadataPercent = Number(s);
  }
  return { unusedPercent, metadataPercent };
}

/** Reads one bcache value file; a missing file is an error, as in procfs. */
async function readValue(p: string): Promise<number> {
  const text = await readText(p).catch(() => {
    throw new Error(`failed to read: ${p}`);
  });
  return dehumanize(text.replace(/\n$/, ""));
}

/** Registers as upstream: "bcache", enabled by default. */
export const bcacheCollector: CollectorFactory = {
  name: "bcache",
  defaultEnabled: true,
  create(ctx) {
    const priorityStats = ctx.settings.bcachePriorityStats;

    const collectSet = async (dir: string, uuid: string, emit: Emit): Promise<void> => {
      const v = (...p: string[]): Promise<number> => readValue(path.join(dir, ...p));
      emit(setDescs.averageKeySize, await v("average_key_size"), uuid);
      emit(setDescs.btreeCacheSize, await v("btree_cache_size"), uuid);
      emit(setDescs.cacheAvailablePercent, await v("cache_available_percent"), uuid);
      emit(setDescs.congested, await v("congested"), uuid);
      emit(setDescs.rootUsagePercent, await v("root_usage_percent"), uuid);
      emit(setDescs.treeDepth, await v("tree_depth"), uuid);
      emit(setDescs.activeJournalEntries, await v("internal", "active_journal_entries"), uuid);
      emit(setDescs.btreeNodes, await v("internal", "btree_nodes"), uuid);
      // NOTE: matches node_exporter, which scales the microsecond file by 1e-9.
      emit(setDescs.btreeReadAverageDuration, (await v("internal", "btree_read_average_duration_us")) * 1e-9, uuid);
      emit(setDescs.cacheReadRaces, await v("internal", "cache_read_races"), uuid);

      const entries = await listDir(dir);
      for (const name of entries.filter((n) => /^bdev\d/.test(n))) {
        emit(bdevDescs.dirtyData, await v(name, "dirty_data"), uuid, name);
        const debugText = await readText(path.join(dir, name, "writeback_rate_debug")).catch(() => "");
        const debug = parseWritebackRateDebug(debugText);
        emit(bdevDescs.dirtyTarget, debug.target, uuid, name);
        emit(bdevDescs.writebackRate, debug.rate, uuid, name);
        emit(bdevDescs.proportional, debug.proportional, uuid, name);
        emit(bdevDescs.integral, debug.integral, uuid, name);
        emit(bdevDescs.change, debug.change, uuid, name);
        const total = (f: string): Promise<number> => v(name, "stats_total", f);
        emit(bdevDescs.bypassed, await total("bypassed"), uuid, name);
        emit(bdevDescs.cacheHits, await total("cache_hits"), uuid, name);
        emit(bdevDescs.cacheMisses, await total("cache_misses"), uuid, name);
        emit(bdevDescs.cacheBypassHits, await total("cache_bypass_hits"), uuid, name);
        emit(bdevDescs.cacheBypassMisses, await total("cache_bypass_misses"), uuid, name);
        emit(bdevDescs.cacheMissCollisions, await total("cache_miss_collisions"), uuid, name);
        // NOTE: matches node_exporter, which leaves out readaheads while they are 0 (removed in newer kernels).
        const readaheads = await total("cache_readaheads");
        if (readaheads !== 0) emit(bdevDescs.cacheReadaheads, readaheads, uuid, name);
      }
      for (const name of entries.filter((n) => /^cache\d/.test(n))) {
        emit(cacheDescs.ioErrors, await v(name, "io_errors"), uuid, name);
        emit(cacheDescs.metadataWritten, await v(name, "metadata_written"), uuid, name);
        emit(cacheDescs.written, await v(name, "written"), uuid, name);
        if (priorityStats) {
          const p = path.join(dir, name, "priority_stats");
          const ps = parsePriorityStats(await readText(p).catch(() => {
            throw new Error(`failed to read: ${p}`);
          }));
          emit(cacheDescs.unusedPercent, ps.unusedPercent, uuid, name);
          emit(cacheDescs.metadataPercent, ps.metadataPercent, uuid, name);
        }
      }
    };

    return {
      async collect(emit) {
        const base = ctx.sysPath("fs/bcache");
        // procfs globs fs/bcache/*-*: every cache set is named by its UUID.
        for (const uuid of (await listDir(base)).filter((n) => n.includes("-"))) {
          await collectSet(path.join(base, uuid), uuid, emit);
        }
      },
    };
  },
};
