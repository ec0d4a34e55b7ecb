// Runs every compiled test file (dist/**/*.test.js) on node's built-in test
// runner with the spec reporter, so the summary lines are printed even
// without a terminal. Extra arguments are passed to node before the files.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) find(p, out);
    else if (e.name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const files = find("dist", []).sort();
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...process.argv.slice(2), ...files], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
