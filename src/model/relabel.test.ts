import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Labels,
  NameValidationScheme,
  RelabelAction,
  RelabelConfigError,
  RelabelRegex,
  md5,
  newRelabelConfig,
  parseRelabelAction,
  relabel,
  validateRelabelConfig,
} from "./index.ts";
import type { RelabelConfig } from "./index.ts";

const A = RelabelAction;
const rx = (s: string): RelabelRegex => new RelabelRegex(s);
const L = (o: Record<string, string>): Labels => Labels.fromObject(o);

// From prometheus model/relabel/relabel_test.go TestRelabel, re-typed. Every
// config is validated (UTF-8 scheme) before use, as upstream's test does.
const cases: Array<{ name: string; input: Labels; rules: Array<Partial<RelabelConfig>>; want: Labels | null }> = [
  {
    name: "replace with ${1} twice",
    input: L({ a: "foo", b: "bar", c: "baz" }),
    rules: [{ sourceLabels: ["a"], regex: rx("f(.*)"), targetLabel: "d", replacement: "ch${1}-ch${1}" }],
    want: L({ a: "foo", b: "bar", c: "baz", d: "choo-choo" }),
  },
  {
    name: "two replaces, second sees first",
    input: L({ a: "foo", b: "bar", c: "baz" }),
    rules: [
      { sourceLabels: ["a", "b"], regex: rx("f(.*);(.*)r"), targetLabel: "a", replacement: "b${1}${2}m" },
      { sourceLabels: ["c", "a"], regex: rx("(b).*b(.*)ba(.*)"), targetLabel: "d", replacement: "$1$2$2$3" },
    ],
    want: L({ a: "boobam", b: "bar", c: "baz", d: "boooom" }),
  },
  {
    name: "drop stops processing",
    input: L({ a: "foo" }),
    rules: [
      { sourceLabels: ["a"], regex: rx(".*o.*"), action: A.Drop },
      { sourceLabels: ["a"], regex: rx("f(.*)"), targetLabel: "d", replacement: "ch$1-ch$1" },
    ],
    want: null,
  },
  {
    name: "drop on match",
    input: L({ a: "foo", b: "bar" }),
    rules: [{ sourceLabels: ["a"], regex: rx(".*o.*"), action: A.Drop }],
    want: null,
  },
  {
    name: "capture in the middle",
    input: L({ a: "abc" }),
    rules: [{ sourceLabels: ["a"], regex: rx(".*(b).*"), targetLabel: "d", replacement: "$1" }],
    want: L({ a: "abc", d: "b" }),
  },
  {
    name: "drop without match keeps",
    input: L({ a: "foo" }),
    rules: [{ sourceLabels: ["a"], regex: rx("no-match"), action: A.Drop }],
    want: L({ a: "foo" }),
  },
  {
    name: "drop regex is anchored",
    input: L({ a: "foo" }),
    rules: [{ sourceLabels: ["a"], regex: rx("f|o"), action: A.Drop }],
    want: L({ a: "foo" }),
  },
  {
    name: "keep without match drops",
    input: L({ a: "foo" }),
    rules: [{ sourceLabels: ["a"], regex: rx("no-match"), action: A.Keep }],
    want: null,
  },
  {
    name: "keep on match",
    input: L({ a: "foo" }),
    rules: [{ sourceLabels: ["a"], regex: rx("f.*"), action: A.Keep }],
    want: L({ a: "foo" }),
  },
  {
    name: "no replacement without a match",
    input: L({ a: "boo" }),
    rules: [{ sourceLabels: ["a"], regex: rx("f"), targetLabel: "b", replacement: "bar" }],
    want: L({ a: "boo" }),
  },
  {
    name: "blank replacement deletes the label",
    input: L({ a: "foo", f: "baz" }),
    rules: [{ sourceLabels: ["a"], regex: rx("(f).*"), targetLabel: "$1", replacement: "$2" }],
    want: L({ a: "foo" }),
  },
  {
    name: "hashmod",
    input: L({ a: "foo", b: "bar", c: "baz" }),
    rules: [{ sourceLabels: ["c"], targetLabel: "d", action: A.HashMod, modulus: 1000 }],
    want: L({ a: "foo", b: "bar", c: "baz", d: "976" }),
  },
  {
    name: "hashmod of a value with a newline",
    input: L({ a: "foo\nbar" }),
    rules: [{ sourceLabels: ["a"], targetLabel: "b", action: A.HashMod, modulus: 1000 }],
    want: L({ a: "foo\nbar", b: "734" }),
  },
  {
    name: "labelmap with prefix",
    input: L({ a: "foo", b1: "bar", b2: "baz" }),
    rules: [{ regex: rx("(b.*)"), replacement: "bar_${1}", action: A.LabelMap }],
    want: L({ a: "foo", b1: "bar", b2: "baz", bar_b1: "bar", bar_b2: "baz" }),
  },
  {
    name: "labelmap strips a meta prefix",
    input: L({ a: "foo", __meta_my_bar: "aaa", __meta_my_baz: "bbb", __meta_other: "ccc" }),
    rules: [{ regex: rx("__meta_(my.*)"), replacement: "${1}", action: A.LabelMap }],
    want: L({ a: "foo", __meta_my_bar: "aaa", __meta_my_baz: "bbb", __meta_other: "ccc", my_bar: "aaa", my_baz: "bbb" }),
  },
  {
    name: "target label from a capture",
    input: L({ a: "some-name-value" }),
    rules: [{ sourceLabels: ["a"], regex: rx("some-([^-]+)-([^,]+)"), replacement: "${2}", targetLabel: "${1}" }],
    want: L({ a: "some-name-value", name: "value" }),
  },
  {
    name: "missing group gives an empty replacement",
    input: L({ a: "some-name-value" }),
    rules: [{ sourceLabels: ["a"], regex: rx("some-([^-]+)-([^,]+)"), replacement: "${3}", targetLabel: "${1}" }],
    want: L({ a: "some-name-value" }),
  },
  {
    name: "empty expanded target label is skipped",
    input: L({ a: "some-name-0" }),
    rules: [
      { sourceLabels: ["a"], regex: rx("some-([^-]+)-([^,]+)"), replacement: "${1}", targetLabel: "${3}" },
      { sourceLabels: ["a"], regex: rx("some-([^-]+)-([^,]+)"), replacement: "${1}", targetLabel: "${3}" },
      { sourceLabels: ["a"], regex: rx("some-([^-]+)(-[^,]+)"), replacement: "${1}", targetLabel: "${3}" },
    ],
    want: L({ a: "some-name-0" }),
  },
  {
    name: "real-life tag parsing",
    input: L({ __meta_sd_tags: "path:/secret,job:some-job,label:foo=bar" }),
    rules: [
      { sourceLabels: ["__meta_sd_tags"], regex: rx("(?:.+,|^)path:(/[^,]+).*"), replacement: "${1}", targetLabel: "__metrics_path__" },
      { sourceLabels: ["__meta_sd_tags"], regex: rx("(?:.+,|^)job:([^,]+).*"), replacement: "${1}", targetLabel: "job" },
      { sourceLabels: ["__meta_sd_tags"], regex: rx("(?:.+,|^)label:([^=]+)=([^,]+).*"), replacement: "${2}", targetLabel: "${1}" },
    ],
    want: L({ __meta_sd_tags: "path:/secret,job:some-job,label:foo=bar", __metrics_path__: "/secret", job: "some-job", foo: "bar" }),
  },
  {
    name: "issue 12283: labeldrop then re-add then keep",
    input: L({ __meta_kubernetes_pod_container_port_name: "foo", __meta_kubernetes_pod_annotation_XXX_metrics_port: "9091" }),
    rules: [
      { regex: rx("^__meta_kubernetes_pod_container_port_name$"), action: A.LabelDrop },
      {
        sourceLabels: ["__meta_kubernetes_pod_annotation_XXX_metrics_port"],
        regex: rx("(.+)"),
        replacement: "metrics",
        targetLabel: "__meta_kubernetes_pod_container_port_name",
      },
      { sourceLabels: ["__meta_kubernetes_pod_container_port_name"], regex: rx("^metrics$"), action: A.Keep },
    ],
    want: L({ __meta_kubernetes_pod_annotation_XXX_metrics_port: "9091", __meta_kubernetes_pod_container_port_name: "metrics" }),
  },
  {
    name: "labelkeep",
    input: L({ a: "foo", b1: "bar", b2: "baz" }),
    rules: [{ regex: rx("(b.*)"), action: A.LabelKeep }],
    want: L({ b1: "bar", b2: "baz" }),
  },
  {
    name: "labeldrop",
    input: L({ a: "foo", b1: "bar", b2: "baz" }),
    rules: [{ regex: rx("(b.*)"), action: A.LabelDrop }],
    want: L({ a: "foo" }),
  },
  {
    name: "uppercase and lowercase",
    input: L({ foo: "bAr123Foo" }),
    rules: [
      { sourceLabels: ["foo"], action: A.Uppercase, targetLabel: "foo_uppercase" },
      { sourceLabels: ["foo"], action: A.Lowercase, targetLabel: "foo_lowercase" },
    ],
    want: L({ foo: "bAr123Foo", foo_lowercase: "bar123foo", foo_uppercase: "BAR123FOO" }),
  },
  {
    name: "keepequal keeps equal values",
    input: L({ __tmp_port: "1234", __port1: "1234", __port2: "5678" }),
    rules: [{ sourceLabels: ["__tmp_port"], action: A.KeepEqual, targetLabel: "__port1" }],
    want: L({ __tmp_port: "1234", __port1: "1234", __port2: "5678" }),
  },
  {
    name: "dropequal drops equal values",
    input: L({ __tmp_port: "1234", __port1: "1234", __port2: "5678" }),
    rules: [{ sourceLabels: ["__tmp_port"], action: A.DropEqual, targetLabel: "__port1" }],
    want: null,
  },
  {
    name: "dropequal keeps different values",
    input: L({ __tmp_port: "1234", __port1: "1234", __port2: "5678" }),
    rules: [{ sourceLabels: ["__tmp_port"], action: A.DropEqual, targetLabel: "__port2" }],
    want: L({ __tmp_port: "1234", __port1: "1234", __port2: "5678" }),
  },
  {
    name: "keepequal drops different values",
    input: L({ __tmp_port: "1234", __port1: "1234", __port2: "5678" }),
    rules: [{ sourceLabels: ["__tmp_port"], action: A.KeepEqual, targetLabel: "__port2" }],
    want: null,
  },
  {
    name: "dot matches a newline",
    input: L({ a: "line1\nline2", b: "bar", c: "baz" }),
    rules: [{ sourceLabels: ["a"], regex: rx("line1.*line2"), targetLabel: "d", replacement: "match${1}" }],
    want: L({ a: "line1\nline2", b: "bar", c: "baz", d: "match" }),
  },
  {
    name: "UTF-8 source label",
    input: L({ "utf-8.label": "line1\nline2", b: "bar", c: "baz" }),
    rules: [{ sourceLabels: ["utf-8.label"], regex: rx("line1.*line2"), targetLabel: "d", replacement: "match${1}" }],
    want: L({ "utf-8.label": "line1\nline2", b: "bar", c: "baz", d: "match" }),
  },
  {
    name: "UTF-8 target label",
    input: L({ a: "line1\nline2", b: "bar", c: "baz" }),
    rules: [{ sourceLabels: ["a"], regex: rx("line1.*line2"), targetLabel: "utf-8.label", replacement: "match${1}" }],
    want: L({ a: "line1\nline2", b: "bar", c: "baz", "utf-8.label": "match" }),
  },
  {
    name: "UTF-8 target label with a variable",
    input: L({ a: "line1\nline2", b: "bar", c: "baz" }),
    rules: [{ sourceLabels: ["a"], regex: rx("line1.*line2"), targetLabel: "utf-8.label${1}", replacement: "match${1}" }],
    want: L({ a: "line1\nline2", b: "bar", c: "baz", "utf-8.label": "match" }),
  },
  {
    name: "named groups in both $var styles",
    input: L({ a: "line1\nline2", b: "bar", c: "baz" }),
    rules: [
      { sourceLabels: ["a"], regex: rx("(line1).*(?<second>line2)"), targetLabel: "label1_${1}", replacement: "val_${second}" },
      { sourceLabels: ["a"], regex: rx("(line1).*(?<second>line2)"), targetLabel: "label2_$1", replacement: "val_$second" },
    ],
    want: L({ a: "line1\nline2", b: "bar", c: "baz", label1_line1: "val_line2", label2_line1: "val_line2" }),
  },
  {
    name: "__type__ from the metric name",
    input: L({ __name__: "http_requests_total" }),
    rules: [{ sourceLabels: ["__name__"], regex: rx(".*_total$"), targetLabel: "__type__", replacement: "counter" }],
    want: L({ __name__: "http_requests_total", __type__: "counter" }),
  },
  {
    name: "__unit__ from the metric name",
    input: L({ __name__: "disk_usage_bytes" }),
    rules: [{ sourceLabels: ["__name__"], regex: rx(".*_bytes$"), targetLabel: "__unit__", replacement: "bytes" }],
    want: L({ __name__: "disk_usage_bytes", __unit__: "bytes" }),
  },
  {
    name: "static label without source labels (fast path)",
    input: L({ job: "foo" }),
    rules: [{ targetLabel: "cluster", replacement: "dev-us-central-0" }],
    want: L({ job: "foo", cluster: "dev-us-central-0" }),
  },
  {
    name: "$$ is a literal dollar, $1x names a group called 1x",
    input: L({ a: "v" }),
    rules: [
      { sourceLabels: ["a"], regex: rx("(v)"), targetLabel: "b", replacement: "$$1-${1}x-$1x" },
    ],
    want: L({ a: "v", b: "$1-vx-" }),
  },
];

for (const c of cases) {
  test(`relabel: ${c.name}`, () => {
    const cfgs = c.rules.map((r) => newRelabelConfig(r));
    for (const cfg of cfgs) validateRelabelConfig(cfg, NameValidationScheme.UTF8);
    const got = relabel(c.input, cfgs);
    if (c.want === null) assert.equal(got, null);
    else assert.equal(got?.toString(), c.want.toString());
  });
}

// From TestRelabelValidate, plus the messages the config testdata exercises.
const validation: Array<{ name: string; cfg: Partial<RelabelConfig>; scheme?: NameValidationScheme; err: string | null }> = [
  { name: "empty action", cfg: { action: "" }, err: "relabel action cannot be empty" },
  { name: "replace needs a target", cfg: { action: A.Replace }, err: "relabel configuration for replace action requires 'target_label' value" },
  { name: "lowercase needs a target", cfg: { action: A.Lowercase }, err: "relabel configuration for lowercase action requires 'target_label' value" },
  { name: "UTF-8 allows ${3} as lowercase target", cfg: { action: A.Lowercase, targetLabel: "${3}" }, err: null },
  {
    name: "legacy rejects ${3} as lowercase target",
    cfg: { action: A.Lowercase, targetLabel: "${3}", nameValidationScheme: NameValidationScheme.Legacy },
    err: `"\${3}" is invalid 'target_label' for lowercase action`,
  },
  { name: "replace to ${3}", cfg: { sourceLabels: ["a"], regex: rx("some-([^-]+)-([^,]+)"), replacement: "${1}", targetLabel: "${3}" }, err: null },
  { name: "UTF-8 allows 0${3}", cfg: { sourceLabels: ["a"], regex: rx("some-([^-]+)-([^,]+)"), replacement: "${1}", targetLabel: "0${3}" }, err: null },
  {
    name: "legacy rejects 0${3}",
    cfg: { sourceLabels: ["a"], regex: rx("x"), replacement: "${1}", targetLabel: "0${3}" },
    scheme: NameValidationScheme.Legacy,
    err: `"0\${3}" is invalid 'target_label' for replace action`,
  },
  { name: "UTF-8 allows -${3}", cfg: { sourceLabels: ["a"], regex: rx("x"), replacement: "${1}", targetLabel: "-${3}" }, err: null },
  { name: "legacy labelmap $1", cfg: { regex: rx("__meta_kubernetes_pod_label_(strimzi_io_.+)"), action: A.LabelMap, replacement: "$1" }, scheme: NameValidationScheme.Legacy, err: null },
  { name: "legacy labelmap ${1}", cfg: { regex: rx("__meta_(.+)"), action: A.LabelMap, replacement: "${1}" }, scheme: NameValidationScheme.Legacy, err: null },
  { name: "legacy labelmap l-$1", cfg: { action: A.LabelMap, replacement: "l-$1" }, scheme: NameValidationScheme.Legacy, err: `"l-$1" is invalid 'replacement' for labelmap action` },
  { name: "hashmod needs a modulus", cfg: { action: A.HashMod, targetLabel: "x" }, err: "relabel configuration for hashmod requires non-zero modulus" },
  { name: "hashmod needs a target", cfg: { action: A.HashMod, modulus: 8 }, err: "relabel configuration for hashmod action requires 'target_label' value" },
  { name: "uppercase with a replacement", cfg: { action: A.Uppercase, targetLabel: "x", replacement: "y" }, err: "'replacement' can not be set for uppercase action" },
  {
    name: "keepequal with a regex",
    cfg: { action: A.KeepEqual, targetLabel: "x", regex: rx("(.*)") },
    err: "keepequal action requires only 'source_labels' and `target_label`, and no other fields",
  },
  { name: "labeldrop with source labels", cfg: { action: A.LabelDrop, sourceLabels: [] }, err: "labeldrop action requires only 'regex', and no other fields" },
  { name: "labelkeep with a separator", cfg: { action: A.LabelKeep, separator: "," }, err: "labelkeep action requires only 'regex', and no other fields" },
];

for (const c of validation) {
  test(`validate: ${c.name}`, () => {
    const cfg = newRelabelConfig(c.cfg);
    const run = (): void => validateRelabelConfig(cfg, c.scheme ?? NameValidationScheme.UTF8);
    if (c.err === null) run();
    else {
      assert.throws(run, (e: unknown) => {
        assert.ok(e instanceof RelabelConfigError);
        assert.equal(e.message, c.err);
        return true;
      });
    }
  });
}

// TestTargetLabelLegacyValidity, through replace-action validation.
const legacyTargets: Array<[string, boolean]> = [
  ["-label", false],
  ["label", true],
  ["label${1}", true],
  ["${1}label", true],
  ["${1}", true],
  ["${", false],
  ["$", false],
  ["${}", false],
  ["foo${", false],
  ["$1", true],
  ["asd$2asd", true],
  ["-foo${1}bar-", false],
  ["bar.foo${1}bar", false],
  ["_${1}_", true],
  ["foo${bar}foo", true],
];
for (const [target, ok] of legacyTargets) {
  test(`legacy target label ${JSON.stringify(target)} is ${ok ? "valid" : "invalid"}`, () => {
    const cfg = newRelabelConfig({ targetLabel: target, nameValidationScheme: NameValidationScheme.Legacy });
    if (ok) validateRelabelConfig(cfg, NameValidationScheme.Legacy);
    else assert.throws(() => validateRelabelConfig(cfg, NameValidationScheme.Legacy), RelabelConfigError);
  });
}

test("actions parse case-insensitively; unknown ones fail like upstream", () => {
  assert.equal(parseRelabelAction("LabelMap"), A.LabelMap);
  assert.throws(() => parseRelabelAction("vacation"), { message: 'unknown relabel action "vacation"' });
});

const md5Vectors: Array<[string, string]> = [
  ["", "d41d8cd98f00b204e9800998ecf8427e"],
  ["abc", "900150983cd24fb0d6963f7d28e17f72"],
  ["The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6"],
  ["a".repeat(56), "3b0c8ac703f828b04c6c197006d17218"],
];
for (const [input, hex] of md5Vectors) {
  test(`md5 of ${input.length} bytes`, () => {
    const got = Buffer.from(md5(new TextEncoder().encode(input))).toString("hex");
    assert.equal(got, hex);
  });
}
