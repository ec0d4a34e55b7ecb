/**
 * The thermal_zone collector: zone temperatures (millidegrees in sysfs,
 * degrees Celsius here) and cooling device states from /sys/class/thermal.
 */
import path from "node:path";
import { MetricType, newDesc } from "../../exposition/index.ts";
import type { CollectorFactory } from "./collector.ts";
import { listDir, readAttr, readIntAttr } from "./sysfs.ts";

const g = MetricType.Gauge;
const zoneTemp = newDesc("node_thermal_zone_temp", "Zone temperature in Celsius", g, ["zone", "type"]);
const curState = newDesc("node_cooling_device_cur_state", "Current throttle state of the cooling device", g, ["name", "type"]);
const maxState = newDesc("node_cooling_device_max_state", "Maximum throttle state of the cooling device", g, ["name", "type"]);

/** Registers as upstream: "thermal_zone", enabled by default. */
export const thermalZoneCollector: CollectorFactory = {
  name: "thermal_zone",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const base = ctx.sysPath("class/thermal");
        for (const name of await listDir(base)) {
          const dir = path.join(base, name);
          const zone = /^thermal_zone(\d+)$/.exec(name);
          if (zone !== null) {
            // A zone whose sensor cannot be read right now (EINVAL, ENODATA) is left out.
            const temp = await readIntAttr(path.join(dir, "temp"));
            const type = await readAttr(path.join(dir, "type"));
            if (temp !== null && type !== null) emit(zoneTemp, temp / 1000, zone[1]!, type);
            continue;
          }
          const dev = /^cooling_device(\d+)$/.exec(name);
          if (dev !== null) {
            const type = await readAttr(path.join(dir, "type"));
            const max = await readIntAttr(path.join(dir, "max_state"));
            const cur = await readIntAttr(path.join(dir, "cur_state"));
            if (type === null || max === null) continue;
            if (cur !== null) emit(curState, cur, dev[1]!, type);
            emit(maxState, max, dev[1]!, type);
          }
        }
      },
    };
  },
};
