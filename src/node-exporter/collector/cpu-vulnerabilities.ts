/**
 * The cpu_vulnerabilities collector: the kernel's view of every CPU
 * vulnerability in /sys/devices/system/cpu/vulnerabilities, as
 * node_cpu_vulnerabilities_info{codename,state,mitigation} 1.
 */
import { readdirSync } from "node:fs";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, readText } from "./collector.ts";

const info = newDesc(
  "node_cpu_vulnerabilities_info",
  "Details of each CPU vulnerability reported by sysfs. The value of the series is an int encoded state of the vulnerability. The same state is stored as a string in the label",
  MetricType.Gauge,
  ["codename", "state", "mitigation"],
);

/** Parses one vulnerability file into its state ("not affected", "vulnerable", "mitigation", "unknown") and mitigation text. */
export function parseVulnerability(content: string): { state: string; mitigation: string } {
  const s = content.trim();
  if (s === "Not affected") return { state: "not affected", mitigation: "" };
  for (const [prefix, state] of [["Vulnerable", "vulnerable"], ["Mitigation", "mitigation"], ["Unknown", "unknown"]] as const) {
    if (s.startsWith(prefix)) return { state, mitigation: s.slice(prefix.length).replace(/^: /, "") };
  }
  throw new Error(`unknown vulnerability state: ${JSON.stringify(s)}`);
}

/** Registers as upstream: "cpu_vulnerabilities", disabled by default. */
export const cpuVulnerabilitiesCollector: CollectorFactory = {
  name: "cpu_vulnerabilities",
  defaultEnabled: false,
  create(ctx) {
    return {
      async collect(emit) {
        const dir = ctx.sysPath("devices/system/cpu/vulnerabilities");
        for (const name of (readdirSync(dir)).sort()) {
          const v = parseVulnerability(await readText(`${dir}/${name}`));
          emit(info, 1, name, v.state, v.mitigation);
        }
      },
    };
  },
};
