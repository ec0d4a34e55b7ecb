/** The CLI sizes the V8 heap from the container's memory limit (cgroup). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./net.ts";

test("a 1 GiB cgroup limit gives a heap limit of about half of it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-cgroup-"));
  writeFileSync(join(dir, "memory.max"), `${2 ** 30}\n`);
  writeFileSync(join(dir, "prometheus.yml"), "global: {}\n");
  const port = await freePort();
  const p = spawn(
    process.execPath,
    ["bin/promstack", "prometheus", `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=error"],
    { env: { ...process.env, PROMSTACK_CGROUP_DIR: dir }, stdio: "ignore" },
  );
  try {
    let info: { GOMEMLIMIT: number } | null = null;
    for (let i = 0; i < 100 && info === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
      info = await fetch(`http://127.0.0.1:${port}/api/v1/status/runtimeinfo`)
        .then(async (r) => ((await r.json()) as { data: { GOMEMLIMIT: number } }).data)
        .catch(() => null);
    }
    assert.ok(info !== null, "server did not answer");
    const mib = info.GOMEMLIMIT / 2 ** 20;
    assert.ok(mib >= 512 && mib < 640, `heap limit ${mib} MiB`);
  } finally {
    p.kill("SIGTERM");
    await new Promise((r) => p.on("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
});
