/**
 * The softirqs collector: softirq counts per type and CPU from /proc/softirqs
 * as node_softirqs_functions_total{cpu,type}.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, parseFloatStrict, readText } from "./collector.ts";

const functions = newDesc("node_softirqs_functions_total", "Softirq counts per CPU.", MetricType.Counter, ["cpu", "type"]);

/** Parses /proc/softirqs into type -> per-CPU counts (CPU i at index i). */
export function parseSoftirqs(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const lines = text.split("\n");
  const cpus = fields(lines[0] ?? "").length;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const values = fields(line.slice(colon + 1));
    if (values.length < cpus) throw new Error(`invalid softirqs line: ${line}`);
    out.set(line.slice(0, colon).trim(), values.slice(0, cpus).map(parseFloatStrict));
  }
  return out;
}

/** Registers as upstream: "softirqs", disabled by default. */
export const softirqsCollector: CollectorFactory = {
  name: "softirqs",
  defaultEnabled: false,
  create(ctx) {
    return {
      async collect(emit) {
        for (const [type, counts] of parseSoftirqs(await readText(ctx.procPath("softirqs")))) {
          counts.forEach((v, cpu) => emit(functions, v, String(cpu), type));
        }
      },
    };
  },
};
