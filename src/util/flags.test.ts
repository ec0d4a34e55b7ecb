import { test } from "node:test";
import assert from "node:assert/strict";
import { FlagError, FlagKind, type FlagSpec, flagsHelp, parseFlags } from "./index.ts";

const specs: FlagSpec[] = [
  { name: "config.file", help: "Configuration file path.", kind: FlagKind.String, def: "prometheus.yml" },
  { name: "web.enable-lifecycle", help: "Enable shutdown and reload via HTTP request.", kind: FlagKind.Bool, def: "false" },
  { name: "web.cors", help: "Enabled by default.", kind: FlagKind.Bool, def: "true" },
  { name: "enable-feature", help: "Feature flags.", kind: FlagKind.List, def: "" },
];

function flags(argv: string[]) {
  const out = parseFlags(specs, argv);
  if (out.kind !== "flags") throw new Error(`BUG: parsed as ${out.kind}`);
  return out.flags;
}

test("flags: defaults when absent", () => {
  const f = flags([]);
  assert.equal(f.string("config.file"), "prometheus.yml");
  assert.equal(f.bool("web.enable-lifecycle"), false);
  assert.equal(f.bool("web.cors"), true);
  assert.deepEqual(f.list("enable-feature"), []);
  assert.equal(f.given("config.file"), false);
});

test("flags: value forms, negation, repetition and positionals", () => {
  const f = flags(["--config.file", "a.yml", "--web.enable-lifecycle", "--no-web.cors", "--enable-feature=x", "--enable-feature", "y", "pos", "--", "--not-a-flag"]);
  assert.equal(f.string("config.file"), "a.yml");
  assert.equal(f.bool("web.enable-lifecycle"), true);
  assert.equal(f.bool("web.cors"), false);
  assert.deepEqual(f.list("enable-feature"), ["x", "y"]);
  assert.deepEqual(f.args, ["pos", "--not-a-flag"]);
  assert.equal(f.all()["enable-feature"], "x,y");
  assert.equal(flags(["--config.file=b.yml", "--config.file=c.yml"]).string("config.file"), "c.yml");
  assert.equal(flags(["--web.enable-lifecycle=false"]).bool("web.enable-lifecycle"), false);
});

test("flags: help and version", () => {
  assert.equal(parseFlags(specs, ["-h"]).kind, "help");
  assert.equal(parseFlags(specs, ["--help"]).kind, "help");
  assert.equal(parseFlags(specs, ["--version"]).kind, "version");
  const help = flagsHelp("prometheus", "The Prometheus monitoring server", specs);
  assert.match(help, /^usage: prometheus \[<flags>\]/);
  assert.match(help, /--\[no-\]web\.enable-lifecycle\s+Enable shutdown/);
  assert.match(help, /--config\.file="prometheus\.yml"\s+Configuration file path\./);
});

const errors = [
  { argv: ["--nope"], msg: "unknown long flag '--nope'" },
  { argv: ["-x"], msg: "unknown short flag '-x'" },
  { argv: ["--config.file"], msg: "expected argument for flag '--config.file'" },
  { argv: ["--no-web.cors=true"], msg: "unexpected value for flag --no-web.cors" },
  { argv: ["--web.cors=maybe"], msg: 'strconv.ParseBool: parsing "maybe": invalid syntax for flag --web.cors' },
  { argv: ["--no-config.file"], msg: "unknown long flag '--no-config.file'" },
];
for (const c of errors) {
  test(`flags: ${c.argv.join(" ")} is refused`, () => assert.throws(() => parseFlags(specs, c.argv), (e: unknown) => e instanceof FlagError && e.message === c.msg));
}
