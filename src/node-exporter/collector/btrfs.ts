/**
 * The btrfs collector: Btrfs filesystems from /sys/fs/btrfs/<uuid> (label,
 * commit statistics, global reserve, allocation per block group type and
 * layout, device sizes), as procfs's btrfs package reads them.
 *
 * NOTE: upstream also asks each mounted filesystem for per-device error
 * counters through the BTRFS_IOC_DEV_INFO/GET_DEV_STATS ioctls; Node.js
 * cannot make ioctls, so this collector always reports what upstream reports
 * when those ioctls fail: device sizes from sysfs and no
 * node_btrfs_device_errors_total / node_btrfs_device_unused_bytes.
 */
import path from "node:path";
import { type Emit, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, isNotExist, readText } from "./collector.ts";
import { isDir, listDir } from "./sysfs.ts";

const g = MetricType.Gauge;
const c = MetricType.Counter;
const infoDesc = newDesc("node_btrfs_info", "Filesystem information", g, ["uuid", "label"]);
const globalRsvDesc = newDesc("node_btrfs_global_rsv_size_bytes", "Size of global reserve.", g, ["uuid"]);
const commitsDesc = newDesc("node_btrfs_commits_total", "The total number of commits that have occurred.", c, ["uuid"]);
const lastCommitDesc = newDesc("node_btrfs_last_commit_seconds", "Duration of the most recent commit, in seconds.", g, ["uuid"]);
const maxCommitDesc = newDesc("node_btrfs_max_commit_seconds", "Duration of the slowest commit, in seconds.", g, ["uuid"]);
const commitSecondsDesc = newDesc("node_btrfs_commit_seconds_total", "Sum of the duration of all commits, in seconds.", c, ["uuid"]);
const reservedDesc = newDesc("node_btrfs_reserved_bytes", "Amount of space reserved for a data type", g, ["uuid", "block_group_type"]);
const usedDesc = newDesc("node_btrfs_used_bytes", "Amount of used space by a layout/data type", g, ["uuid", "block_group_type", "mode"]);
const sizeDesc = newDesc("node_btrfs_size_bytes", "Amount of space allocated for a layout/data type", g, ["uuid", "block_group_type", "mode"]);
const ratioDesc = newDesc("node_btrfs_allocation_ratio", "Data allocation ratio for a layout/data type", g, ["uuid", "block_group_type", "mode"]);
const deviceSizeDesc = newDesc("node_btrfs_device_size_bytes", "Size of a device that is part of the filesystem.", g, ["uuid", "device"]);

/** Linux counts device sizes in 512-byte sectors whatever the real block size. */
const SECTOR_SIZE = 512;

/** The raw-to-usable ratio of a layout on devCount devices; 0 for an unknown layout. */
export function allocationRatio(layout: string, devCount: number): number {
  switch (layout) {
    case "single":
    case "raid0":
      return 1;
    case "dup":
    case "raid1":
    case "raid10":
      return 2;
    case "raid5":
      return devCount / (devCount - 1);
    case "raid6":
      return devCount / (devCount - 2);
    default:
      return 0;
  }
}

/** Parses commit_stats ("commits 258051", "last_commit_ms 1000", ...); missing keys are 0. */
export function parseCommitStats(text: string): { commits: number; lastCommitMs: number; maxCommitMs: number; totalCommitMs: number } {
  const kv = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+(\d+)\s*$/.exec(line);
    if (m !== null) kv.set(m[1]!, Number(m[2]));
  }
  return { commits: kv.get("commits") ?? 0, lastCommitMs: kv.get("last_commit_ms") ?? 0, maxCommitMs: kv.get("max_commit_ms") ?? 0, totalCommitMs: kv.get("total_commit_ms") ?? 0 };
}

/** Reads a file relative to dir, trimmed; "" when it does not exist (as procfs). */
async function readFile(dir: string, f: string): Promise<string> {
  try {
    return (await readText(path.join(dir, f))).trim();
  } catch (e) {
    if (isNotExist(e)) return "";
    throw e;
  }
}

/** Reads a decimal value; 0 when missing or unparsable (procfs ignores the parse error). */
async function readValue(dir: string, f: string): Promise<number> {
  const s = await readFile(dir, f);
  return /^\d+$/.test(s) ? Number(s) : 0;
}

/** Registers as upstream: "btrfs", enabled by default. */
export const btrfsCollector: CollectorFactory = {
  name: "btrfs",
  defaultEnabled: true,
  create(ctx) {
    const collectFs = async (dir: string, emit: Emit): Promise<void> => {
      const devices = await listDir(path.join(dir, "devices"));
      const uuid = (await readFile(dir, "metadata_uuid")) || path.basename(dir);
      emit(infoDesc, 1, uuid, await readFile(dir, "label"));
      emit(globalRsvDesc, await readValue(dir, "allocation/global_rsv_size"), uuid);
      const commit = parseCommitStats(await readFile(dir, "commit_stats"));
      emit(commitsDesc, commit.commits, uuid);
      emit(lastCommitDesc, commit.lastCommitMs / 1000, uuid);
      emit(maxCommitDesc, commit.maxCommitMs / 1000, uuid);
      emit(commitSecondsDesc, commit.totalCommitMs / 1000, uuid);
      for (const type of ["data", "metadata", "system"]) {
        const adir = path.join(dir, "allocation", type);
        emit(reservedDesc, await readValue(adir, "bytes_reserved"), uuid, type);
        for (const layout of await listDir(adir)) {
          if (!(await isDir(path.join(adir, layout)))) continue;
          emit(usedDesc, await readValue(adir, `${layout}/used_bytes`), uuid, type, layout);
          emit(sizeDesc, await readValue(adir, `${layout}/total_bytes`), uuid, type, layout);
          emit(ratioDesc, allocationRatio(layout, devices.length), uuid, type, layout);
        }
      }
      for (const dev of devices) emit(deviceSizeDesc, SECTOR_SIZE * (await readValue(dir, `devices/${dev}/size`)), uuid, dev);
    };

    return {
      async collect(emit) {
        const base = ctx.sysPath("fs/btrfs");
        // procfs globs fs/btrfs/*-*: every filesystem is named by its UUID.
        for (const name of (await listDir(base)).filter((n) => n.includes("-"))) await collectFs(path.join(base, name), emit);
      },
    };
  },
};
