/**
 * The mdadm collector: Linux software RAID arrays from /proc/mdstat (state,
 * disks, blocks and sync progress, parsed as procfs does) and, per array,
 * raid_disks and degraded from /sys/block/md<N>/md.
 */
import path from "node:path";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, readText } from "./collector.ts";
import { listDir, readIntAttr } from "./sysfs.ts";

const g = MetricType.Gauge;
const stateDesc = newDesc("node_md_state", "Indicates the state of md-device.", g, ["device", "state"]);
const disksDesc = newDesc("node_md_disks", "Number of active/failed/spare disks of device.", g, ["device", "state"]);
const disksRequiredDesc = newDesc("node_md_disks_required", "Total number of disks of device.", g, ["device"]);
const blocksDesc = newDesc("node_md_blocks", "Total number of blocks on device.", g, ["device"]);
const blocksSyncedDesc = newDesc("node_md_blocks_synced", "Number of blocks synced on device.", g, ["device"]);
const raidDisksDesc = newDesc("node_md_raid_disks", "Number of raid disks on device.", g, ["device"]);
const degradedDesc = newDesc("node_md_degraded", "Number of degraded disks on device.", g, ["device"]);

/** The state label of node_md_state -> procfs's activity state that sets it to 1. */
const STATES: readonly [string, string][] = [
  ["active", "active"],
  ["inactive", "inactive"],
  ["recovering", "recovering"],
  ["resync", "resyncing"],
  ["check", "checking"],
];

/** One array of /proc/mdstat. */
export interface MDStat {
  name: string;
  /** active, inactive, recovering, resyncing or checking. */
  activityState: string;
  disksActive: number;
  disksTotal: number;
  disksFailed: number;
  disksDown: number;
  disksSpare: number;
  blocksTotal: number;
  blocksSynced: number;
}

function parseInt64(s: string, line: string): number {
  if (!/^-?\d+$/.test(s)) throw new Error(`unexpected statusLine ${JSON.stringify(line)}`);
  return Number(s);
}

/** Parses /proc/mdstat as procfs's parseMDStat does; throws on a malformed array entry. */
export function parseMDStat(text: string): MDStat[] {
  const out: MDStat[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "" || line[0] === " " || line.startsWith("Personalities") || line.startsWith("unused")) return;
    const deviceFields = fields(line);
    if (deviceFields.length < 3) throw new Error(`not enough fields in mdline (expected at least 3): ${line}`);
    const name = deviceFields[0]!;
    let state = deviceFields[2]!;
    if (lines.length <= i + 3) throw new Error(`error parsing ${JSON.stringify(name)}: too few lines for md device`);
    // Failed disks carry the suffix (F), spares (S).
    const disksFailed = line.split("(F)").length - 1;
    const disksSpare = line.split("(S)").length - 1;
    const statusLine = lines[i + 1]!;
    const statusFields = fields(statusLine);
    if (statusFields.length < 1) throw new Error(`unexpected statusLine ${JSON.stringify(statusLine)}`);
    const size = parseInt64(statusFields[0]!, statusLine);
    let active = 0;
    let total = 0;
    let down = 0;
    if (line.includes("raid0") || line.includes("linear")) {
      // Only member disks carry a [n] in the device line.
      total = line.split("[").length - 1;
      active = total;
    } else if (!line.includes("inactive")) {
      const m = /(\d+) blocks .*\[(\d+)\/(\d+)\] \[([U_]+)\]/.exec(statusLine);
      if (m === null) throw new Error(`couldn't find all the substring matches: ${statusLine}`);
      total = Number(m[2]);
      active = Number(m[3]);
      down = m[4]!.split("_").length - 1;
    }
    let syncLineIdx = i + 2;
    if (lines[i + 2]!.includes("bitmap")) syncLineIdx++;
    const syncLine = lines[syncLineIdx] ?? "";
    let synced = size;
    const recovering = syncLine.includes("recovery");
    const resyncing = syncLine.includes("resync");
    const checking = syncLine.includes("check");
    if (recovering || resyncing || checking) {
      state = recovering ? "recovering" : checking ? "checking" : "resyncing";
      if (syncLine.includes("PENDING") || syncLine.includes("DELAYED")) {
        synced = 0;
      } else {
        const m = /\((\d+)\/\d+\)/.exec(syncLine);
        if (m === null) throw new Error(`error parsing sync line in md device ${JSON.stringify(name)}: unexpected recoveryLine: ${syncLine}`);
        synced = Number(m[1]);
      }
    }
    out.push({ name, activityState: state, disksActive: active, disksTotal: total, disksFailed, disksDown: down, disksSpare, blocksTotal: size, blocksSynced: synced });
  });
  return out;
}

/** Registers as upstream: "mdadm", enabled by default. */
export const mdadmCollector: CollectorFactory = {
  name: "mdadm",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        let text: string | null = null;
        try {
          text = await readText(ctx.procPath("mdstat"));
        } catch (e) {
          if (!isNotExist(e)) throw e;
          ctx.logger.debug("Not collecting mdstat, file does not exist", "file", ctx.settings.procfs);
        }
        if (text !== null) {
          for (const md of parseMDStat(text)) {
            for (const [label, key] of STATES) emit(stateDesc, md.activityState === key ? 1 : 0, md.name, label);
            emit(disksDesc, md.disksActive, md.name, "active");
            emit(disksDesc, md.disksFailed, md.name, "failed");
            emit(disksDesc, md.disksSpare, md.name, "spare");
            emit(disksRequiredDesc, md.disksTotal, md.name);
            emit(blocksDesc, md.blocksTotal, md.name);
            emit(blocksSyncedDesc, md.blocksSynced, md.name);
          }
        }
        // sysfs's Mdraids: every /sys/block/md*/md directory.
        const block = ctx.sysPath("block");
        const raids = (await listDir(block)).filter((n) => n.startsWith("md"));
        let found = 0;
        for (const name of raids) {
          const dir = path.join(block, name, "md");
          const raidDisks = await readIntAttr(path.join(dir, "raid_disks"));
          if (raidDisks === null) continue;
          found++;
          emit(raidDisksDesc, raidDisks, name);
          emit(degradedDesc, (await readIntAttr(path.join(dir, "degraded"))) ?? 0, name);
        }
        if (text === null && found === 0) throw new NoDataError("mdadm: no /proc/mdstat and no md devices in sysfs");
      },
    };
  },
};
