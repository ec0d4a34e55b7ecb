/**
 * The powersupplyclass collector: batteries and mains adapters from
 * /sys/class/power_supply/<supply>, one gauge per numeric attribute
 * (micro-units in sysfs, base units here) and node_power_supply_info
 * with the string attributes as labels. Supplies matching
 * --collector.powersupply.ignored-supplies are skipped.
 */
import path from "node:path";
import { type Desc, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, compileGoRegexp } from "./collector.ts";
import { isDir, listDir, readAttr } from "./sysfs.ts";

const g = MetricType.Gauge;

/** Numeric attribute files, their metric name and the divisor to base units, in upstream's order. */
const numeric: { file: string; desc: Desc; divisor: number }[] = (
  [
    ["authentic", "authentic", 1], ["calibrate", "calibrate", 1], ["capacity", "capacity", 1],
    ["capacity_alert_max", "capacity_alert_max", 1], ["capacity_alert_min", "capacity_alert_min", 1],
    ["cycle_count", "cyclecount", 1], ["online", "online", 1], ["present", "present", 1],
    ["time_to_empty_now", "time_to_empty_seconds", 1], ["time_to_full_now", "time_to_full_seconds", 1],
    ["current_boot", "current_boot", 1e6], ["current_max", "current_max", 1e6], ["current_now", "current_ampere", 1e6],
    ["energy_empty", "energy_empty", 1e6], ["energy_empty_design", "energy_empty_design", 1e6],
    ["energy_full", "energy_full", 1e6], ["energy_full_design", "energy_full_design", 1e6], ["energy_now", "energy_watthour", 1e6],
    ["voltage_boot", "voltage_boot", 1e6], ["voltage_max", "voltage_max", 1e6], ["voltage_max_design", "voltage_max_design", 1e6],
    ["voltage_min", "voltage_min", 1e6], ["voltage_min_design", "voltage_min_design", 1e6], ["voltage_now", "voltage_volt", 1e6],
    ["voltage_ocv", "voltage_ocv", 1e6], ["charge_control_limit", "charge_control_limit", 1e6],
    ["charge_control_limit_max", "charge_control_limit_max", 1e6], ["charge_counter", "charge_counter", 1e6],
    ["charge_empty", "charge_empty", 1e6], ["charge_empty_design", "charge_empty_design", 1e6],
    ["charge_full", "charge_full", 1e6], ["charge_full_design", "charge_full_design", 1e6], ["charge_now", "charge_ampere", 1e6],
    ["charge_term_current", "charge_term_current", 1e6], ["constant_charge_current", "constant_charge_current", 1e6],
    ["constant_charge_current_max", "constant_charge_current_max", 1e6], ["constant_charge_voltage", "constant_charge_voltage", 1e6],
    ["constant_charge_voltage_max", "constant_charge_voltage_max", 1e6], ["precharge_current", "precharge_current", 1e6],
    ["input_current_limit", "input_current_limit", 1e6], ["power_now", "power_watt", 1e6],
    // Temperatures are in tenths of a degree Celsius.
    ["temp", "temp_celsius", 10], ["temp_alert_max", "temp_alert_max_celsius", 10], ["temp_alert_min", "temp_alert_min_celsius", 10],
    ["temp_ambient", "temp_ambient_celsius", 10], ["temp_ambient_max", "temp_ambient_max_celsius", 10],
    ["temp_ambient_min", "temp_ambient_min_celsius", 10], ["temp_max", "temp_max_celsius", 10], ["temp_min", "temp_min_celsius", 10],
  ] as const
).map(([file, name, divisor]) => ({ file, divisor, desc: newDesc(`node_power_supply_${name}`, `${name} value of /sys/class/power_supply/<power_supply>.`, g, ["power_supply"]) }));

/** String attribute files that become labels of node_power_supply_info when non-empty. */
const infoAttrs = ["capacity_level", "charge_type", "health", "manufacturer", "model_name", "serial_number", "status", "technology", "type", "usb_type", "scope"];

/** Registers as upstream: "powersupplyclass", enabled by default. */
export const powersupplyclassCollector: CollectorFactory = {
  name: "powersupplyclass",
  defaultEnabled: true,
  create(ctx) {
    const ignored = compileGoRegexp(ctx.settings.powersupplyIgnoredSupplies);
    return {
      async collect(emit) {
        const base = ctx.sysPath("class/power_supply");
        for (const supply of await listDir(base)) {
          const dir = path.join(base, supply);
          if (ignored.test(supply) || !(await isDir(dir))) continue;
          for (const n of numeric) {
            const raw = await readAttr(path.join(dir, n.file));
            if (raw === null || !/^[+-]?\d+$/.test(raw)) continue;
            emit(n.desc, Number(raw) / n.divisor, supply);
          }
          const keys = ["power_supply"];
          const values = [supply];
          for (const a of infoAttrs) {
            const v = await readAttr(path.join(dir, a));
            if (v === null || v === "") continue;
            keys.push(a);
            values.push(v);
          }
          emit(newDesc("node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.", g, keys), 1, ...values);
        }
      },
    };
  },
};
