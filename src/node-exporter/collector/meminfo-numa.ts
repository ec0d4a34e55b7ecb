/**
 * The meminfo_numa collector: per-NUMA-node memory statistics from
 * /sys/devices/system/node/node<N>/meminfo (gauges in bytes, named
 * node_memory_numa_<Key>) and .../numastat (counters named
 * node_memory_numa_<key>_total), labelled by node.
 */
import { readdirSync } from "node:fs";
import { type Desc, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, parseFloatStrict, readText } from "./collector.ts";

/** One value of a node: metric suffix, value, and whether it is a counter (numastat) or a gauge (meminfo). */
export interface NumaValue {
  key: string;
  value: number;
  counter: boolean;
}

/** Parses a node's meminfo ("Node 0 Active(anon):  691324 kB"); kB values become bytes. */
export function parseNodeMeminfo(text: string): NumaValue[] {
  const out: NumaValue[] = [];
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length < 4 || !f[2]!.endsWith(":")) throw new Error(`invalid line in node meminfo: ${line}`);
    let v = parseFloatStrict(f[3]!);
    if (f.length === 5 && f[4] === "kB") v *= 1024;
    out.push({ key: f[2]!.slice(0, -1).replace(/\((.*)\)/, "_$1"), value: v, counter: false });
  }
  return out;
}

/** Parses a node's numastat ("numa_hit 193460335812") into counters named <key>_total. */
export function parseNodeNumastat(text: string): NumaValue[] {
  const out: NumaValue[] = [];
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length !== 2) throw new Error(`line scan did not return 2 fields: ${line}`);
    out.push({ key: `${f[0]}_total`, value: parseFloatStrict(f[1]!), counter: true });
  }
  return out;
}

/** Registers as upstream: "meminfo_numa", disabled by default. */
export const meminfoNumaCollector: CollectorFactory = {
  name: "meminfo_numa",
  defaultEnabled: false,
  create(ctx) {
    const descs = new Map<string, Desc>();
    return {
      async collect(emit) {
        const dir = ctx.sysPath("devices/system/node");
        let nodes: string[];
        try {
          nodes = (readdirSync(dir)).filter((n) => /^node\d+$/.test(n)).sort();
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("no NUMA nodes in sysfs");
          throw e;
        }
        if (nodes.length === 0) throw new NoDataError("no NUMA nodes in sysfs");
        for (const n of nodes) {
          const node = n.slice(4);
          const values = [
            ...parseNodeMeminfo(await readText(`${dir}/${n}/meminfo`)),
            ...parseNodeNumastat(await readText(`${dir}/${n}/numastat`)),
          ];
          for (const v of values) {
            const name = `node_memory_numa_${v.key}`;
            let d = descs.get(name);
            if (d === undefined) {
              d = newDesc(name, `Memory information field ${v.key}.`, v.counter ? MetricType.Counter : MetricType.Gauge, ["node"]);
              descs.set(name, d);
            }
            emit(d, v.value, node);
          }
        }
      },
    };
  },
};
