/**
 * The lnstat collector: the per-CPU network cache statistics of
 * /proc/net/stat/* (arp_cache, ndisc_cache, nf_conntrack, ...), one counter
 * node_lnstat_<column>_total{subsystem=<file>,cpu=<row>} per header column.
 */
import path from "node:path";
import { type Desc, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, readText } from "./collector.ts";
import { listDir } from "./sysfs.ts";

/** One /proc/net/stat file: column name -> one value per CPU row. */
export interface NetStatFile {
  filename: string;
  stats: Map<string, number[]>;
}

/** Parses one /proc/net/stat file: a header line, then rows of hexadecimal counters. Throws on a bad value. */
export function parseNetStat(filename: string, text: string): NetStatFile {
  const lines = text.split("\n");
  const headers = fields(lines[0] ?? "");
  const stats = new Map<string, number[]>();
  for (const line of lines.slice(1)) {
    fields(line).forEach((counter, i) => {
      if (!/^[0-9a-fA-F]+$/.test(counter)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(counter)}: invalid syntax`);
      const header = headers[i] ?? "";
      const list = stats.get(header) ?? [];
      list.push(Number(BigInt(`0x${counter}`)));
      stats.set(header, list);
    });
  }
  return { filename, stats };
}

/** Registers as upstream: "lnstat", disabled by default. */
export const lnstatCollector: CollectorFactory = {
  name: "lnstat",
  defaultEnabled: false,
  create(ctx) {
    const descs = new Map<string, Desc>();
    const desc = (header: string): Desc => {
      let d = descs.get(header);
      if (d === undefined) {
        d = newDesc(`node_lnstat_${header}_total`, "linux network cache stats", MetricType.Counter, ["subsystem", "cpu"]);
        descs.set(header, d);
      }
      return d;
    };
    return {
      async collect(emit) {
        const dir = ctx.procPath("net/stat");
        const files: NetStatFile[] = [];
        for (const name of await listDir(dir)) files.push(parseNetStat(name, await readText(path.join(dir, name))));
        for (const f of files) {
          for (const [header, values] of f.stats) values.forEach((v, cpu) => emit(desc(header), v, f.filename, String(cpu)));
        }
      },
    };
  },
};
