/**
 * The container's CPU limit from its cgroup: cgroup v2 `cpu.max`, or v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`, read as bin/promstack reads the
 * memory limit (PROMSTACK_CGROUP_DIR stands in for /sys/fs/cgroup in tests).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";

/** The cgroup root: $PROMSTACK_CGROUP_DIR, else /sys/fs/cgroup. */
export function cgroupRoot(): string {
  return process.env.PROMSTACK_CGROUP_DIR ?? "/sys/fs/cgroup";
}

function readTrimmed(file: string): string | null {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
}

/**
 * The CPU quota in CPUs (quota / period, possibly fractional), or null
 * without a limit: no cgroup file, "max" (v2) or a quota of -1 (v1).
 */
export function cgroupCpuQuota(root: string = cgroupRoot()): number | null {
  const v2 = readTrimmed(join(root, "cpu.max"));
  if (v2 !== null) {
    const [quota = "", period = "100000"] = v2.split(/\s+/);
    const q = Number(quota);
    const p = Number(period);
    return quota !== "max" && q > 0 && p > 0 ? q / p : null;
  }
  for (const dir of ["cpu", "cpu,cpuacct"]) {
    const quota = readTrimmed(join(root, dir, "cpu.cfs_quota_us"));
    const period = readTrimmed(join(root, dir, "cpu.cfs_period_us"));
    if (quota === null || period === null) continue;
    const q = Number(quota);
    const p = Number(period);
    return q > 0 && p > 0 ? q / p : null;
  }
  return null;
}

/**
 * The CPUs the process may use in parallel, reported as GOMAXPROCS: the
 * cgroup quota rounded up (at least 1), never more than
 * os.availableParallelism(); os.availableParallelism() without a quota.
 *
 * NOTE: matches the Go runtime's cgroup-aware GOMAXPROCS default (quota
 * rounded up, capped by the CPUs), except that Go 1.25 never goes below 2.
 */
export function availableCpus(root: string = cgroupRoot()): number {
  const cpus = availableParallelism();
  const quota = cgroupCpuQuota(root);
  return quota === null ? cpus : Math.min(cpus, Math.max(1, Math.ceil(quota)));
}
