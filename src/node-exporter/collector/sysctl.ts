/**
 * The sysctl collector: the sysctls named by --collector.sysctl.include as
 * untyped node_sysctl_<name> (dots and dashes become underscores; a
 * multi-value sysctl gets an index label, or one metric per field with
 * "name:field0,field1,..."), and those named by
 * --collector.sysctl.include-info as node_sysctl_info{name,value[,index]} 1.
 */
import { type Emit, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, readText } from "./collector.ts";

const infoDesc = newDesc("node_sysctl_info", "sysctl info", MetricType.Gauge, ["name", "value"]);
const infoIndexedDesc = newDesc("node_sysctl_info", "sysctl info", MetricType.Gauge, ["name", "value", "index"]);

/** One requested sysctl: its dotted name, optional field names, and whether its values are numbers. */
export interface SysctlSpec {
  name: string;
  keys: string[];
  numeric: boolean;
}

/** Parses a flag value "name" or "name:key0,key1". */
export function parseSysctlSpec(s: string, numeric: boolean): SysctlSpec {
  const colon = s.indexOf(":");
  if (colon < 0) return { name: s, keys: [], numeric };
  return { name: s.slice(0, colon), keys: s.slice(colon + 1).split(","), numeric };
}

function metricName(name: string): string {
  return `node_sysctl_${name.replace(/[.-]/g, "_")}`;
}

/** Emits one sysctl's metrics from its whitespace-separated values; throws when they do not fit the spec. */
export function emitSysctl(spec: SysctlSpec, values: string[], emit: Emit): void {
  if (values.length === 0) throw new NoDataError(`sysctl ${spec.name} is empty`);
  const nums = spec.numeric
    ? values.map((v) => {
        if (!/^-?\d+$/.test(v)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
        return Number(v);
      })
    : [];
  if (values.length === 1) {
    if (spec.keys.length > 0) throw new Error(`sysctl ${spec.name} has only one value, but expected ${JSON.stringify(spec.keys)}`);
    if (spec.numeric) emit(newDesc(metricName(spec.name), `sysctl ${spec.name}`, MetricType.Untyped), nums[0]!);
    else emit(infoDesc, 1, spec.name, values[0]!);
    return;
  }
  if (spec.keys.length === 0) {
    const d = newDesc(metricName(spec.name), `sysctl ${spec.name}`, MetricType.Untyped, ["index"]);
    values.forEach((v, i) => (spec.numeric ? emit(d, nums[i]!, String(i)) : emit(infoIndexedDesc, 1, spec.name, v, String(i))));
    return;
  }
  if (values.length !== spec.keys.length) throw new Error(`sysctl ${spec.name} has ${values.length} keys but only ${spec.keys.length} defined in flag`);
  spec.keys.forEach((k, i) => {
    if (spec.numeric) emit(newDesc(`${metricName(spec.name)}_${k}`, `sysctl ${spec.name}, field ${i}`, MetricType.Untyped), nums[i]!);
    else emit(infoIndexedDesc, 1, spec.name, values[i]!, k);
  });
}

/** Registers as upstream: "sysctl", disabled by default. */
export const sysctlCollector: CollectorFactory = {
  name: "sysctl",
  defaultEnabled: false,
  create(ctx) {
    const specs = [
      ...ctx.settings.sysctlInclude.map((s) => parseSysctlSpec(s, true)),
      ...ctx.settings.sysctlIncludeInfo.map((s) => parseSysctlSpec(s, false)),
    ];
    return {
      async collect(emit) {
        for (const spec of specs) {
          const values = fields(await readText(ctx.procPath("sys", ...spec.name.split("."))));
          emitSysctl(spec, values, emit);
        }
      },
    };
  },
};
