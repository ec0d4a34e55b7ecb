/**
 * The pressure collector: pressure stall information from /proc/pressure
 * (cpu, io, memory, irq), as total seconds waiting ("some") or stalled ("full").
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, isNotExist, readText } from "./collector.ts";

const c = MetricType.Counter;
const descs = {
  cpu: {
    some: newDesc("node_pressure_cpu_waiting_seconds_total", "Total time in seconds that processes have waited for CPU time", c),
    full: null,
  },
  io: {
    some: newDesc("node_pressure_io_waiting_seconds_total", "Total time in seconds that processes have waited due to IO congestion", c),
    full: newDesc("node_pressure_io_stalled_seconds_total", "Total time in seconds no process could make progress due to IO congestion", c),
  },
  memory: {
    some: newDesc("node_pressure_memory_waiting_seconds_total", "Total time in seconds that processes have waited for memory", c),
    full: newDesc("node_pressure_memory_stalled_seconds_total", "Total time in seconds no process could make progress due to memory congestion", c),
  },
  irq: {
    some: null,
    full: newDesc("node_pressure_irq_stalled_seconds_total", "Total time in seconds no process could make progress due to IRQ congestion", c),
  },
} as const;

/** Parses a PSI file: the "total" microseconds of its "some" and "full" lines (null when absent). */
export function parsePressure(text: string): { some: number | null; full: number | null } {
  const out: { some: number | null; full: number | null } = { some: null, full: null };
  for (const line of text.split("\n")) {
    const m = /^(some|full)\s.*\btotal=(\d+)/.exec(line);
    if (m) out[m[1] as "some" | "full"] = Number(m[2]);
  }
  return out;
}

/** Registers as upstream: "pressure", enabled by default. */
export const pressureCollector: CollectorFactory = {
  name: "pressure",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        for (const res of ["cpu", "io", "memory", "irq"] as const) {
          let text: string;
          try {
            text = await readText(ctx.procPath("pressure", res));
          } catch (e) {
            // NOTE: matches upstream: no PSI at all is "no data"; a missing irq file (older kernels) is skipped.
            if (isNotExist(e)) {
              if (res === "cpu") throw new NoDataError("pressure information is unavailable, you need a Linux kernel >= 4.20 and/or CONFIG_PSI enabled for your kernel");
              ctx.logger.debug("pressure information returned no data", "resource", res);
              continue;
            }
            throw e;
          }
          const p = parsePressure(text);
          const d = descs[res];
          if (d.some !== null && p.some !== null) emit(d.some, p.some / 1000 / 1000);
          if (d.full !== null && p.full !== null) emit(d.full, p.full / 1000 / 1000);
        }
      },
    };
  },
};
