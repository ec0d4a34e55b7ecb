import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { availableCpus, cgroupCpuQuota } from "./index.ts";

/** A fake cgroup directory holding `files` (relative path → content). */
function fakeCgroup(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "promstack-cgroup-cpu-"));
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), content);
  }
  return dir;
}

const cpus = availableParallelism();

test("cgroup CPU quota: cgroup v2 cpu.max, v1 cfs quota and period; GOMAXPROCS rounds it up, at least 1, at most the CPUs", () => {
  const cases: Array<{ name: string; files: Record<string, string>; quota: number | null; gomaxprocs: number }> = [
    { name: "v2, 2 CPUs", files: { "cpu.max": "200000 100000\n" }, quota: 2, gomaxprocs: Math.min(cpus, 2) },
    { name: "v2, 1.5 CPUs", files: { "cpu.max": "150000 100000\n" }, quota: 1.5, gomaxprocs: Math.min(cpus, 2) },
    { name: "v2, half a CPU", files: { "cpu.max": "50000 100000\n" }, quota: 0.5, gomaxprocs: 1 },
    { name: "v2, 64 CPUs: capped by the CPUs", files: { "cpu.max": "6400000 100000\n" }, quota: 64, gomaxprocs: Math.min(cpus, 64) },
    { name: "v2, no limit", files: { "cpu.max": "max 100000\n" }, quota: null, gomaxprocs: cpus },
    { name: "v1, 1 CPU", files: { "cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n" }, quota: 1, gomaxprocs: 1 },
    { name: "v1 under cpu,cpuacct", files: { "cpu,cpuacct/cpu.cfs_quota_us": "25000\n", "cpu,cpuacct/cpu.cfs_period_us": "50000\n" }, quota: 0.5, gomaxprocs: 1 },
    { name: "v1, no limit", files: { "cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n" }, quota: null, gomaxprocs: cpus },
    { name: "no cgroup files", files: {}, quota: null, gomaxprocs: cpus },
  ];
  for (const c of cases) {
    const dir = fakeCgroup(c.files);
    try {
      assert.equal(cgroupCpuQuota(dir), c.quota, c.name);
      assert.equal(availableCpus(dir), c.gomaxprocs, c.name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("cgroup CPU quota: PROMSTACK_CGROUP_DIR is the default root", () => {
  const dir = fakeCgroup({ "cpu.max": "100000 100000\n" });
  const prev = process.env.PROMSTACK_CGROUP_DIR;
  process.env.PROMSTACK_CGROUP_DIR = dir;
  try {
    assert.equal(cgroupCpuQuota(), 1);
    assert.equal(availableCpus(), 1);
  } finally {
    if (prev === undefined) delete process.env.PROMSTACK_CGROUP_DIR;
    else process.env.PROMSTACK_CGROUP_DIR = prev;
    rmSync(dir, { recursive: true, force: true });
  }
});
