/**
 * The slabinfo collector: per-slab-cache object counts and sizes from
 * /proc/slabinfo (format 2.1), filtered by --collector.slabinfo.slabs-include
 * and -exclude.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, compileGoRegexp, fields, readText } from "./collector.ts";

const g = MetricType.Gauge;
const activeObjects = newDesc("node_slabinfo_active_objects", "The number of objects that are currently active (i.e., in use).", g, ["slab"]);
const objects = newDesc("node_slabinfo_objects", "The total number of allocated objects (i.e., objects that are both in use and not in use).", g, ["slab"]);
const objectSize = newDesc("node_slabinfo_object_size_bytes", "The size of objects in this slab, in bytes.", g, ["slab"]);
const objectsPerSlab = newDesc("node_slabinfo_objects_per_slab", "The number of objects stored in each slab.", g, ["slab"]);
const pagesPerSlab = newDesc("node_slabinfo_pages_per_slab", "The number of pages allocated for each slab.", g, ["slab"]);

/** One slab cache of /proc/slabinfo. */
export interface Slab {
  name: string;
  activeObjects: number;
  objects: number;
  objectSize: number;
  objectsPerSlab: number;
  pagesPerSlab: number;
}

/** Parses /proc/slabinfo version 2.1. Throws on another version. */
export function parseSlabinfo(text: string): Slab[] {
  const lines = text.split("\n");
  const version = /^slabinfo - version: (\S+)/.exec(lines[0] ?? "");
  if (!version || version[1] !== "2.1") throw new Error(`unsupported slabinfo version: ${JSON.stringify(lines[0] ?? "")}`);
  const out: Slab[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith("#")) continue;
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length < 6 || !f.slice(1, 6).every((v) => /^\d+$/.test(v))) throw new Error(`invalid slabinfo line: ${line}`);
    out.push({ name: f[0]!, activeObjects: Number(f[1]), objects: Number(f[2]), objectSize: Number(f[3]), objectsPerSlab: Number(f[4]), pagesPerSlab: Number(f[5]) });
  }
  return out;
}

/** Registers as upstream: "slabinfo", disabled by default. */
export const slabinfoCollector: CollectorFactory = {
  name: "slabinfo",
  defaultEnabled: false,
  create(ctx) {
    const s = ctx.settings;
    const include = s.slabinfoSlabsInclude !== "" ? compileGoRegexp(s.slabinfoSlabsInclude) : null;
    const exclude = s.slabinfoSlabsExclude !== "" ? compileGoRegexp(s.slabinfoSlabsExclude) : null;
    return {
      async collect(emit) {
        for (const slab of parseSlabinfo(await readText(ctx.procPath("slabinfo")))) {
          if (exclude !== null && exclude.test(slab.name)) continue;
          if (include !== null && !include.test(slab.name)) continue;
          emit(activeObjects, slab.activeObjects, slab.name);
          emit(objects, slab.objects, slab.name);
          emit(objectSize, slab.objectSize, slab.name);
          emit(objectsPerSlab, slab.objectsPerSlab, slab.name);
          emit(pagesPerSlab, slab.pagesPerSlab, slab.name);
        }
      },
    };
  },
};
