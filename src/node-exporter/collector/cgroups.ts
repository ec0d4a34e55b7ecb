/**
 * The cgroups collector: the number of control groups of each cgroup v1
 * subsystem, and whether it is enabled, from /proc/cgroups.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, readText } from "./collector.ts";

const g = MetricType.Gauge;
const cgroups = newDesc("node_cgroups_cgroups", "Current cgroup number of the subsystem.", g, ["subsys_name"]);
// NOTE: matches upstream, whose HELP for "enabled" repeats the one of "cgroups".
const enabled = newDesc("node_cgroups_enabled", "Current cgroup number of the subsystem.", g, ["subsys_name"]);

/** One /proc/cgroups row. */
export interface CgroupSummary {
  subsysName: string;
  hierarchy: number;
  cgroups: number;
  enabled: number;
}

/** Parses /proc/cgroups ("#subsys_name hierarchy num_cgroups enabled" header, then one row per subsystem). */
export function parseCgroups(text: string): CgroupSummary[] {
  const out: CgroupSummary[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length < 4 || !f.slice(1, 4).every((v) => /^\d+$/.test(v))) throw new Error(`invalid cgroups line: ${line}`);
    out.push({ subsysName: f[0]!, hierarchy: Number(f[1]), cgroups: Number(f[2]), enabled: Number(f[3]) });
  }
  return out;
}

/** Registers as upstream: "cgroups", disabled by default. */
export const cgroupsCollector: CollectorFactory = {
  name: "cgroups",
  defaultEnabled: false,
  create(ctx) {
    return {
      async collect(emit) {
        for (const s of parseCgroups(await readText(ctx.procPath("cgroups")))) {
          emit(cgroups, s.cgroups, s.subsysName);
          emit(enabled, s.enabled, s.subsysName);
        }
      },
    };
  },
};
