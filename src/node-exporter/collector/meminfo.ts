/**
 * The meminfo collector: one gauge per /proc/meminfo line, named
 * node_memory_<Key>[_bytes]; "Active(anon)" becomes "Active_anon", and kB
 * values are turned into bytes with a _bytes suffix.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, parseFloatStrict, readText } from "./collector.ts";

/** Parses /proc/meminfo into metric-name suffixes and values (bytes where the kernel says kB). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const parts = fields(line);
    if (parts.length === 0) continue;
    const rawKey = parts[0]!;
    if (!rawKey.endsWith(":") || parts.length < 2) throw new Error(`invalid line in meminfo: ${line}`);
    let key = rawKey.slice(0, -1).replace(/\((.*)\)/, "_$1");
    let v = parseFloatStrict(parts[1]!);
    if (parts.length === 3) {
      if (parts[2] !== "kB") throw new Error(`unsupported unit in meminfo: ${parts[2]}`);
      v *= 1024;
      key += "_bytes";
    } else if (parts.length > 3) {
      throw new Error(`invalid line in meminfo: ${line}`);
    }
    out.set(key, v);
  }
  return out;
}

/** Registers as upstream: "meminfo", enabled by default. */
export const meminfoCollector: CollectorFactory = {
  name: "meminfo",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const info = parseMeminfo(await readText(ctx.procPath("meminfo")));
        for (const [k, v] of info) {
          emit(newDesc(`node_memory_${k}`, `Memory information field ${k}.`, MetricType.Gauge), v);
        }
      },
    };
  },
};
