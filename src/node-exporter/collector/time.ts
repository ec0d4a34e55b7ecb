/**
 * The time collector: system time, time zone offset, and the available and
 * current clocksources from /sys/devices/system/clocksource.
 */
import { readdirSync } from "node:fs";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, isNotExist, readText } from "./collector.ts";

const g = MetricType.Gauge;
const now = newDesc("node_time_seconds", "System time in seconds since epoch (1970).", g);
const zone = newDesc("node_time_zone_offset_seconds", "System time zone offset in seconds.", g, ["time_zone"]);
const available = newDesc("node_time_clocksource_available_info", "Available clocksources read from '/sys/devices/system/clocksource'.", g, ["device", "clocksource"]);
const current = newDesc("node_time_clocksource_current_info", "Current clocksource read from '/sys/devices/system/clocksource'.", g, ["device", "clocksource"]);

/** Formats the zone name; built once, as building one costs more than a whole scrape of this collector. */
const zoneFormat = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" });

/** The abbreviated name of the local time zone at t ("UTC", "CET", ...), like Go's Time.Zone(). */
function zoneName(t: Date): string {
  const part = zoneFormat.formatToParts(t).find((p) => p.type === "timeZoneName");
  return part?.value ?? "UTC";
}

/** Builds the time collector; nowMs gives the clock (injected in tests). */
export function newTimeCollector(nowMs: () => number): CollectorFactory {
  return {
    name: "time",
    defaultEnabled: true,
    create(ctx) {
      return {
        async collect(emit) {
          const t = nowMs();
          const d = new Date(t);
          emit(now, t / 1000);
          emit(zone, -d.getTimezoneOffset() * 60, zoneName(d));
          let entries: string[];
          try {
            entries = readdirSync(ctx.sysPath("devices/system/clocksource"));
          } catch (e) {
            if (isNotExist(e)) {
              ctx.logger.debug("no clocksource in sysfs");
              return;
            }
            throw e;
          }
          for (const name of entries.filter((n) => /^clocksource\d+$/.test(n)).sort()) {
            const device = name.slice("clocksource".length);
            const dir = ctx.sysPath("devices/system/clocksource", name);
            for (const cs of fields(await readText(`${dir}/available_clocksource`))) emit(available, 1, device, cs);
            for (const cs of fields(await readText(`${dir}/current_clocksource`))) emit(current, 1, device, cs);
          }
        },
      };
    },
  };
}

/** Registers as upstream: "time", enabled by default, on the wall clock. */
export const timeCollector: CollectorFactory = newTimeCollector(() => Date.now());
