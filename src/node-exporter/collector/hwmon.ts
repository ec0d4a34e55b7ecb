/**
 * The hwmon collector: hardware sensors (temperatures, voltages, fans, PWM,
 * power, ...) from /sys/class/hwmon/hwmon<N> and its device/ directory, as
 * node_hwmon_<type>_<property>[_<unit>]{chip,sensor}, the way lm-sensors
 * reads them. Chips are named from their device path, which is stable
 * across reboots, unlike the hwmon<N> numbering.
 */
import { readdirSync } from "node:fs";
import { lstat, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { type Emit, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, isNotExist } from "./collector.ts";
import { DeviceFilter } from "./filesystem.ts";

const g = MetricType.Gauge;
const labelNames = ["chip", "sensor"];
const chipNamesDesc = newDesc("node_hwmon_chip_names", "Annotation metric for human-readable chip names", g, ["chip", "chip_name"]);
const sensorLabelDesc = newDesc("node_hwmon_sensor_label", "Label for given chip and sensor", g, ["chip", "sensor", "label"]);
const SENSOR_TYPES = new Set(["vrm", "beep_enable", "update_interval", "in", "cpu", "fan", "pwm", "temp", "curr", "power", "energy", "humidity", "intrusion", "freq"]);
const FILENAME = /^([^0-9]+)([0-9]*)?(_(.+))?$/;
/** Upstream reads at most this many bytes of a sensor file, in one read(2). */
const MAX_READ = 128;

/** Lowercases and replaces characters outside [a-z0-9:_] with "_", trimming "_" (upstream's cleanMetricName). */
export function cleanMetricName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9:_]/g, "_").replace(/^_+|_+$/g, "");
}

/** Splits "temp1_input" into type "temp", number 1, property "input"; null when it does not parse. */
export function explodeSensorFilename(filename: string): { type: string; num: number; property: string } | null {
  const m = FILENAME.exec(filename);
  if (m === null) return null;
  const id = m[2] ?? "";
  const num = id === "" ? 0 : Number(id);
  if (!Number.isSafeInteger(num)) return null;
  return { type: m[1]!, num, property: m[4] ?? "" };
}

/** Go's strconv.ParseFloat for sensor values (decimal, exponent, inf, nan); null when invalid. */
function parseGoFloat(s: string): number | null {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  const t = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (t === "nan") return NaN;
  return null;
}

/** One read(2) of at most 128 bytes, newlines trimmed; null when the file cannot be read. */
async function readSensorFile(p: string): Promise<string | null> {
  try {
    const buf = await readFile(p);
    return buf.subarray(0, MAX_READ).toString("latin1").replace(/^\n+|\n+$/g, "");
  } catch {
    return null;
  }
}

/** Adds every sensor file of dir to data: sensor ("temp1") -> property ("input") -> raw value. */
async function collectSensorData(dir: string, data: Map<string, Map<string, string>>): Promise<void> {
  for (const file of (readdirSync(dir)).sort()) {
    const x = explodeSensorFilename(file);
    if (x === null || !SENSOR_TYPES.has(x.type)) continue;
    const value = await readSensorFile(path.join(dir, file));
    if (value === null) continue;
    const sensor = `${x.type}${x.num}`;
    let props = data.get(sensor);
    if (props === undefined) data.set(sensor, (props = new Map()));
    props.set(x.property, value);
  }
}

/** The chip label: <bus>_<device> from the device symlink, else the name file, else hwmon<N>. */
async function hwmonName(dir: string): Promise<string> {
  try {
    const devicePath = await realpath(path.join(dir, "device"));
    const devName = cleanMetricName(path.basename(devicePath));
    const devType = cleanMetricName(path.basename(path.dirname(devicePath)));
    if (devType !== "" && devName !== "") return `${devType}_${devName}`;
    if (devName !== "") return devName;
  } catch {
    // No device link: fall through to the name file.
  }
  const sysname = await readFile(path.join(dir, "name"), "latin1").catch(() => "");
  if (sysname !== "") {
    const clean = cleanMetricName(sysname);
    if (clean !== "") return clean;
  }
  const clean = cleanMetricName(path.basename(await realpath(dir)));
  if (clean !== "") return clean;
  throw new Error(`Could not derive a monitoring name for ${dir}`);
}

/** The human-readable chip type from the name file (duplicates allowed); null when there is none. */
async function humanReadableChipName(dir: string): Promise<string | null> {
  const sysname = await readFile(path.join(dir, "name"), "latin1").catch(() => "");
  const clean = cleanMetricName(sysname);
  return clean === "" ? null : clean;
}

function emitSensor(emit: Emit, chip: string, sensor: string, props: Map<string, string>): void {
  const type = explodeSensorFilename(sensor)!.type;
  const labels = [chip, sensor] as const;
  const label = props.get("label");
  if (label !== undefined) emit(sensorLabelDesc, 1, chip, sensor, Buffer.from(label, "latin1").toString("utf8"));

  const gauge = (name: string, help: string, v: number, ...l: string[]): void => emit(newDesc(name, help, g, labelNames), v, ...(l.length > 0 ? l : labels));
  if (type === "beep_enable") {
    gauge("node_hwmon_beep_enabled", "Hardware beep enabled", props.get("") === "1" ? 1 : 0);
    return;
  }
  if (type === "vrm" || type === "update_interval") {
    const v = parseGoFloat(props.get("") ?? "");
    if (v === null) return;
    if (type === "vrm") gauge("node_hwmon_voltage_regulator_version", "Hardware voltage regulator", v);
    else gauge("node_hwmon_update_interval_seconds", "Hardware monitor update interval", v * 0.001);
    return;
  }

  const prefix = `node_hwmon_${type}`;
  for (const [element, raw] of props) {
    if (element === "label") continue;
    let name = prefix;
    if (element === "input") {
      // input is the value; it only gets a suffix when a bare <type><n> file exists too.
      if (props.has("")) name += "_input";
    } else if (element !== "") {
      name += `_${cleanMetricName(element)}`;
    }
    const v = parseGoFloat(raw);
    if (v === null) continue;

    // Fault, alarm and beep are states without units.
    if (element === "fault" || element === "alarm") {
      gauge(name, `Hardware sensor ${element} status (${type})`, v);
    } else if (element === "beep") {
      gauge(`${name}_enabled`, "Hardware monitor sensor has beeping enabled", v);
    } else if (type === "in" || type === "cpu") {
      gauge(`${name}_volts`, `Hardware monitor for voltage (${element})`, v * 0.001);
    } else if (type === "temp" && element !== "type") {
      gauge(`${name}_celsius`, `Hardware monitor for temperature (${element === "" ? "input" : element})`, v * 0.001);
    } else if (type === "curr") {
      gauge(`${name}_amps`, `Hardware monitor for current (${element})`, v * 0.001);
    } else if (type === "energy") {
      emit(newDesc(`${name}_joule_total`, `Hardware monitor for joules used so far (${element})`, MetricType.Counter, labelNames), v / 1e6, ...labels);
    } else if (type === "power" && element === "accuracy") {
      gauge(name, "Hardware monitor power meter accuracy, as a ratio", v / 1e6);
    } else if (type === "power" && (element === "average_interval" || element === "average_interval_min" || element === "average_interval_max")) {
      gauge(`${name}_seconds`, `Hardware monitor power usage update interval (${element})`, v * 0.001);
    } else if (type === "power") {
      gauge(`${name}_watt`, `Hardware monitor for power usage in watts (${element})`, v / 1e6);
    } else if (type === "humidity") {
      gauge(name, `Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) (${element})`, v / 1e6);
    } else if (type === "fan" && (element === "input" || element === "min" || element === "max" || element === "target")) {
      gauge(`${name}_rpm`, `Hardware monitor for fan revolutions per minute (${element})`, v);
    } else if (type === "freq") {
      // NOTE: matches upstream: a labelled frequency input is reported with the label as the sensor.
      if (element === "input" && label !== undefined) gauge(`${name}_freq_mhz`, "Hardware monitor for GPU frequency in MHz", v / 1e6, chip, cleanMetricName(label));
    } else {
      gauge(name, `Hardware monitor ${type} element ${element}`, v);
    }
  }
}

/** Registers as upstream: "hwmon", enabled by default. */
export const hwmonCollector: CollectorFactory = {
  name: "hwmon",
  defaultEnabled: true,
  create(ctx) {
    const s = ctx.settings;
    const chipFilter = new DeviceFilter(s.hwmonChipExclude, s.hwmonChipInclude);
    const sensorFilter = new DeviceFilter(s.hwmonSensorExclude, s.hwmonSensorInclude);

    const updateHwmon = async (emit: Emit, dir: string, chip: string): Promise<void> => {
      if (chipFilter.ignored(chip)) {
        ctx.logger.debug("ignoring hwmon chip", "chip", chip);
        return;
      }
      const data = new Map<string, Map<string, string>>();
      await collectSensorData(dir, data);
      if (await stat(path.join(dir, "device")).then(() => true, () => false)) await collectSensorData(path.join(dir, "device"), data);
      const chipName = await humanReadableChipName(dir);
      if (chipName !== null) emit(chipNamesDesc, 1, chip, chipName);
      for (const [sensor, props] of data) {
        // Filtering is on "<chip>;<sensor>", so one sensor of one chip can be picked.
        if (sensorFilter.ignored(`${chip};${sensor}`)) {
          ctx.logger.debug("ignoring sensor", "sensor", sensor);
          continue;
        }
        emitSensor(emit, chip, sensor, props);
      }
    };

    return {
      async collect(emit) {
        const base = ctx.sysPath("class/hwmon");
        let entries: string[];
        try {
          entries = (readdirSync(base)).sort();
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("hwmon collector metrics are not available for this system");
          throw e;
        }
        let lastErr: unknown = null;
        const chips: { dir: string; chip: string }[] = [];
        for (const name of entries) {
          const dir = path.join(base, name);
          const info = await lstat(dir).then((l) => (l.isSymbolicLink() ? stat(dir) : l)).catch(() => null);
          if (info === null || !info.isDirectory()) continue;
          try {
            chips.push({ dir, chip: await hwmonName(dir) });
          } catch (e) {
            lastErr = e;
          }
        }
        // Several hwmon directories of one device (a multi-radio wifi card) would share a chip
        // label: each gets its own name file (or hwmon<N>) appended.
        const counts = new Map<string, number>();
        for (const c of chips) counts.set(c.chip, (counts.get(c.chip) ?? 0) + 1);
        for (const c of chips) {
          let chip = c.chip;
          if (counts.get(chip)! > 1) chip += `_${(await humanReadableChipName(c.dir)) ?? cleanMetricName(path.basename(c.dir))}`;
          try {
            await updateHwmon(emit, c.dir, chip);
          } catch (e) {
            lastErr = e;
          }
        }
        if (lastErr !== null) throw lastErr;
      },
    };
  },
};
