/**
 * The diskstats collector: per-device I/O counters from /proc/diskstats
 * (sectors turned into bytes, milliseconds into seconds), node_disk_info
 * from udev's database (--path.udev.data) and /sys/block/<dev>/queue, and
 * filesystem, device-mapper and ATA details from udev properties.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, DEFAULT_SETTINGS, fields, readText } from "./collector.ts";
import { DeviceFilter } from "./filesystem.ts";

const g = MetricType.Gauge;
const c = MetricType.Counter;
const dev = ["device"];
/** Milliseconds per kernel tick in /proc/diskstats time columns. */
const SECONDS_PER_TICK = 1 / 1000;
/** /proc/diskstats counts "standard UNIX 512-byte sectors" whatever the device's sector size. */
const UNIX_SECTOR_SIZE = 512;

const infoDesc = newDesc("node_disk_info", "Info of /sys/block/<block_device>.", g, ["device", "major", "minor", "path", "wwn", "model", "serial", "revision", "rotational"]);
/** The /proc/diskstats columns after the device name, in order, with their scale. */
const statDescs = [
  { d: newDesc("node_disk_reads_completed_total", "The total number of reads completed successfully.", c, dev), scale: 1 },
  { d: newDesc("node_disk_reads_merged_total", "The total number of reads merged.", c, dev), scale: 1 },
  { d: newDesc("node_disk_read_bytes_total", "The total number of bytes read successfully.", c, dev), scale: UNIX_SECTOR_SIZE },
  { d: newDesc("node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.", c, dev), scale: SECONDS_PER_TICK },
  { d: newDesc("node_disk_writes_completed_total", "The total number of writes completed successfully.", c, dev), scale: 1 },
  { d: newDesc("node_disk_writes_merged_total", "The number of writes merged.", c, dev), scale: 1 },
  { d: newDesc("node_disk_written_bytes_total", "The total number of bytes written successfully.", c, dev), scale: UNIX_SECTOR_SIZE },
  { d: newDesc("node_disk_write_time_seconds_total", "This is the total number of seconds spent by all writes.", c, dev), scale: SECONDS_PER_TICK },
  { d: newDesc("node_disk_io_now", "The number of I/Os currently in progress.", g, dev), scale: 1 },
  { d: newDesc("node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", c, dev), scale: SECONDS_PER_TICK },
  { d: newDesc("node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", c, dev), scale: SECONDS_PER_TICK },
  { d: newDesc("node_disk_discards_completed_total", "The total number of discards completed successfully.", c, dev), scale: 1 },
  { d: newDesc("node_disk_discards_merged_total", "The total number of discards merged.", c, dev), scale: 1 },
  // NOTE: matches upstream, which exports discarded sectors as a sector count.
  { d: newDesc("node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.", c, dev), scale: 1 },
  { d: newDesc("node_disk_discard_time_seconds_total", "This is the total number of seconds spent by all discards.", c, dev), scale: SECONDS_PER_TICK },
  { d: newDesc("node_disk_flush_requests_total", "The total number of flush requests completed successfully", c, dev), scale: 1 },
  { d: newDesc("node_disk_flush_requests_time_seconds_total", "This is the total number of seconds spent by all flush requests.", c, dev), scale: SECONDS_PER_TICK },
];
const filesystemInfoDesc = newDesc("node_disk_filesystem_info", "Info about disk filesystem.", g, ["device", "type", "usage", "uuid", "version"]);
const deviceMapperInfoDesc = newDesc("node_disk_device_mapper_info", "Info about disk device mapper.", g, ["device", "name", "uuid", "vg_name", "lv_name", "lv_layer"]);
const ataDescs = [
  { prop: "ID_ATA_WRITE_CACHE", d: newDesc("node_disk_ata_write_cache", "ATA disk has a write cache.", g, dev) },
  { prop: "ID_ATA_WRITE_CACHE_ENABLED", d: newDesc("node_disk_ata_write_cache_enabled", "ATA disk has its write cache enabled.", g, dev) },
  { prop: "ID_ATA_ROTATION_RATE_RPM", d: newDesc("node_disk_ata_rotation_rate_rpm", "ATA disk rotation rate in RPMs (0 for SSDs).", g, dev) },
];

/** One /proc/diskstats line: identity and the 11 to 17 statistics columns present. */
export interface DiskStats {
  major: number;
  minor: number;
  device: string;
  /** Raw column values after the device name (11 on old kernels, 15 from 4.18, 17 from 5.5). */
  stats: number[];
}

/** Parses /proc/diskstats; throws on a line with fewer than 14 fields. */
export function parseDiskstats(text: string): DiskStats[] {
  const out: DiskStats[] = [];
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length < 14) throw new Error(`invalid line in diskstats: ${JSON.stringify(line)}`);
    out.push({ major: Number(f[0]), minor: Number(f[1]), device: f[2]!, stats: f.slice(3, 3 + statDescs.length).map(Number) });
  }
  return out;
}

/** Parses a udev database file: the "E:KEY=value" property lines. */
export function parseUdevProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("E:")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    out.set(line.slice(2, eq), line.slice(eq + 1));
  }
  return out;
}

/** Registers as upstream: "diskstats", enabled by default. */
export const diskstatsCollector: CollectorFactory = {
  name: "diskstats",
  defaultEnabled: true,
  create(ctx) {
    const s = ctx.settings;
    // NOTE: matches upstream: an include flag replaces the exclude flag left at its default.
    const exclude = s.diskstatsDeviceInclude !== null && s.diskstatsDeviceExclude === DEFAULT_SETTINGS.diskstatsDeviceExclude ? "" : s.diskstatsDeviceExclude;
    if (exclude !== "" && s.diskstatsDeviceInclude !== null) throw new Error("device-exclude & device-include are mutually exclusive");
    const filter = new DeviceFilter(exclude, s.diskstatsDeviceInclude);
    return {
      async collect(emit) {
        const disks = parseDiskstats(await readText(ctx.procPath("diskstats")));
        // Only read udev properties when the directory is there, like upstream.
        const udevDir = await stat(s.udevData).then((st) => st.isDirectory(), () => false);
        if (!udevDir) ctx.logger.debug("Failed to open udev directory, disabling udev device properties", "path", s.udevData);
        for (const d of disks) {
          if (filter.ignored(d.device)) continue;
          let info = new Map<string, string>();
          if (udevDir) {
            try {
              info = parseUdevProperties(await readText(path.join(s.udevData, `b${d.major}:${d.minor}`)));
            } catch (e) {
              ctx.logger.debug("Failed to parse udev info", "err", e);
            }
          }
          const prop = (k: string): string => info.get(k) ?? "";
          // This is usually the serial printed on the disk label.
          const serial = prop("SCSI_IDENT_SERIAL") || prop("ID_SERIAL_SHORT") || prop("ID_SERIAL");
          let rotational = "0";
          try {
            rotational = (await readText(ctx.sysPath("block", d.device, "queue/rotational"))).trim();
          } catch (e) {
            ctx.logger.debug("Failed to get block device queue stats", "device", d.device, "err", e);
          }
          emit(infoDesc, 1, d.device, String(d.major), String(d.minor), prop("ID_PATH"), prop("ID_WWN"), prop("ID_MODEL"), serial, prop("ID_REVISION"), rotational);
          d.stats.forEach((v, i) => emit(statDescs[i]!.d, v * statDescs[i]!.scale, d.device));

          const fsType = prop("ID_FS_TYPE");
          if (fsType !== "") emit(filesystemInfoDesc, 1, d.device, fsType, prop("ID_FS_USAGE"), prop("ID_FS_UUID"), prop("ID_FS_VERSION"));
          const dmName = prop("DM_NAME");
          if (dmName !== "") emit(deviceMapperInfoDesc, 1, d.device, dmName, prop("DM_UUID"), prop("DM_VG_NAME"), prop("DM_LV_NAME"), prop("DM_LV_LAYER"));
          if (prop("ID_ATA") !== "") {
            for (const a of ataDescs) {
              const v = info.get(a.prop);
              if (v === undefined) {
                ctx.logger.debug("Udev attribute does not exist", "attribute", a.prop);
                continue;
              }
              const n = Number(v);
              if (v.trim() !== "" && !Number.isNaN(n)) emit(a.d, n, d.device);
              else ctx.logger.debug("Failed to parse ATA value", "attribute", a.prop, "err", `invalid syntax: ${v}`);
            }
          }
        }
      },
    };
  },
};
