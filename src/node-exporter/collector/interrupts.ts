/**
 * The interrupts collector: interrupt counts per CPU from /proc/interrupts
 * as node_interrupts_total{cpu,type,info,devices}, optionally filtered by
 * interrupt name (--collector.interrupts.name-include / -exclude) and
 * without zero counts (--no-collector.interrupts.include-zeros).
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, compileGoRegexp, fields, parseFloatStrict, readText } from "./collector.ts";

const total = newDesc("node_interrupts_total", "Interrupt details.", MetricType.Counter, ["cpu", "type", "info", "devices"]);

/** One /proc/interrupts row: raw per-CPU values, the chip/description and (numbered IRQs) the devices. */
export interface Interrupt {
  values: string[];
  info: string;
  devices: string;
}

/** Parses /proc/interrupts; rows with fewer columns than CPUs plus one (ERR, MIS) are skipped, as upstream does. */
export function parseInterrupts(text: string): Map<string, Interrupt> {
  const lines = text.split("\n");
  if (lines.length === 0 || lines[0]!.trim() === "") throw new Error("interrupts empty");
  const cpus = fields(lines[0]!).length;
  const out = new Map<string, Interrupt>();
  for (const line of lines.slice(1)) {
    // aarch64 may put no space between the name and the values: split on the first ":".
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const parts = fields(line.slice(colon + 1));
    if (parts.length < cpus + 1) continue;
    const name = line.slice(0, colon).trimStart();
    const numbered = /^\d+$/.test(name);
    out.set(name, {
      values: parts.slice(0, cpus),
      info: numbered ? parts[cpus]! : parts.slice(cpus).join(" "),
      devices: numbered ? parts.slice(cpus + 1).join(" ") : "",
    });
  }
  return out;
}

/** Registers as upstream: "interrupts", disabled by default. */
export const interruptsCollector: CollectorFactory = {
  name: "interrupts",
  defaultEnabled: false,
  create(ctx) {
    const s = ctx.settings;
    const include = s.interruptsNameInclude !== null ? compileGoRegexp(s.interruptsNameInclude) : null;
    const exclude = s.interruptsNameExclude !== null ? compileGoRegexp(s.interruptsNameExclude) : null;
    return {
      async collect(emit) {
        let interrupts: Map<string, Interrupt>;
        try {
          interrupts = parseInterrupts(await readText(ctx.procPath("interrupts")));
        } catch (e) {
          throw new Error(`couldn't get interrupts: ${(e as Error).message}`);
        }
        for (const [name, irq] of interrupts) {
          if (exclude !== null && exclude.test(name)) continue;
          if (include !== null && !include.test(name)) continue;
          irq.values.forEach((raw, cpu) => {
            const v = parseFloatStrict(raw);
            if (!s.interruptsIncludeZeros && v === 0) return;
            emit(total, v, String(cpu), name, irq.info, irq.devices);
          });
        }
      },
    };
  },
};
