/**
 * The cpu collector: per-CPU time by mode from /proc/stat, guest time, and
 * optionally (--collector.cpu.info) /proc/cpuinfo details; thermal throttle
 * counters and isolated CPUs from sysfs.
 */
import { readdirSync } from "node:fs";
import { type Emit, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, compileGoRegexp, fields, isNotExist, parseFloatStrict, readText, readUint } from "./collector.ts";

const g = MetricType.Gauge;
const c = MetricType.Counter;
const seconds = newDesc("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", c, ["cpu", "mode"]);
const guest = newDesc("node_cpu_guest_seconds_total", "Seconds the CPUs spent in guests (VMs) for each mode.", c, ["cpu", "mode"]);
const infoDesc = newDesc("node_cpu_info", "CPU information from /proc/cpuinfo.", g, ["package", "core", "cpu", "vendor", "family", "model", "model_name", "microcode", "stepping", "cachesize"]);
const frequency = newDesc("node_cpu_frequency_hertz", "CPU frequency in hertz from /proc/cpuinfo.", g, ["package", "core", "cpu"]);
const flagInfo = newDesc("node_cpu_flag_info", "The `flags` field of CPU information from /proc/cpuinfo taken from the first core.", g, ["flag"]);
const bugInfo = newDesc("node_cpu_bug_info", "The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.", g, ["bug"]);
const coreThrottles = newDesc("node_cpu_core_throttles_total", "Number of times this CPU core has been throttled.", c, ["package", "core"]);
const packageThrottles = newDesc("node_cpu_package_throttles_total", "Number of times this CPU package has been throttled.", c, ["package"]);
const isolated = newDesc("node_cpu_isolated", "Whether each core is isolated, information from /sys/devices/system/cpu/isolated.", g, ["cpu"]);

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture. */
const USER_HZ = 100;
/** An idle counter going back more than this many seconds means a CPU hotplug: forget that CPU's state. */
const JUMP_BACK_SECONDS = 3;

/** The /proc/stat columns after "cpuN", in order. */
const modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"] as const;
type CPUStat = Float64Array; // indexed like modes

/** Parses the per-CPU lines of /proc/stat into seconds per mode (modes order), keyed by CPU number. */
export function parseProcStatCPUs(text: string): Map<number, CPUStat> {
  const out = new Map<number, CPUStat>();
  for (const line of text.split("\n")) {
    const m = /^cpu(\d+)\s/.exec(line);
    if (!m) continue;
    const f = fields(line);
    const s = new Float64Array(modes.length);
    for (let i = 0; i < modes.length && i + 1 < f.length; i++) s[i] = parseFloatStrict(f[i + 1]!) / USER_HZ;
    out.set(Number(m[1]), s);
  }
  return out;
}

/** One /proc/cpuinfo block: the fields upstream reads. */
export interface CPUInfo {
  processor: number;
  vendorId: string;
  cpuFamily: string;
  model: string;
  modelName: string;
  stepping: string;
  microcode: string;
  cpuMHz: number | null;
  cacheSize: string;
  physicalId: string;
  coreId: string;
  flags: string[];
  bugs: string[];
}

/** Parses x86-style /proc/cpuinfo: blocks separated by blank lines, "key : value" lines. */
export function parseCPUInfo(text: string): CPUInfo[] {
  const out: CPUInfo[] = [];
  let cur: CPUInfo | null = null;
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === "processor") {
      cur = { processor: Number(value), vendorId: "", cpuFamily: "", model: "", modelName: "", stepping: "", microcode: "", cpuMHz: null, cacheSize: "", physicalId: "", coreId: "", flags: [], bugs: [] };
      out.push(cur);
      continue;
    }
    if (cur === null) continue;
    switch (key) {
      case "vendor_id": cur.vendorId = value; break;
      case "cpu family": cur.cpuFamily = value; break;
      case "model": cur.model = value; break;
      case "model name": cur.modelName = value; break;
      case "stepping": cur.stepping = value; break;
      case "microcode": cur.microcode = value; break;
      case "cpu MHz": cur.cpuMHz = parseFloatStrict(value); break;
      case "cache size": cur.cacheSize = value; break;
      case "physical id": cur.physicalId = value; break;
      case "core id": cur.coreId = value; break;
      case "flags": cur.flags = fields(value); break;
      case "bugs": cur.bugs = fields(value); break;
    }
  }
  return out;
}

/** Parses a kernel CPU list ("1,3-5,9") into CPU numbers. */
export function parseCPUList(s: string): number[] {
  const out: number[] = [];
  for (const part of s.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-");
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new Error(`invalid CPU list: ${s}`);
    for (let i = lo; i <= hi; i++) out.push(i);
  }
  return out;
}

/** Registers as upstream: "cpu", enabled by default. Keeps per-CPU counters monotonic across scrapes. */
export const cpuCollector: CollectorFactory = {
  name: "cpu",
  defaultEnabled: true,
  create(ctx) {
    const s = ctx.settings;
    const flagsRe = s.cpuInfoFlagsInclude ? compileGoRegexp(s.cpuInfoFlagsInclude) : null;
    const bugsRe = s.cpuInfoBugsInclude ? compileGoRegexp(s.cpuInfoBugsInclude) : null;
    // NOTE: matches upstream: an include filter turns --collector.cpu.info on.
    const withInfo = s.cpuInfo || flagsRe !== null || bugsRe !== null;
    const last = new Map<number, CPUStat>();

    const updateStats = (fresh: Map<number, CPUStat>): void => {
      for (const [cpu, n] of fresh) {
        let old = last.get(cpu);
        if (old === undefined || old[3]! - n[3]! >= JUMP_BACK_SECONDS) {
          if (old !== undefined) ctx.logger.debug("CPU Idle counter jumped backwards more than 3 seconds, possible hotplug event, resetting CPU stats", "cpu", cpu);
          old = new Float64Array(modes.length);
          last.set(cpu, old);
        }
        for (let i = 0; i < modes.length; i++) {
          if (n[i]! >= old[i]!) old[i] = n[i]!;
          else ctx.logger.debug(`CPU ${modes[i]} counter jumped backwards`, "cpu", cpu, "old_value", old[i], "new_value", n[i]);
        }
      }
    };

    return {
      async collect(emit) {
        if (withInfo) {
          const infos = parseCPUInfo(await readText(ctx.procPath("cpuinfo")));
          for (const i of infos) {
            emit(infoDesc, 1, i.physicalId, i.coreId, String(i.processor), i.vendorId, i.cpuFamily, i.model, i.modelName, i.microcode, i.stepping, i.cacheSize);
            if (i.cpuMHz !== null) emit(frequency, i.cpuMHz * 1e6, i.physicalId, i.coreId, String(i.processor));
          }
          const first = infos[0];
          if (first !== undefined) {
            if (flagsRe) for (const f of first.flags) if (flagsRe.test(f)) emit(flagInfo, 1, f);
            if (bugsRe) for (const b of first.bugs) if (bugsRe.test(b)) emit(bugInfo, 1, b);
          }
        }

        updateStats(parseProcStatCPUs(await readText(ctx.procPath("stat"))));
        for (const [cpu, st] of last) {
          const n = String(cpu);
          for (let i = 0; i < 8; i++) emit(seconds, st[i]!, n, modes[i]!);
          if (s.cpuGuest) {
            // Guest time is already part of user and nice; exposed separately.
            emit(guest, st[8]!, n, "user");
            emit(guest, st[9]!, n, "nice");
          }
        }

        try {
          for (const cpu of parseCPUList(await readText(ctx.sysPath("devices/system/cpu/isolated")))) emit(isolated, 1, String(cpu));
        } catch (e) {
          if (!isNotExist(e)) throw e;
        }

        await collectThrottles(ctx.sysPath("devices/system/cpu"), emit, ctx.logger.debug);
      },
    };
  },
};

async function collectThrottles(dir: string, emit: Emit, debug: (m: string, ...kv: unknown[]) => void): Promise<void> {
  let names: string[];
  try {
    names = (readdirSync(dir)).filter((n) => /^cpu\d/.test(n)).sort();
  } catch (e) {
    if (isNotExist(e)) return;
    throw e;
  }
  const pkgThrottles = new Map<number, number>();
  const coreThrottleMap = new Map<number, Map<number, number>>();
  const tryUint = async (p: string): Promise<number | null> => {
    try {
      return await readUint(p);
    } catch {
      return null;
    }
  };
  for (const name of names) {
    const base = `${dir}/${name}`;
    const pkg = await tryUint(`${base}/topology/physical_package_id`);
    if (pkg === null) {
      debug("CPU is missing physical_package_id", "cpu", base);
      continue;
    }
    const core = await tryUint(`${base}/topology/core_id`);
    if (core === null) {
      debug("CPU is missing core_id", "cpu", base);
      continue;
    }
    // NOTE: matches upstream: a count is read once per core and package; a failed read is retried on the next sibling.
    const cores = coreThrottleMap.get(pkg) ?? new Map<number, number>();
    coreThrottleMap.set(pkg, cores);
    if (!cores.has(core)) {
      const v = await tryUint(`${base}/thermal_throttle/core_throttle_count`);
      if (v !== null) cores.set(core, v);
      else debug("CPU is missing core_throttle_count", "cpu", base);
    }
    if (!pkgThrottles.has(pkg)) {
      const v = await tryUint(`${base}/thermal_throttle/package_throttle_count`);
      if (v !== null) pkgThrottles.set(pkg, v);
      else debug("CPU is missing package_throttle_count", "cpu", base);
    }
  }
  for (const [pkg, v] of pkgThrottles) emit(packageThrottles, v, String(pkg));
  for (const [pkg, cores] of coreThrottleMap) for (const [core, v] of cores) emit(coreThrottles, v, String(pkg), String(core));
}
