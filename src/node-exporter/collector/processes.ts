/**
 * The processes collector: process and thread counts from /proc/[pid]/stat
 * (processes by state, allocated threads, PIDs in use) and the kernel's
 * limits kernel.threads-max and kernel.pid_max.
 */
import { readdirSync } from "node:fs";
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, readText, readUint } from "./collector.ts";

const g = MetricType.Gauge;
const threadAlloc = newDesc("node_processes_threads", "Allocated threads in system", g);
const threadLimit = newDesc("node_processes_max_threads", "Limit of threads in the system", g);
const procsState = newDesc("node_processes_state", "Number of processes in each state.", g, ["state"]);
const pidUsed = newDesc("node_processes_pids", "Number of PIDs", g);
const pidMax = newDesc("node_processes_max_processes", "Number of max PIDs limit", g);

/** The state letter and thread count of a /proc/[pid]/stat line (the command may hold spaces and parentheses). */
export function parseProcStat(text: string): { state: string; numThreads: number } {
  const close = text.lastIndexOf(")");
  const f = close < 0 ? [] : fields(text.slice(close + 1));
  // After the command: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads ...
  if (f.length < 18 || !/^-?\d+$/.test(f[17]!)) throw new Error(`invalid stat line: ${JSON.stringify(text.slice(0, 80))}`);
  return { state: f[0]!, numThreads: Number(f[17]) };
}

/** True for errors that mean the process went away while being read. */
function vanished(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ESRCH";
}

/** Registers as upstream: "processes", disabled by default. */
export const processesCollector: CollectorFactory = {
  name: "processes",
  defaultEnabled: false,
  create(ctx) {
    return {
      async collect(emit) {
        const pids = (readdirSync(ctx.procPath())).filter((n) => /^\d+$/.test(n));
        let procs = 0;
        let threads = 0;
        const states = new Map<string, number>();
        for (const pid of pids) {
          let stat: { state: string; numThreads: number };
          try {
            stat = parseProcStat(await readText(ctx.procPath(pid, "stat")));
          } catch (e) {
            // PIDs can vanish between listing /proc and reading their stat.
            if (vanished(e)) {
              ctx.logger.debug("file not found when retrieving stats for pid", "pid", pid, "err", e);
              continue;
            }
            throw new Error(`error reading stat for pid ${pid}: ${(e as Error).message}`);
          }
          procs++;
          threads += stat.numThreads;
          states.set(stat.state, (states.get(stat.state) ?? 0) + 1);
        }
        emit(threadAlloc, threads);
        emit(threadLimit, await readUint(ctx.procPath("sys/kernel/threads-max")));
        for (const [state, n] of states) emit(procsState, n, state);
        emit(pidUsed, procs);
        emit(pidMax, await readUint(ctx.procPath("sys/kernel/pid_max")));
      },
    };
  },
};
