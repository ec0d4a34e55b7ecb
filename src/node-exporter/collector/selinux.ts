/**
 * The selinux collector: whether SELinux is enabled; when it is, the
 * configured and current enforcement modes (1 enforcing, 0 permissive,
 * -1 disabled) and the access vector cache statistics of
 * /sys/fs/selinux/avc. On a host without SELinux it reports only
 * node_selinux_enabled 0, as upstream does.
 *
 * NOTE: upstream asks the go-selinux library, which looks at the running
 * system's own /sys/fs/selinux and /etc/selinux/config; this collector reads
 * them under --path.sysfs and --path.rootfs, so a containerised exporter
 * reports the host.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, isNotExist, readText, readUint } from "./collector.ts";

const g = MetricType.Gauge;
const c = MetricType.Counter;
const d = (name: string, help: string, type: MetricType) => newDesc(`node_selinux_${name}`, help, type);
const enabledDesc = d("enabled", "SELinux is enabled, 1 is true, 0 is false", g);
const configMode = d("config_mode", "Configured SELinux enforcement mode", g);
const currentMode = d("current_mode", "Current SELinux enforcement mode", g);
const avcLookups = d("avc_lookups_total", "SELinux AVC lookups", c);
const avcHits = d("avc_hits_total", "SELinux AVC hits", c);
const avcMisses = d("avc_misses_total", "SELinux AVC misses", c);
const avcAllocations = d("avc_allocations_total", "SELinux AVC allocations", c);
const avcReclaims = d("avc_reclaims_total", "SELinux AVC reclaims", c);
const avcFrees = d("avc_frees_total", "SELinux AVC frees", c);
const hashEntries = d("avc_hash_entries", "SELinux AVC hash entries", g);
const hashBucketsAvailable = d("avc_hash_buckets_available", "SELinux AVC hash buckets available", g);
const hashBucketsUsed = d("avc_hash_buckets_used", "SELinux AVC hash buckets used", g);
const hashLongestChain = d("avc_hash_longest_chain", "SELinux AVC hash longest chain", g);
const threshold = d("avc_threshold", "SELinux AVC threshold", g);

/** The cache_stats columns, in order; one row per CPU, summed. */
const AVC_COLUMNS = ["lookups", "hits", "misses", "allocations", "reclaims", "frees"] as const;

/** Sums the per-CPU rows of avc/cache_stats (after the header) by column name. */
export function parseAVCStats(text: string): Map<string, number> {
  const out = new Map<string, number>(AVC_COLUMNS.map((k) => [k, 0]));
  for (const line of text.split("\n").slice(1)) {
    if (line.trim() === "") continue;
    const values = line.match(/\d+/g) ?? [];
    if (values.length !== AVC_COLUMNS.length) throw new Error(`invalid AVC stat line: ${line}`);
    AVC_COLUMNS.forEach((k, i) => out.set(k, out.get(k)! + Number(values[i])));
  }
  return out;
}

/** Parses avc/hash_stats ("entries: N", "buckets used: U/A", "longest chain: L"). */
export function parseAVCHashStats(text: string): { entries: number; bucketsUsed: number; bucketsAvailable: number; longestChain: number } {
  const m = /^entries: (\d+)\nbuckets used: (\d+)\/(\d+)\nlongest chain: (\d+)/.exec(text);
  if (!m) throw new Error(`could not parse AVC hash stats: ${JSON.stringify(text)}`);
  return { entries: Number(m[1]), bucketsUsed: Number(m[2]), bucketsAvailable: Number(m[3]), longestChain: Number(m[4]) };
}

/** The SELINUX= mode of an /etc/selinux/config: 1 enforcing, 0 permissive, -1 otherwise. */
export function parseSelinuxConfigMode(text: string): number {
  for (const line of text.split("\n")) {
    const m = /^\s*SELINUX\s*=\s*(\S+)/.exec(line);
    if (!m) continue;
    const v = m[1]!.replace(/^["']|["']$/g, "").toLowerCase();
    return v === "enforcing" ? 1 : v === "permissive" ? 0 : -1;
  }
  return -1;
}

/** Registers as upstream: "selinux", enabled by default. */
export const selinuxCollector: CollectorFactory = {
  name: "selinux",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        let enforce: number;
        try {
          enforce = await readUint(ctx.sysPath("fs/selinux/enforce"));
        } catch (e) {
          if (!isNotExist(e)) throw e;
          emit(enabledDesc, 0);
          return;
        }
        let label = "";
        try {
          label = (await readText(ctx.procPath("self/attr/current"))).replace(/\0/g, "").trim();
        } catch {
          // NOTE: matches go-selinux: an unreadable label does not disable SELinux.
        }
        if (label === "kernel") {
          emit(enabledDesc, 0);
          return;
        }
        emit(enabledDesc, 1);
        let config = -1;
        try {
          config = parseSelinuxConfigMode(await readText(ctx.rootfsPath("etc/selinux/config")));
        } catch (e) {
          if (!isNotExist(e)) throw e;
        }
        emit(configMode, config);
        emit(currentMode, enforce === 1 ? 1 : 0);
        const avc = parseAVCStats(await readText(ctx.sysPath("fs/selinux/avc/cache_stats")));
        emit(avcLookups, avc.get("lookups")!);
        emit(avcHits, avc.get("hits")!);
        emit(avcMisses, avc.get("misses")!);
        emit(avcAllocations, avc.get("allocations")!);
        emit(avcReclaims, avc.get("reclaims")!);
        emit(avcFrees, avc.get("frees")!);
        const hash = parseAVCHashStats(await readText(ctx.sysPath("fs/selinux/avc/hash_stats")));
        emit(hashEntries, hash.entries);
        emit(hashBucketsAvailable, hash.bucketsAvailable);
        emit(hashBucketsUsed, hash.bucketsUsed);
        emit(hashLongestChain, hash.longestChain);
        emit(threshold, await readUint(ctx.sysPath("fs/selinux/avc/cache_threshold")));
      },
    };
  },
};
