/**
 * The cpufreq collector: per-CPU frequencies (kHz in sysfs, hertz here) and
 * the scaling governor from /sys/devices/system/cpu/cpu<N>/cpufreq.
 */
import path from "node:path";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError } from "./collector.ts";
import { isDir, listDir, readAttr, readFloatAttr } from "./sysfs.ts";

const g = MetricType.Gauge;
const governorDesc = newDesc("node_cpu_scaling_governor", "Current enabled CPU frequency governor.", g, ["cpu", "governor"]);
/** The frequency files (kHz), in upstream's emission order. */
const frequencies = [
  { file: "cpuinfo_cur_freq", desc: newDesc("node_cpu_frequency_hertz", "Current CPU thread frequency in hertz.", g, ["cpu"]) },
  { file: "cpuinfo_min_freq", desc: newDesc("node_cpu_frequency_min_hertz", "Minimum CPU thread frequency in hertz.", g, ["cpu"]) },
  { file: "cpuinfo_max_freq", desc: newDesc("node_cpu_frequency_max_hertz", "Maximum CPU thread frequency in hertz.", g, ["cpu"]) },
  { file: "scaling_cur_freq", desc: newDesc("node_cpu_scaling_frequency_hertz", "Current scaled CPU thread frequency in hertz.", g, ["cpu"]) },
  { file: "scaling_min_freq", desc: newDesc("node_cpu_scaling_frequency_min_hertz", "Minimum scaled CPU thread frequency in hertz.", g, ["cpu"]) },
  { file: "scaling_max_freq", desc: newDesc("node_cpu_scaling_frequency_max_hertz", "Maximum scaled CPU thread frequency in hertz.", g, ["cpu"]) },
];

/** Registers as upstream: "cpufreq", enabled by default. */
export const cpufreqCollector: CollectorFactory = {
  name: "cpufreq",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const base = ctx.sysPath("devices/system/cpu");
        let cpus = 0;
        for (const name of await listDir(base)) {
          const m = /^cpu(\d+)$/.exec(name);
          if (m === null) continue;
          cpus++;
          const dir = path.join(base, name, "cpufreq");
          // NOTE: matches node_exporter (procfs SystemCpufreq), which skips CPUs without a cpufreq
          // directory and succeeds with no metrics when none has one (VMs, containers).
          if (!(await isDir(dir))) continue;
          const cpu = m[1]!;
          for (const f of frequencies) {
            const khz = await readFloatAttr(path.join(dir, f.file));
            if (khz !== null) emit(f.desc, khz * 1000, cpu);
          }
          const governor = (await readAttr(path.join(dir, "scaling_governor"))) ?? "";
          if (governor !== "") {
            for (const avail of ((await readAttr(path.join(dir, "scaling_available_governors"))) ?? "").split(" ")) {
              emit(governorDesc, avail === governor ? 1 : 0, cpu, avail);
            }
          }
        }
        if (cpus === 0) throw new NoDataError("cpufreq: no CPUs in sysfs");
      },
    };
  },
};
