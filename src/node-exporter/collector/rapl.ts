/**
 * The rapl collector: energy counters of Intel/AMD RAPL power zones
 * (microjoules in /sys/class/powercap/<zone>/energy_uj, joules here).
 */
import path from "node:path";
import { type Desc, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError } from "./collector.ts";
import { listDir, readAttr, readFloatAttr } from "./sysfs.ts";

const c = MetricType.Counter;
const zoneLabelDesc = newDesc("node_rapl_joules_total", "Current RAPL value in joules", c, ["index", "path", "rapl_zone"]);

/** Registers as upstream: "rapl", enabled by default. */
export const raplCollector: CollectorFactory = {
  name: "rapl",
  defaultEnabled: true,
  create(ctx) {
    const descs = new Map<string, Desc>();
    return {
      async collect(emit) {
        const base = ctx.sysPath("class/powercap");
        let zones = 0;
        for (const dir of await listDir(base)) {
          const zonePath = path.join(base, dir);
          // The control type directory (intel-rapl) has no name: skip it.
          const zoneName = await readAttr(path.join(zonePath, "name"));
          if (zoneName === null) continue;
          const idx = /:(\d+)$/.exec(dir);
          const index = idx === null ? "0" : idx[1]!;
          const energyUj = await readFloatAttr(path.join(zonePath, "energy_uj"));
          if (energyUj === null) {
            ctx.logger.debug("Can't read energy_uj", "zone", zonePath);
            continue;
          }
          zones++;
          const joules = energyUj / 1e6;
          if (ctx.settings.raplEnableZoneLabel) {
            emit(zoneLabelDesc, joules, index, zonePath, zoneName);
            continue;
          }
          // "package-0" and "dram" become node_rapl_package_joules_total and node_rapl_dram_joules_total.
          const metric = zoneName.split("-")[0]!.replace(/[^a-zA-Z0-9_]/g, "_");
          let d = descs.get(metric);
          if (d === undefined) descs.set(metric, (d = newDesc(`node_rapl_${metric}_joules_total`, `Current RAPL ${metric} value in joules`, c, ["index", "path"])));
          emit(d, joules, index, zonePath);
        }
        if (zones === 0) throw new NoDataError("rapl: no readable RAPL zones in /sys/class/powercap");
      },
    };
  },
};
