import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { oneMemoryReducerGcFlag } from "./memory-reducer.ts";

test("oneMemoryReducerGcFlag: the boolean flag up to V8 11, the count from V8 12", () => {
  assert.equal(oneMemoryReducerGcFlag("11.3.244.8-node.33"), "--memory-reducer-single-gc");
  assert.equal(oneMemoryReducerGcFlag("12.4.254.21-node.57"), "--memory-reducer-gc-count=1");
  assert.equal(oneMemoryReducerGcFlag("13.6.233.17-node.40"), "--memory-reducer-gc-count=1");
});

test("oneMemoryReducerGcFlag: this node's V8 knows the flag chosen for it", () => {
  const flag = oneMemoryReducerGcFlag(process.versions.v8);
  // node refuses a V8 flag it does not know ("bad option", exit 9).
  const r = spawnSync(process.execPath, [flag, "-e", "0"], { encoding: "utf8" });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
});

/** What oneMemoryReducerGc returns in a fresh node process started with nodeFlags (given to it as the CLI does), and what that process wrote to stderr. */
function runOneMemoryReducerGc(nodeFlags: string[]): { set: string | null; stderr: string } {
  const url = new URL("./memory-reducer.js", import.meta.url).href;
  const script = `
    import { oneMemoryReducerGc } from ${JSON.stringify(url)};
    const flags = process.execArgv.slice(0, process.execArgv.indexOf("--eval"));
    console.log(JSON.stringify(oneMemoryReducerGc(flags.join(" "))));`;
  const r = spawnSync(process.execPath, [...nodeFlags, "--input-type=module", "--eval", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return { set: JSON.parse(r.stdout) as string | null, stderr: r.stderr };
}

test("oneMemoryReducerGc: sets the flag without a complaint from V8", () => {
  const { set, stderr } = runOneMemoryReducerGc([]);
  assert.equal(set, oneMemoryReducerGcFlag(process.versions.v8));
  assert.equal(stderr, "");
});

test("oneMemoryReducerGc: a memory reducer flag given to node wins", () => {
  assert.equal(runOneMemoryReducerGc(["--no-memory-reducer"]).set, null);
  assert.equal(runOneMemoryReducerGc(["--gc-memory-reducer-start-delay-ms=1000"]).set, null);
});
