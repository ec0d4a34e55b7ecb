// Runs every compiled benchmark (dist/**/*.bench.js) in sequence, each in
// its own node process (benchmarks re-execute themselves with flags such as
// --expose-gc, and must not share a heap). Arguments filter the files by
// substring: `node scripts/bench.mjs tsdb` runs only dist/src/tsdb/*.bench.js.
// Exits non-zero when a benchmark fails.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (e.name.endsWith(".bench.js")) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find("dist", [])
  .sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
const failed = [];
for (const f of files) {
  console.log(`\n=== ${f}\n`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [f], { stdio: "inherit" });
  console.log(`\n=== ${f}: ${r.status === 0 ? "done" : `FAILED (${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failed.push(f);
}
if (files.length === 0) console.log(`no benchmark matched ${filters.join(" ")}`);
if (failed.length > 0) {
  console.log(`\nfailed: ${failed.join(", ")}`);
  process.exit(1);
}
