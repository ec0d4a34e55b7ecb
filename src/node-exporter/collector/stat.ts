/**
 * The stat collector: kernel/system statistics from /proc/stat (boot time,
 * context switches, forks, interrupts, runnable and blocked processes, and
 * with --collector.stat.softirq the softirq vectors).
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, parseFloatStrict, readText } from "./collector.ts";

const intr = newDesc("node_intr_total", "Total number of interrupts serviced.", MetricType.Counter);
const ctxt = newDesc("node_context_switches_total", "Total number of context switches.", MetricType.Counter);
const forks = newDesc("node_forks_total", "Total number of forks.", MetricType.Counter);
const btime = newDesc("node_boot_time_seconds", "Node boot time, in unixtime.", MetricType.Gauge);
const running = newDesc("node_procs_running", "Number of processes in runnable state.", MetricType.Gauge);
const blocked = newDesc("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.", MetricType.Gauge);
const softirq = newDesc("node_softirqs_total", "Number of softirq calls.", MetricType.Counter, ["vector"]);

/** The softirq vectors in /proc/stat's "softirq" line order, as upstream labels them. */
const softirqVectors = ["hi", "timer", "net_tx", "net_rx", "block", "block_iopoll", "tasklet", "sched", "hrtimer", "rcu"] as const;

/** Registers as upstream: "stat", enabled by default. */
export const statCollector: CollectorFactory = {
  name: "stat",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const text = await readText(ctx.procPath("stat"));
        for (const line of text.split("\n")) {
          const f = fields(line);
          if (f.length < 2) continue;
          switch (f[0]) {
            case "intr":
              emit(intr, parseFloatStrict(f[1]!));
              break;
            case "ctxt":
              emit(ctxt, parseFloatStrict(f[1]!));
              break;
            case "processes":
              emit(forks, parseFloatStrict(f[1]!));
              break;
            case "btime":
              emit(btime, parseFloatStrict(f[1]!));
              break;
            case "procs_running":
              emit(running, parseFloatStrict(f[1]!));
              break;
            case "procs_blocked":
              emit(blocked, parseFloatStrict(f[1]!));
              break;
            case "softirq":
              if (ctx.settings.statSoftirq) {
                for (let i = 0; i < softirqVectors.length && i + 2 < f.length; i++) {
                  emit(softirq, parseFloatStrict(f[i + 2]!), softirqVectors[i]!);
                }
              }
              break;
          }
        }
      },
    };
  },
};
