import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const MiB = 2 ** 20;

/**
 * Runs a fresh node process that allocates with a high survival rate (each
 * batch of objects lives through the next few), yielding between batches so
 * GC observers run, and returns the largest young generation seen.
 */
function largestYoungGeneration(capMiB: number | null, nodeFlags: string[] = []): number {
  const url = new URL("./young-gen.js", import.meta.url).href;
  const script = `
    import v8 from "node:v8";
    import { capYoungGeneration } from ${JSON.stringify(url)};
    if (${capMiB !== null}) capYoungGeneration(${capMiB ?? 0} * 2 ** 20, process.execArgv.join(" "));
    const live = [];
    let largest = 0;
    for (let batch = 0; batch < 300; batch++) {
      const objs = [];
      for (let i = 0; i < 20000; i++) objs.push({ i, s: "x" + i });
      live.push(objs);
      if (live.length > 8) live.shift();
      const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
      largest = Math.max(largest, ns.space_size);
      await new Promise((r) => setImmediate(r));
    }
    console.log(largest);`;
  const r = spawnSync(process.execPath, [...nodeFlags, "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test("capYoungGeneration: the young generation stops growing at the cap; uncapped, the same allocations grow it past the cap", () => {
  const uncapped = largestYoungGeneration(null);
  assert.ok(uncapped > 8 * MiB, `uncapped young generation ${uncapped / MiB} MiB: the allocation pattern should grow it past 8 MiB`);
  const capped = largestYoungGeneration(8);
  assert.ok(capped <= 8 * MiB, `capped young generation ${capped / MiB} MiB`);
});

test("capYoungGeneration: a semi-space flag given to node wins", () => {
  const sized = largestYoungGeneration(8, ["--max-semi-space-size=16"]);
  assert.ok(sized > 8 * MiB, `with --max-semi-space-size=16 the young generation reached ${sized / MiB} MiB`);
});
