import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PrometheusServer, testServerOptions } from "../server/index.ts";
import {
  BufferStreams,
  checkWebConfig,
  decodeUnitTestFile,
  lintMetrics,
  parseTimeMs,
  queryInstant,
  queryLabels,
  queryRange,
  querySeries,
  QueryFormat,
} from "./index.ts";
import { bcryptCost } from "../web/index.ts";

const ref = path.resolve(process.cwd(), "../shared/reference");
const ptDir = path.join(ref, "promtool");
const rfDir = path.join(ref, "rule-files");
const debian = "/usr/bin/promtool";
const noDebian = existsSync(debian) ? false : `${debian} is not installed (apt-get install prometheus)`;
const noRef = existsSync(ptDir) ? false : `${ptDir} is missing`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ours(args: readonly string[], cwd = process.cwd(), input = ""): Run {
  const r = spawnSync(process.execPath, [path.resolve("bin/promstack"), "promtool", ...args], { encoding: "utf8", cwd, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function theirs(args: readonly string[], cwd: string, input = ""): Run {
  const r = spawnSync(debian, args, { encoding: "utf8", cwd, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---------------------------------------------------------------------------
// Exit codes on the reference files (Prometheus 3.x semantics), always run.

const exitCodes: Array<{ args: string[]; dir: string; code: number }> = [
  // test rules
  { args: ["test", "rules", "failing.yml"], dir: ptDir, code: 1 },
  { args: ["test", "rules", "rules_run.yml"], dir: ptDir, code: 1 },
  { args: ["test", "rules", "--run", "correct", "rules_run.yml"], dir: ptDir, code: 0 },
  { args: ["test", "rules", "--run", "wrong", "rules_run.yml"], dir: ptDir, code: 1 },
  { args: ["test", "rules", "long-period.yml"], dir: ptDir, code: 0 },
  { args: ["test", "rules", "at-modifier-test.yml"], dir: ptDir, code: 0 },
  { args: ["test", "rules", "negative-offset-test.yml"], dir: ptDir, code: 0 },
  { args: ["test", "rules", "rules_run_fuzzy.yml"], dir: ptDir, code: 1 },
  { args: ["test", "rules", "--run", "correct", "rules_run_fuzzy.yml"], dir: ptDir, code: 0 },
  { args: ["test", "rules", "rules_run_no_fuzzy.yml"], dir: ptDir, code: 1 },
  // Native histogram samples are not supported: the file fails (as it does with Prometheus 2.42).
  { args: ["test", "rules", "unittest.yml"], dir: ptDir, code: 1 },
  { args: ["test", "rules", "at-modifier-test.yml", "failing.yml"], dir: ptDir, code: 1 },
  // check rules
  { args: ["check", "rules", "rules.yml"], dir: ptDir, code: 0 },
  { args: ["check", "rules", "rules-bad.yml"], dir: ptDir, code: 1 },
  { args: ["check", "rules", "bad-rules-syntax.yml"], dir: ptDir, code: 1 },
  { args: ["check", "rules", "bad-rules-error.yml"], dir: ptDir, code: 0 },
  { args: ["check", "rules", "rules_duplicates.yml"], dir: ptDir, code: 0 },
  { args: ["check", "rules", "--lint-fatal", "rules_duplicates.yml"], dir: ptDir, code: 3 },
  { args: ["check", "rules", "--lint=none", "--lint-fatal", "rules_duplicates.yml"], dir: ptDir, code: 0 },
  { args: ["check", "rules", "--lint-fatal", "rules_large.yml"], dir: ptDir, code: 3 },
  { args: ["check", "rules", "--lint-fatal", "rules.yml", "rules-bad.yml"], dir: ptDir, code: 1 },
  { args: ["check", "rules", "unittest.yml"], dir: ptDir, code: 1 },
  { args: ["check", "rules", "bad_field.bad.yaml"], dir: rfDir, code: 1 },
  { args: ["check", "rules", "utf-8_lname.good.yaml"], dir: rfDir, code: 0 },
  { args: ["check", "rules", "utf-8_annotation.good.yaml"], dir: rfDir, code: 0 },
  { args: ["check", "rules", "legacy_validation_annotation.good.yaml"], dir: rfDir, code: 0 },
  { args: ["check", "rules", "test.yaml"], dir: rfDir, code: 0 },
  // check config
  { args: ["check", "config", "prometheus-config.good.yml"], dir: ptDir, code: 0 },
  { args: ["check", "config", "prometheus-config.bad.yml"], dir: ptDir, code: 1 },
  { args: ["check", "config", "prometheus-config.lint.yml"], dir: ptDir, code: 0 },
  { args: ["check", "config", "--lint-fatal", "prometheus-config.lint.yml"], dir: ptDir, code: 3 },
  { args: ["check", "config", "--lint-fatal", "--lint=none", "prometheus-config.lint.yml"], dir: ptDir, code: 0 },
  { args: ["check", "config", "--syntax-only", "--lint-fatal", "prometheus-config.lint.yml"], dir: ptDir, code: 0 },
  // usage errors exit 1, as kingpin
  { args: ["check", "config", "does-not-exist.yml"], dir: ptDir, code: 1 },
  { args: ["check"], dir: ptDir, code: 1 },
  { args: ["test", "rules"], dir: ptDir, code: 1 },
  { args: ["query", "-o", "xml", "instant", "http://localhost:1", "up"], dir: ptDir, code: 1 },
];

for (const c of exitCodes) {
  test(`CLI exit code: promtool ${c.args.join(" ")} -> ${c.code}`, { skip: noRef }, () => {
    const r = ours(c.args, c.dir);
    assert.equal(r.code, c.code, r.stdout + r.stderr);
  });
}

// ---------------------------------------------------------------------------
// Same verdict as Debian's promtool on every reference file.

/**
 * Where Debian's promtool 2.42 and Prometheus 3.x (which promstack follows)
 * disagree: the exit code each gives, and why.
 */
const versionDifferences = new Map<string, { debian: number; ours: number; why: string }>([
  ["check rules utf-8_lname.good.yaml", { debian: 1, ours: 0, why: "3.x validates label names as UTF-8; 2.42 uses the legacy character set" }],
  ["check rules utf-8_annotation.good.yaml", { debian: 1, ours: 0, why: "3.x validates annotation names as UTF-8" }],
  ["check rules legacy_validation_annotation.bad.yaml", { debian: 1, ours: 0, why: "bad only under legacy name validation (2.42's)" }],
]);

function referenceRuns(): Array<{ args: string[]; dir: string }> {
  if (noRef !== false) return [];
  const runs: Array<{ args: string[]; dir: string }> = [];
  for (const f of readdirSync(ptDir).filter((x) => /\.ya?ml$/.test(x))) runs.push({ args: ["check", "rules", f], dir: ptDir });
  for (const f of readdirSync(rfDir).filter((x) => /\.ya?ml$/.test(x))) runs.push({ args: ["check", "rules", f], dir: rfDir });
  for (const f of readdirSync(ptDir).filter((x) => /^prometheus-config\./.test(x))) {
    for (const fl of [[], ["--lint-fatal"], ["--syntax-only"]]) runs.push({ args: ["check", "config", ...fl, f], dir: ptDir });
  }
  for (const f of ["unittest.yml", "failing.yml", "rules_run.yml", "long-period.yml", "at-modifier-test.yml", "negative-offset-test.yml", "rules_run_fuzzy.yml", "rules_run_no_fuzzy.yml"]) {
    runs.push({ args: ["test", "rules", f], dir: ptDir });
  }
  return runs;
}

for (const r of referenceRuns()) {
  const key = r.args.join(" ");
  test(`same verdict as Debian's promtool: ${key}`, { skip: noDebian }, () => {
    const a = theirs(r.args, r.dir);
    const b = ours(r.args, r.dir);
    const diff = versionDifferences.get(key);
    if (diff !== undefined) {
      assert.equal(a.code, diff.debian, `Debian: ${a.stderr}`);
      assert.equal(b.code, diff.ours, `ours (${diff.why}): ${b.stderr}`);
      return;
    }
    assert.equal(b.code, a.code, `Debian:\n${a.stdout}${a.stderr}\nours:\n${b.stdout}${b.stderr}`);
  });
}

// Byte-for-byte output where 2.42 and 3.x print the same.
const sameOutput: Array<{ args: string[]; dir: string }> = [
  { args: ["test", "rules", "failing.yml"], dir: ptDir },
  { args: ["test", "rules", "rules_run.yml"], dir: ptDir },
  { args: ["test", "rules", "long-period.yml"], dir: ptDir },
  { args: ["test", "rules", "at-modifier-test.yml", "negative-offset-test.yml"], dir: ptDir },
  { args: ["check", "rules", "rules.yml", "rules_duplicates.yml", "rules_large.yml"], dir: ptDir },
  { args: ["check", "rules", "--lint-fatal", "prometheus-rules.lint.yml"], dir: ptDir },
  { args: ["check", "config", "prometheus-config.good.yml"], dir: ptDir },
  { args: ["check", "config", "prometheus-config.bad.yml"], dir: ptDir },
];
for (const r of sameOutput) {
  test(`same output as Debian's promtool: ${r.args.join(" ")}`, { skip: noDebian || noRef }, () => {
    const a = theirs(r.args, r.dir);
    const b = ours(r.args, r.dir);
    assert.equal(b.stdout, a.stdout);
    assert.equal(b.stderr, a.stderr);
  });
}

test("check rules reads standard input without files", { skip: noRef }, () => {
  const r = ours(["check", "rules"], process.cwd(), "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: up\n");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "Checking standard input\n  SUCCESS: 1 rules found\n\n");
});

test("check config checks the rule files relative to the config file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "promtool-cfg-"));
  try {
    writeFileSync(path.join(dir, "prometheus.yml"), "rule_files:\n  - rules/*.yml\n  - alerting.yml\n");
    writeFileSync(path.join(dir, "alerting.yml"), "groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n");
    spawnSync("mkdir", [path.join(dir, "rules")]);
    writeFileSync(path.join(dir, "rules", "rec.yml"), "groups:\n- name: r\n  rules:\n  - record: x:y\n    expr: up\n  - record: x:z\n    expr: up\n");
    const r = ours(["check", "config", "prometheus.yml"], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      "Checking prometheus.yml\n  SUCCESS: 2 rule files found\n SUCCESS: prometheus.yml is valid prometheus config file syntax\n\n" +
        "Checking rules/rec.yml\n  SUCCESS: 2 rules found\n\nChecking alerting.yml\n  SUCCESS: 1 rules found\n\n",
    );
    writeFileSync(path.join(dir, "prometheus.yml"), "rule_files:\n  - missing.yml\n");
    const bad = ours(["check", "config", "prometheus.yml"], dir);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, '  FAILED: "missing.yml" does not point to an existing file\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("test rules writes a JUnit report and prints --debug timings", { skip: noRef }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), "promtool-junit-"));
  try {
    const out = path.join(dir, "junit.xml");
    const r = ours(["test", "--junit", out, "rules", "--debug", "rules_run.yml"], ptDir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /DEBUG: Starting test correct test\n/);
    assert.match(r.stderr, /DEBUG: Dump of all data \(input_series and rules\) at 1s:\n/);
    const xml = spawnSync("cat", [out], { encoding: "utf8" }).stdout;
    assert.match(xml, /^<testsuites><testsuite name="rules_run.yml" tests="2" failures="1" errors="0" skipped="0" timestamp="[\d-]+T[\d:]+">/);
    assert.match(xml, /<testcase name="correct test"><\/testcase><testcase name="wrong test"><failure>    expr: &#34;test&#34;/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("test rules --diff prints a diff of the alerts", { skip: noRef }, () => {
  const r = ours(["test", "rules", "--diff", "--run", "^Failing test$", "failing.yml"], ptDir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /alertname: Test, time: 0s, \n {8}diff: /);
  assert.match(r.stderr, /- {7}"alertname": "Test"/);
});

// ---------------------------------------------------------------------------
// Building blocks.

const unitTestDecoding = [
  { name: "unknown field", text: "tests:\n- interval: 1m\n  bogus: 1\n", err: "yaml: unmarshal errors:\n  line 3: field bogus not found in type main.testGroup" },
  { name: "bad duration", text: "evaluation_interval: 1x\n", err: 'unknown unit "x" in duration "1x"' },
  { name: "sample value type", text: "tests:\n- promql_expr_test:\n  - exp_samples:\n    - value: abc\n", err: "yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `abc` into float64" },
];
for (const c of unitTestDecoding) {
  test(`unit test file decoding: ${c.name}`, () => assert.throws(() => decodeUnitTestFile(c.text), { message: c.err }));
}

test("unit test file decoding: defaults", () => {
  const f = decodeUnitTestFile("rule_files: [a.yml]\ntests:\n- name: x\n  external_labels: {a: b}\n");
  assert.equal(f.evaluationIntervalMs, 60_000);
  assert.deepEqual(f.ruleFiles, ["a.yml"]);
  assert.equal(f.tests[0]!.externalLabels.toString(), '{a="b"}');
});


const times = [
  { s: "0", want: 0 },
  { s: "1.5", want: 1500 },
  { s: "2024-01-02T03:04:05Z", want: Date.UTC(2024, 0, 2, 3, 4, 5) },
  { s: "2024-01-02T03:04:05.250+01:00", want: Date.UTC(2024, 0, 2, 2, 4, 5, 250) },
];
for (const c of times) test(`parseTimeMs(${c.s})`, () => assert.equal(parseTimeMs(c.s), c.want));
test("parseTimeMs rejects junk", () => assert.throws(() => parseTimeMs("yesterday"), { message: 'cannot parse "yesterday" to a valid timestamp' }));

const bcryptCases = [
  { hash: "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi", want: 10 },
  { hash: "$2a$04$abcdefghijklmnopqrstuuJYV4ZxJ1yWc1ZN1GmUL8vqJsNLWc2a2", want: 4 },
  { hash: "plaintext", err: "crypto/bcrypt: hashedSecret too short to be a bcrypted password" },
  { hash: "x".repeat(60), err: "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with 'x'" },
  { hash: "$3a$10$" + "a".repeat(53), err: "crypto/bcrypt: bcrypt algorithm version '3' requested is newer than current version '2'" },
  { hash: "$2a$99$" + "a".repeat(53), err: "crypto/bcrypt: cost 99 is outside allowed range (4,31)" },
];
for (const c of bcryptCases) {
  test(`bcryptCost(${c.hash.slice(0, 10)}...)`, () => {
    if (c.err !== undefined) assert.throws(() => bcryptCost(c.hash), { message: c.err });
    else assert.equal(bcryptCost(c.hash), c.want);
  });
}

const lintCases = [
  { name: "clean", text: "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n", want: [] },
  { name: "counter without _total, no help", text: "# TYPE requests counter\nrequests 1\n", want: ["requests counter metrics should have \"_total\" suffix", "requests no help text"] },
  { name: "non-base unit", text: "# HELP d_milliseconds D.\n# TYPE d_milliseconds gauge\nd_milliseconds 1\n", want: ['d_milliseconds use base unit "seconds" instead of "milliseconds"'] },
  { name: "camelCase", text: "# HELP fooBar X.\n# TYPE fooBar gauge\nfooBar{someLabel=\"x\"} 1\n", want: ["fooBar label names should be written in 'snake_case' not 'camelCase'", "fooBar metric names should be written in 'snake_case' not 'camelCase'"] },
  { name: "reserved chars", text: "# HELP a:b X.\n# TYPE a:b gauge\na:b 1\n", want: ["a:b metric names should not contain ':'"] },
  { name: "gauge with _count and le", text: "# HELP x_count X.\n# TYPE x_count gauge\nx_count{le=\"1\"} 1\n", want: ['x_count non-histogram and non-summary metrics should not have "_count" suffix', 'x_count non-histogram metrics should not have "le" label'] },
  { name: "histogram is fine", text: "# HELP h_seconds H.\n# TYPE h_seconds histogram\nh_seconds_bucket{le=\"1\"} 1\nh_seconds_bucket{le=\"+Inf\"} 1\nh_seconds_sum 1\nh_seconds_count 1\n", want: [] },
  { name: "abbreviated unit and type in name", text: "# HELP x_gauge_ms X.\n# TYPE x_gauge_ms gauge\nx_gauge_ms 1\n", want: ["x_gauge_ms metric name should not include type 'gauge'", "x_gauge_ms metric names should not contain abbreviated units"] },
];
for (const c of lintCases) {
  test(`lintMetrics: ${c.name}`, () => assert.deepEqual(lintMetrics(c.text).map((p) => `${p.metric} ${p.text}`), c.want));
}

test("CLI: check metrics reads stdin and exits 3 on problems", () => {
  const r = ours(["check", "metrics"], process.cwd(), "# TYPE requests counter\nrequests 1\n");
  assert.equal(r.code, 3);
  assert.equal(r.stderr, 'requests counter metrics should have "_total" suffix\nrequests no help text\n');
  const ok = ours(["check", "metrics"], process.cwd(), "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n");
  assert.equal(ok.code, 0, ok.stderr);
});

test("check metrics: same problems as Debian's promtool", { skip: noDebian || noRef }, () => {
  const input = spawnSync("cat", [path.join(ptDir, "metrics-test.prom")], { encoding: "utf8" }).stdout;
  const a = theirs(["check", "metrics"], ptDir, input);
  const b = ours(["check", "metrics"], ptDir, input);
  assert.equal(b.code, a.code);
  assert.equal(b.stderr, a.stderr);
});

// Web config files: a certificate made with openssl when available.
function webConfigCases(dir: string): Array<{ name: string; yaml: string; want: string }> {
  const hash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
  const cases = [
    { name: "basic auth", yaml: `basic_auth_users:\n  alice: ${hash}\n`, want: "SUCCESS" },
    { name: "plain password", yaml: "basic_auth_users:\n  alice: secret\n", want: "FAILED: crypto/bcrypt: hashedSecret too short to be a bcrypted password" },
    { name: "unknown field", yaml: "tls_config: {}\n", want: "FAILED: yaml: unmarshal errors:\n  line 1: field tls_config not found in type web.Config" },
    { name: "bad header", yaml: "http_server_config:\n  headers:\n    Server: x\n", want: 'FAILED: HTTP header "Server" can not be configured' },
    { name: "bad header value", yaml: "http_server_config:\n  headers:\n    X-Frame-Options: allow\n", want: 'FAILED: invalid value for X-Frame-Options. Expected one of: ["deny" "sameorigin"], but got: "allow"' },
    { name: "cert without key", yaml: "tls_server_config:\n  cert_file: tls.crt\n", want: "FAILED: missing one of key or key_file" },
    { name: "missing cert file", yaml: "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n", want: `FAILED: failed to read cert_file (${path.join(dir, "nope.crt")}): open ${path.join(dir, "nope.crt")}: no such file or directory` },
    { name: "unknown TLS version", yaml: "tls_server_config:\n  min_version: TLS9\n", want: "FAILED: unknown TLS version: TLS9" },
  ];
  if (existsSync("/usr/bin/openssl")) {
    cases.push(
      { name: "TLS", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n", want: "SUCCESS" },
      { name: "client CA without policy", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_ca_file: tls.crt\n", want: "FAILED: client CA's have been configured without a Client Auth Policy" },
      { name: "bad client auth", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: Sometimes\n", want: "FAILED: invalid ClientAuth: Sometimes" },
      { name: "key mismatch", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: other.key\n", want: "FAILED: failed to load X509KeyPair: tls: private key does not match public key" },
    );
  }
  return cases;
}

test("check web-config: verdicts and messages (and Debian's exit codes)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "promtool-web-"));
  try {
    if (existsSync("/usr/bin/openssl")) {
      spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "tls.key", "-out", "tls.crt", "-days", "1", "-subj", "/CN=localhost"], { cwd: dir });
      spawnSync("openssl", ["genrsa", "-out", "other.key", "2048"], { cwd: dir });
    }
    for (const c of webConfigCases(dir)) {
      const f = path.join(dir, "web.yml");
      writeFileSync(f, c.yaml);
      const io = new BufferStreams();
      const code = checkWebConfig([f], io);
      assert.equal(io.err, `${f} ${c.want}\n`, c.name);
      assert.equal(code, c.want === "SUCCESS" ? 0 : 1, c.name);
      if (noDebian === false) assert.equal(theirs(["check", "web-config", f], dir).code, code, `Debian on ${c.name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------
// query commands against an in-process server (the client is async: the server runs in this process).

async function withServer(fn: (base: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "promtool-query-"));
  writeFileSync(path.join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1h\n");
  const s = new PrometheusServer(testServerOptions(dir));
  await s.start();
  try {
    await fn(`http://127.0.0.1:${s.address.port}`);
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const queryCases: Array<{ name: string; args: (base: string) => string[]; run: (base: string, io: BufferStreams) => Promise<number>; code: number; out: string; err?: string }> = [
  {
    name: "instant vector",
    args: (b) => ["query", "instant", "--time=100", b, 'label_replace(vector(7), "job", "a", "", "") + 1'],
    run: (b, io) => queryInstant({ server: b, format: QueryFormat.PromQL }, 'label_replace(vector(7), "job", "a", "", "") + 1', "100", io),
    code: 0,
    out: '{job="a"} => 8 @[100]\n',
  },
  {
    name: "instant vector as JSON",
    args: (b) => ["query", "-o", "json", "instant", "--time=100.5", b, 'label_replace(vector(7), "__name__", "up", "", "")'],
    run: (b, io) => queryInstant({ server: b, format: QueryFormat.JSON }, 'label_replace(vector(7), "__name__", "up", "", "")', "100.5", io),
    code: 0,
    out: '[{"metric":{"__name__":"up"},"value":[100.5,"7"]}]\n',
  },
  {
    name: "instant scalar",
    args: (b) => ["query", "instant", "--time=10", b, "1.5"],
    run: (b, io) => queryInstant({ server: b, format: QueryFormat.PromQL }, "1.5", "10", io),
    code: 0,
    out: "scalar: 1.5 @[10]\n",
  },
  {
    name: "range matrix",
    args: (b) => ["query", "range", "--start=0", "--end=120", "--step=60s", b, "vector(2)"],
    run: (b, io) => queryRange({ server: b, format: QueryFormat.PromQL }, "vector(2)", "0", "120", 60_000, io),
    code: 0,
    out: "{} =>\n2 @[0]\n2 @[60]\n2 @[120]\n",
  },
  {
    name: "range matrix as JSON",
    args: (b) => ["query", "-o", "json", "range", "--start=0", "--end=60", "--step=60s", b, "vector(2)"],
    run: (b, io) => queryRange({ server: b, format: QueryFormat.JSON }, "vector(2)", "0", "60", 60_000, io),
    code: 0,
    out: '[{"metric":{},"values":[[0,"2"],[60,"2"]]}]\n',
  },
  {
    name: "bad expression",
    args: (b) => ["query", "instant", "--time=10", b, "sum("],
    run: (b, io) => queryInstant({ server: b, format: QueryFormat.PromQL }, "sum(", "10", io),
    code: 1,
    out: "",
    err: 'query error: bad_data: invalid parameter "query": 1:5: parse error: unclosed left parenthesis\n',
  },
  {
    name: "series matching nothing",
    args: (b) => ["query", "series", "--match=nothing_here", b],
    run: (b, io) => querySeries({ server: b, format: QueryFormat.PromQL }, ["nothing_here"], "", "", io),
    code: 0,
    out: "",
  },
  {
    name: "label values matching nothing, JSON",
    args: (b) => ["query", "-o", "json", "labels", "--match=nothing_here", b, "job"],
    run: (b, io) => queryLabels({ server: b, format: QueryFormat.JSON }, "job", ["nothing_here"], "", "", io),
    code: 0,
    out: "[]\n",
  },
  {
    name: "bad time",
    args: (b) => ["query", "instant", "--time=soon", b, "1"],
    run: (b, io) => queryInstant({ server: b, format: QueryFormat.PromQL }, "1", "soon", io),
    code: 1,
    out: "",
    err: 'error parsing evaluation time: cannot parse "soon" to a valid timestamp\n',
  },
];

const execFileP = promisify(execFile);
async function runAsync(cmd: string, args: readonly string[]): Promise<Run> {
  try {
    const r = await execFileP(cmd, args, { encoding: "utf8" });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

test("query commands: output as upstream, in-process and through the CLI (and as Debian's promtool)", async () => {
  await withServer(async (base) => {
    for (const c of queryCases) {
      const io = new BufferStreams();
      assert.equal(await c.run(base, io), c.code, `${c.name}: ${io.err}`);
      assert.equal(io.out, c.out, c.name);
      if (c.err !== undefined) assert.equal(io.err, c.err, c.name);
      const cli = await runAsync(process.execPath, [path.resolve("bin/promstack"), "promtool", ...c.args(base)]);
      assert.equal(cli.code, c.code, `${c.name} (CLI): ${cli.stderr}`);
      assert.equal(cli.stdout, c.out, `${c.name} (CLI)`);
      if (noDebian === false) {
        const deb = await runAsync(debian, c.args(base));
        assert.equal(deb.code, c.code, `${c.name} (Debian): ${deb.stderr}`);
        assert.equal(deb.stdout, c.out, `${c.name} (Debian)`);
        if (c.err !== undefined) assert.equal(deb.stderr, c.err, `${c.name} (Debian)`);
      }
    }
  });
});
