/**
 * The zfs collector: ZFS on Linux kstats from /proc/spl/kstat/zfs. Every
 * numeric kstat of the global files becomes an untyped
 * node_zfs_<subsystem>_<name> whose HELP is the kstat's sysctl-style key
 * ("kstat.zfs.misc.arcstats.hits"); per pool it reports the io kstats
 * (node_zfs_zpool_*{zpool}), the objset kstats of every dataset
 * (node_zfs_zpool_dataset_*{zpool,dataset}) and the pool state as a
 * one-hot gauge node_zfs_zpool_state{zpool,state}.
 */
import { readdirSync } from "node:fs";
import { type Desc, type Emit, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, readText } from "./collector.ts";

/** Metric subsystem -> kstat file under spl/kstat/zfs. */
const GLOBAL_FILES: readonly [string, string][] = [
  ["zfs_abd", "abdstats"],
  ["zfs_arc", "arcstats"],
  ["zfs_dbuf", "dbufstats"],
  ["zfs_dmu_tx", "dmu_tx"],
  ["zfs_dnode", "dnodestats"],
  ["zfs_fm", "fm"],
  ["zfs_vdev_cache", "vdev_cache_stats"], // deprecated in ZFS, still read when present
  ["zfs_vdev_mirror", "vdev_mirror_stats"],
  ["zfs_xuio", "xuio_stats"],
  ["zfs_zfetch", "zfetchstats"],
  ["zfs_zil", "zil"],
];

/** The pool states upstream reports, one series each. */
const POOL_STATES = ["online", "degraded", "faulted", "offline", "removed", "unavail", "suspended"] as const;

/** kstat data types (column 2) upstream reads: KSTAT_DATA_INT64 and KSTAT_DATA_UINT64. */
const KSTAT_INT64 = "3";
const KSTAT_UINT64 = "4";

const stateDesc = newDesc("node_zfs_zpool_state", "kstat.zfs.misc.state", MetricType.Gauge, ["zpool", "state"]);

/** The metric name part of a kstat: its name with "-" turned into "_". */
function metricName(kstat: string): string {
  return kstat.replace(/-/g, "_");
}

function parseUint(v: string, key: string, signed = false): number {
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(v)) throw new Error(`could not parse expected integer value for ${JSON.stringify(key)}`);
  return Number(v);
}

/** Parses a "name type data" kstat file into [name, value] pairs of its int64/uint64 rows. */
export function parseKstatFile(text: string, file: string): [string, number][] {
  const out: [string, number][] = [];
  let started = false;
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (!started) {
      started = f.length === 3 && f[0] === "name" && f[1] === "type" && f[2] === "data";
      continue;
    }
    if (f.length < 3) continue;
    if (f[1] === KSTAT_UINT64 || f[1] === KSTAT_INT64) out.push([f[0]!, parseUint(f[2]!, `kstat.zfs.misc.${file}.${f[0]}`, f[1] === KSTAT_INT64)]);
  }
  if (!started) throw new Error(`did not parse a single ${JSON.stringify(file)} metric`);
  return out;
}

/** Parses a pool's io kstat (a header row starting "nread", then a row of values). */
export function parsePoolIO(text: string): [string, number][] {
  const out: [string, number][] = [];
  let header: string[] | null = null;
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (header === null) {
      if (f.length >= 12 && f[0] === "nread") header = f;
      continue;
    }
    if (f.length === 0) continue;
    header.forEach((name, i) => out.push([name, parseUint(f[i] ?? "", `kstat.zfs.misc.io.${name}`)]));
  }
  return out;
}

/** Parses an objset kstat: the dataset name (spaces kept) and its uint64 rows. */
export function parseObjset(text: string): { dataset: string; values: [string, number][] } {
  const values: [string, number][] = [];
  let dataset = "";
  let started = false;
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (!started) {
      started = f.length === 3 && f[0] === "name" && f[1] === "type" && f[2] === "data";
      continue;
    }
    if (f.length < 3) continue;
    if (f[0] === "dataset_name") {
      // The name may hold runs of spaces: take everything after the type column.
      dataset = /^\s*\S+\s+\S+\s+(.*?)\s*$/.exec(line)![1]!;
      continue;
    }
    if (f[1] === KSTAT_UINT64) values.push([f[0]!, parseUint(f[2]!, `kstat.zfs.misc.objset.${f[0]}`)]);
  }
  if (!started) throw new Error(`did not parse a single objset metric`);
  return { dataset, values };
}

/** Registers as upstream: "zfs", enabled by default. */
export const zfsCollector: CollectorFactory = {
  name: "zfs",
  defaultEnabled: true,
  create(ctx) {
    const descs = new Map<string, Desc>();
    const desc = (name: string, help: string, labels: string[]): Desc => {
      let d = descs.get(name);
      if (d === undefined) {
        d = newDesc(name, help, MetricType.Untyped, labels);
        descs.set(name, d);
      }
      return d;
    };
    /** Reads a file, or null when it does not exist (ZFS adds kstat files as features arrive). */
    const readOptional = async (p: string): Promise<string | null> => {
      try {
        return await readText(p);
      } catch (e) {
        if (isNotExist(e)) {
          ctx.logger.debug("Cannot open file for reading", "path", p);
          return null;
        }
        throw e;
      }
    };

    const collectPools = async (base: string, emit: Emit): Promise<void> => {
      const entries = readdirSync(base, { withFileTypes: true });
      const pools = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
      for (const pool of pools) {
        const io = await readOptional(`${base}/${pool}/io`);
        if (io === null) continue;
        for (const [name, v] of parsePoolIO(io)) emit(desc(`node_zfs_zpool_${metricName(name)}`, `kstat.zfs.misc.io.${name}`, ["zpool"]), v, pool);
      }
      for (const pool of pools) {
        const objsets = (readdirSync(`${base}/${pool}`)).filter((n) => n.startsWith("objset-")).sort();
        for (const objset of objsets) {
          const text = await readOptional(`${base}/${pool}/${objset}`);
          if (text === null) continue;
          const { dataset, values } = parseObjset(text);
          for (const [name, v] of values) {
            emit(desc(`node_zfs_zpool_dataset_${metricName(name)}`, `kstat.zfs.misc.objset.${name}`, ["zpool", "dataset"]), v, pool, dataset);
          }
        }
      }
      for (const pool of pools) {
        const text = await readOptional(`${base}/${pool}/state`);
        if (text === null) continue;
        const actual = text.split("\n")[0]!.toLowerCase();
        for (const state of POOL_STATES) emit(stateDesc, actual === state ? 1 : 0, pool, state);
      }
    };

    return {
      async collect(emit) {
        const base = ctx.procPath("spl/kstat/zfs");
        try {
          readdirSync(base);
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("ZFS / ZFS statistics are not available");
          throw e;
        }
        for (const [subsystem, file] of GLOBAL_FILES) {
          const text = await readOptional(`${base}/${file}`);
          if (text === null) continue;
          for (const [name, v] of parseKstatFile(text, file)) {
            emit(desc(`node_${subsystem}_${metricName(name)}`, `kstat.zfs.misc.${file}.${name}`, []), v);
          }
        }
        await collectPools(base, emit);
      },
    };
  },
};
