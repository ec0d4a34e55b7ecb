/**
 * The process_* metrics of client_golang's process collector, read from
 * /proc/self on Linux (CPU, memory, file descriptors, start time), so that
 * every daemon exposes them under the same names as its Go counterpart.
 */
import { readFileSync, readdirSync } from "node:fs";
import { type Collector, type Emit, MetricType, newDesc } from "./registry.ts";

const cpu = newDesc("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricType.Counter);
const openFds = newDesc("process_open_fds", "Number of open file descriptors.", MetricType.Gauge);
const maxFds = newDesc("process_max_fds", "Maximum number of open file descriptors.", MetricType.Gauge);
const vsize = newDesc("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType.Gauge);
const maxVsize = newDesc("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", MetricType.Gauge);
const rss = newDesc("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType.Gauge);
const start = newDesc("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", MetricType.Gauge);

/** Reads `/proc` (injectable for tests). */
export interface ProcFs {
  readFile(path: string): string;
  readDir(path: string): string[];
}

const realProcFs: ProcFs = {
  readFile: (p) => readFileSync(p, "utf8"),
  readDir: (p) => readdirSync(p),
};

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;
const PAGE_SIZE = 4096;

function limit(limits: string, name: string): number | null {
  for (const line of limits.split("\n")) {
    if (!line.startsWith(name)) continue;
    const soft = line.slice(name.length).trim().split(/\s+/)[0]!;
    return soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
  }
  return null;
}

/**
 * A Collector of the process_* metrics for this process. On a system
 * without /proc it emits nothing (as client_golang does off Linux).
 */
export class ProcessCollector implements Collector {
  readonly #fs: ProcFs;
  readonly #proc: string;

  constructor(fs: ProcFs = realProcFs, procPath = "/proc/self") {
    this.#fs = fs;
    this.#proc = procPath;
  }

  async collect(emit: Emit): Promise<void> {
    let stat: string;
    try {
      stat = this.#fs.readFile(`${this.#proc}/stat`);
    } catch {
      return;
    }
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(f[11]);
    const stime = Number(f[12]);
    const startTicks = Number(f[19]);
    emit(cpu, (utime + stime) / USER_HZ);
    emit(vsize, Number(f[20]));
    emit(rss, Number(f[21]) * PAGE_SIZE);
    try {
      const btime = /^btime (\d+)$/m.exec(this.#fs.readFile("/proc/stat"));
      if (btime !== null) emit(start, Number(btime[1]) + startTicks / USER_HZ);
    } catch {
      // No boot time: no start time, as client_golang.
    }
    try {
      emit(openFds, this.#fs.readDir(`${this.#proc}/fd`).length);
    } catch {
      // Not readable: left out.
    }
    try {
      const limits = this.#fs.readFile(`${this.#proc}/limits`);
      const files = limit(limits, "Max open files");
      if (files !== null) emit(maxFds, files);
      const as = limit(limits, "Max address space");
      if (as !== null) emit(maxVsize, as === Number.POSITIVE_INFINITY ? 18446744073709552000 : as);
    } catch {
      // Not readable: left out.
    }
  }
}
