import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { testPromQL } from "./index.ts";

const passing = `
load 1m
  http_requests_total{job="api", instance="a"} 0+10x10
  http_requests_total{job="api", instance="b"} 0+20x10

eval instant at 5m sum by (job) (http_requests_total)
  expect no_warn
  {job="api"} 150

eval range from 0 to 2m step 1m http_requests_total{instance="a"}
  http_requests_total{job="api", instance="a"} 0 10 20

eval instant at 0 1 + 1
  2
`;

const failing = `
load 1m
  foo 1 2 3

eval instant at 1m foo
  foo 5
`;

function withScripts(fn: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), "promtool-test-"));
  try {
    writeFileSync(path.join(dir, "ok.test"), passing);
    writeFileSync(path.join(dir, "bad.test"), failing);
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function promtool(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["bin/promstack", "promtool", ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("testPromQL: counts per file and in total", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "promtool-test-"));
  try {
    writeFileSync(path.join(dir, "ok.test"), passing);
    let out = "";
    const code = await testPromQL([path.join(dir, "ok.test")], { write: (s) => (out += s) });
    assert.equal(code, 0, out);
    assert.match(out, /ok\.test: 3 passed, 0 failed, 0 skipped\n/);
    assert.match(out, /\n3 passed, 0 failed, 0 skipped\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("CLI: promtool test promql passes a good script", () => {
  withScripts((dir) => {
    const r = promtool("test", "promql", path.join(dir, "ok.test"));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok\.test: 3 passed, 0 failed, 0 skipped/);
    assert.match(r.stdout, /^3 passed, 0 failed, 0 skipped$/m);
  });
});

test("CLI: a failing script exits 1 with the line and the diff", () => {
  withScripts((dir) => {
    const r = promtool("test", "promql", path.join(dir, "ok.test"), path.join(dir, "bad.test"));
    assert.equal(r.code, 1);
    assert.match(r.stdout, /bad\.test: 0 passed, 1 failed, 0 skipped/);
    assert.match(r.stdout, /FAIL line 5: foo\n.*expected 5 for \{__name__="foo"\} but got 2/);
    assert.match(r.stdout, /^3 passed, 1 failed, 0 skipped$/m);
  });
});

const usage = [
  { name: "no files", args: ["test", "promql"], code: 1, stream: "stderr", want: /required argument 'test-file' not provided/ },
  { name: "unknown command", args: ["frob"], code: 1, stream: "stderr", want: /expected command but got "frob"/ },
  { name: "unknown flag", args: ["test", "promql", "--bogus", "x"], code: 1, stream: "stderr", want: /unknown long flag '--bogus'/ },
  { name: "top help", args: ["--help"], code: 0, stream: "stdout", want: /usage: promstack promtool \[<flags>\] <command>[\s\S]*test promql <test-file>\.\.\./ },
  { name: "test help", args: ["test", "--help"], code: 0, stream: "stdout", want: /usage: promstack promtool test \[<flags>\] <command>[\s\S]*Subcommands:[\s\S]*test promql/ },
  { name: "help command", args: ["help", "test", "promql"], code: 0, stream: "stdout", want: /usage: promstack promtool test promql \[<flags>\] <test-file>\.\.\./ },
  { name: "version", args: ["--version"], code: 0, stream: "stdout", want: /^promtool, version \d+\.\d+\.\d+ \(promstack\)\n {2}platform: / },
  { name: "version after a command, as kingpin's application flag", args: ["check", "config", "--version"], code: 0, stream: "stdout", want: /^promtool, version / },
  { name: "help lists --version", args: ["--help"], code: 0, stream: "stdout", want: /\n {6}--version {2}Show application version\.\n/ },
] as const;
for (const c of usage) {
  test(`CLI: ${c.name}`, () => {
    const r = promtool(...c.args);
    assert.equal(r.code, c.code, r.stdout + r.stderr);
    assert.match(r[c.stream], c.want);
  });
}
