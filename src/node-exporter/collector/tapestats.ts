/**
 * The tapestats collector: SCSI tape drive statistics from
 * /sys/class/scsi_tape/st<N>/stats (the n/a/l/m device variants share them
 * and are skipped), minus devices matching --collector.tapestats.ignored-devices.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { type Desc, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, compileGoRegexp, isNotExist, readText } from "./collector.ts";
import { parseUint64 } from "./sysfs.ts";

function desc(name: string, help: string, type: MetricType): Desc {
  return newDesc(`node_tape_${name}`, help, type, ["device"]);
}
const c = MetricType.Counter;

/** stats/<file> -> metric, with the scale applied (ns -> s). */
const STATS: readonly { file: string; desc: Desc; scale: number }[] = [
  { file: "in_flight", desc: desc("io_now", "The number of I/Os currently outstanding to this device.", MetricType.Gauge), scale: 1 },
  {
    file: "io_ns",
    desc: desc("io_time_seconds_total", "The amount of time spent waiting for all I/O to complete (including read and write). This includes tape movement commands such as seeking between file or set marks and implicit tape movement such as when rewind on close tape devices are used.", c),
    scale: 0.000000001,
  },
  {
    file: "other_cnt",
    desc: desc("io_others_total", "The number of I/Os issued to the tape drive other than read or write commands. The time taken to complete these commands uses the following calculation io_time_seconds_total-read_time_seconds_total-write_time_seconds_total", c),
    scale: 1,
  },
  { file: "read_byte_cnt", desc: desc("read_bytes_total", "The number of bytes read from the tape drive.", c), scale: 1 },
  { file: "read_cnt", desc: desc("reads_completed_total", "The number of read requests issued to the tape drive.", c), scale: 1 },
  { file: "read_ns", desc: desc("read_time_seconds_total", "The amount of time spent waiting for read requests to complete.", c), scale: 0.000000001 },
  {
    file: "resid_cnt",
    desc: desc("residual_total", "The number of times during a read or write we found the residual amount to be non-zero. This should mean that a program is issuing a read larger thean the block size on tape. For write not all data made it to tape.", c),
    scale: 1,
  },
  { file: "write_byte_cnt", desc: desc("written_bytes_total", "The number of bytes written to the tape drive.", c), scale: 1 },
  { file: "write_cnt", desc: desc("writes_completed_total", "The number of write requests issued to the tape drive.", c), scale: 1 },
  { file: "write_ns", desc: desc("write_time_seconds_total", "The amount of time spent waiting for write requests to complete.", c), scale: 0.000000001 },
];

/** Registers as upstream: "tapestats", enabled by default. */
export const tapestatsCollector: CollectorFactory = {
  name: "tapestats",
  defaultEnabled: true,
  create(ctx) {
    const ignored = compileGoRegexp(ctx.settings.tapestatsIgnoredDevices);
    return {
      async collect(emit) {
        const base = ctx.sysPath("class/scsi_tape");
        let names: string[];
        try {
          names = (readdirSync(base)).filter((n) => /^st\d+$/.test(n)).sort();
        } catch (e) {
          if (isNotExist(e)) {
            ctx.logger.debug("scsi_tape stats not found, skipping");
            throw new NoDataError("scsi_tape stats not found");
          }
          throw e;
        }
        // procfs reads every tape before reporting any, so one bad file fails the scrape.
        const tapes: { name: string; values: number[] }[] = [];
        for (const name of names) {
          const dir = path.join(base, name, "stats");
          const present = new Set(readdirSync(dir));
          const values: number[] = [];
          for (const s of STATS) {
            const v = present.has(s.file) ? Number(parseUint64((await readText(path.join(dir, s.file))).trim())) : 0;
            values.push(v);
          }
          tapes.push({ name, values });
        }
        for (const t of tapes) {
          if (ignored.test(t.name)) {
            ctx.logger.debug("Ignoring device", "device", t.name);
            continue;
          }
          STATS.forEach((s, i) => emit(s.desc, t.values[i]! * s.scale, t.name));
        }
      },
    };
  },
};
