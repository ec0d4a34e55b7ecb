import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { NameValidation, parseRuleFile, parseRules, RuleValidationError, TEMPLATE_DEFS } from "./index.ts";

const ref = path.resolve(process.cwd(), "../shared/reference");
const ruleFiles = path.join(ref, "rule-files");
const promtool = path.join(ref, "promtool");

// Upstream's rulefmt_test.go checks that errs[0] contains a fragment; these
// are the full messages Prometheus prints for those files (positions are
// go-yaml v3's line:column of the offending node, 0:0 when it is absent).
const badFiles = [
  {
    file: "duplicate_grp.bad.yaml",
    want: ['3:5: groupname: "yolo" is repeated in the same file'],
  },
  {
    file: "bad_expr.bad.yaml",
    want: [
      '5:15: group "yolo", rule 1, "yolo": could not parse expression: 1:6: parse error: expected type range vector in call to function "rate", got instant vector',
    ],
  },
  {
    file: "record_and_alert.bad.yaml",
    want: ['4:17: 5:16: group "yolo", rule 1, "Hello": only one of \'record\' and \'alert\' must be set'],
  },
  {
    file: "no_rec_alert.bad.yaml",
    want: ['0:0: 0:0: group "yolo", rule 1, "": one of \'record\' or \'alert\' must be set'],
  },
  {
    file: "noexpr.bad.yaml",
    want: ['0:0: group "yolo", rule 1, "ylo": field \'expr\' must be set in rule'],
  },
  {
    file: "invalid_record_name.bad.yaml",
    want: [
      '4:17: group "yolo", rule 1, "strawberry{flavor=\\"sweet\\"}": braces present in the recording rule name; should it be in expr?: strawberry{flavor="sweet"}',
    ],
  },
  {
    file: "bad_field.bad.yaml",
    want: ["yaml: unmarshal errors:\n  line 8: field annotation not found in type rulefmt.Rule"],
  },
  {
    file: "invalid_label_name.bad.yaml",
    want: ['group "yolo", rule 1, "hola": invalid label name: __name__'],
  },
  {
    file: "record_and_for.bad.yaml",
    want: ['4:17: group "yolo", rule 1, "Hello": invalid field \'for\' in recording rule'],
  },
  {
    file: "record_and_keep_firing_for.bad.yaml",
    want: ['4:17: group "yolo", rule 1, "Hello": invalid field \'keep_firing_for\' in recording rule'],
  },
];

for (const c of badFiles) {
  test(`rule file ${c.file} is rejected with upstream's messages`, async () => {
    const f = path.join(ruleFiles, c.file);
    const res = await parseRuleFile(f);
    assert.deepEqual(
      res.errors.map((e) => e.message),
      c.want.map((w) => `${f}: ${w}`),
    );
  });
}

const goodFiles = [
  ...["test.yaml", "test_aliases.yaml", "utf-8_annotation.good.yaml", "utf-8_lname.good.yaml", "legacy_validation_annotation.good.yaml"].map(
    (f) => path.join(ruleFiles, f),
  ),
  // With UTF-8 names (Prometheus 3's default) this file is fine.
  path.join(ruleFiles, "legacy_validation_annotation.bad.yaml"),
  ...["rules.yml", "rules_duplicates.yml", "prometheus-rules.lint.yml", "at-modifier.yml", "negative-offset.yml", "bad-rules-error.yml", "rules_large.yml"].map(
    (f) => path.join(promtool, f),
  ),
];

for (const f of goodFiles) {
  test(`rule file ${path.basename(f)} loads`, async () => {
    const res = await parseRuleFile(f);
    assert.deepEqual(
      res.errors.map((e) => e.message),
      [],
    );
    assert.ok(res.groups !== null && res.groups.length > 0);
  });
}

test("legacy name validation rejects a UTF-8 annotation name", async () => {
  const f = path.join(ruleFiles, "legacy_validation_annotation.bad.yaml");
  const res = await parseRuleFile(f, { nameValidation: NameValidation.Legacy });
  assert.deepEqual(
    res.errors.map((e) => e.message),
    [`${f}: group "yolo", rule 1, "hola": invalid annotation name: ins-tance`],
  );
});

test("promtool's bad-rules-syntax.yml reports the PromQL error with its position", async () => {
  const f = path.join(promtool, "bad-rules-syntax.yml");
  const res = await parseRuleFile(f);
  assert.deepEqual(
    res.errors.map((e) => e.message),
    [`${f}: 7:15: group "bad-syntax", rule 1, "x": could not parse expression: 1:7: parse error: unexpected end of input`],
  );
});

test("a unit-test file is not a rule file: its unknown fields are reported", async () => {
  const f = path.join(promtool, "long-period.yml");
  const res = await parseRuleFile(f);
  assert.equal(res.groups, null);
  assert.deepEqual(
    res.errors.map((e) => e.message),
    [
      `${f}: yaml: unmarshal errors:\n  line 2: field evaluation_interval not found in type rulefmt.RuleGroups\n  line 4: field rule_files not found in type rulefmt.RuleGroups\n  line 7: field tests not found in type rulefmt.RuleGroups`,
    ],
  );
});

test("aliases and merge keys resolve as in test_aliases.yaml", async () => {
  const res = await parseRuleFile(path.join(ruleFiles, "test_aliases.yaml"));
  const expr = "sum without(instance) (rate(errors_total[5m]))\n/\nsum without(instance) (rate(requests_total[5m]))\n";
  for (const g of res.groups ?? []) {
    assert.equal(g.rules[0]!.alert, "HighAlert");
    assert.equal(g.rules[0]!.labels?.get("severity"), "critical");
    assert.equal(g.rules[0]!.annotations?.get("description"), "stuff's happening with {{ $.labels.service }}");
    assert.equal(g.rules[1]!.record, "new_metric");
    assert.equal(g.rules[3]!.alert, "HighAlert2");
    assert.equal(g.rules[3]!.labels?.get("severity"), "critical");
    for (const r of g.rules) assert.equal(r.expr, expr);
  }
});

const inline = [
  {
    name: "fields of a group are decoded",
    yaml: "groups:\n- name: g\n  interval: 30s\n  query_offset: 1m\n  limit: 10\n  labels: {team: a}\n  rules:\n  - record: r\n    expr: up\n",
    errors: [],
    check: (g: NonNullable<ReturnType<typeof parseRules>["groups"]>) => {
      assert.equal(g[0]!.intervalMs, 30_000);
      assert.equal(g[0]!.queryOffsetMs, 60_000);
      assert.equal(g[0]!.limit, 10);
      assert.equal(g[0]!.labels?.get("team"), "a");
    },
  },
  {
    name: "an empty file has no groups",
    yaml: "",
    errors: [],
    check: (g: NonNullable<ReturnType<typeof parseRules>["groups"]>) => assert.equal(g.length, 0),
  },
  {
    name: "a bad duration aborts decoding with model.Duration's message (both decodings)",
    yaml: "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 5x\n",
    errors: ['unknown unit "x" in duration "5x"', 'unknown unit "x" in duration "5x"'],
  },
  {
    name: "a repeated key is go-yaml v3's error",
    yaml: "groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    expr: down\n",
    errors: [
      'yaml: unmarshal errors:\n  line 6: mapping key "expr" already defined at line 5',
      'yaml: unmarshal errors:\n  line 6: mapping key "expr" already defined at line 5',
    ],
  },
  {
    name: "a non-integer limit is a type error",
    yaml: "groups:\n- name: g\n  limit: lots\n  rules: []\n",
    errors: ["yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `lots` into int", "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `lots` into int"],
  },
  {
    name: "a list where a string is expected",
    yaml: "groups:\n- name: g\n  rules:\n  - record: [a]\n    expr: up\n",
    errors: ["yaml: unmarshal errors:\n  line 4: cannot unmarshal !!seq into string"],
  },
  {
    name: "an empty group name",
    yaml: "groups:\n- name: ''\n  rules: []\n",
    errors: ["2:3: Groupname must not be empty"],
  },
  {
    name: "neither record nor alert, and an empty label name",
    yaml: 'groups:\n- name: g\n  rules:\n  - record: ""\n    alert: ""\n    expr: up\n  - record: ok\n    expr: up\n    labels:\n      "": x\n',
    errors: [
      "4:13: 5:12: group \"g\", rule 1, \"\": one of 'record' or 'alert' must be set",
      'group "g", rule 2, "ok": invalid label name: ',
    ],
  },
  {
    name: "annotations on a recording rule",
    yaml: "groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    annotations:\n      a: b\n",
    errors: ["4:13: group \"g\", rule 1, \"r\": invalid field 'annotations' in recording rule"],
  },
  {
    name: "unknown fields are accepted when asked",
    yaml: "groups:\n- name: g\n  whatever: 1\n  rules: []\n",
    opts: { ignoreUnknownFields: true },
    errors: [],
  },
];

for (const c of inline) {
  test(`parseRules: ${c.name}`, () => {
    const res = parseRules(c.yaml, c.opts ?? {});
    assert.deepEqual(
      res.errors.map((e) => e.message),
      c.errors,
    );
    if (c.check !== undefined && res.groups !== null) c.check(res.groups);
  });
}

test("RuleValidationError prints like rulefmt.Error", () => {
  const cases = [
    { pos: { line: 10, column: 20 }, alt: { line: 11, column: 21 }, want: '10:20: 11:21: group "some group", rule 1, "some rule name": some error' },
    { pos: { line: 10, column: 20 }, alt: null, want: '10:20: group "some group", rule 1, "some rule name": some error' },
    { pos: null, alt: null, want: 'group "some group", rule 1, "some rule name": some error' },
  ];
  for (const c of cases) {
    assert.equal(new RuleValidationError("some group", 1, "some rule name", "some error", c.pos, c.alt).message, c.want);
  }
});

test("template checks report label and annotation errors of alerting rules", async () => {
  // A stand-in for the template parser: it knows the four variables Prometheus defines.
  const checkTemplate = (name: string, text: string): Error | null => {
    assert.ok(text.startsWith(TEMPLATE_DEFS));
    for (const m of text.matchAll(/\$(\w+)/g)) {
      if (!["labels", "externalLabels", "externalURL", "value"].includes(m[1]!)) {
        return new Error(`template: ${name}:1: undefined variable "$${m[1]}"`);
      }
    }
    return null;
  };
  const f = path.join(promtool, "rules-bad.yml");
  const res = await parseRuleFile(f, { checkTemplate });
  assert.deepEqual(
    res.errors.map((e) => e.message),
    [`${f}: group "alerts", rule 1, "InstanceDown": annotation "summary": template: __alert_InstanceDown:1: undefined variable "$label"`],
  );
  assert.deepEqual((await parseRuleFile(path.join(promtool, "rules.yml"), { checkTemplate })).errors, []);
});

test("the deployment guide's PrometheusRule loads as is", () => {
  const guide = readFileSync(path.resolve(process.cwd(), "../shared/deployment-guide.md"), "utf8");
  const m = /\*\*Custom PrometheusRule\*\*[^\n]*\n```yaml\n([\s\S]*?)```/.exec(guide);
  assert.ok(m !== null, "PrometheusRule block not found in the guide");
  const res = parseRules(m[1]!);
  assert.deepEqual(res.errors, []);
  const g = res.groups![0]!;
  assert.equal(g.name, "slo_availability");
  assert.equal(g.intervalMs, 15_000);
  assert.equal(g.rules[0]!.alert, "SLOAvailabilityFastBurn");
  assert.equal(g.rules[0]!.forMs, 120_000);
  assert.equal(g.rules[0]!.labels?.get("severity"), "critical");
});

test("a PrometheusRule with an unknown spec field is rejected", () => {
  const res = parseRules("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec:\n  groupz: []\n");
  assert.deepEqual(
    res.errors.map((e) => e.message),
    ["yaml: unmarshal errors:\n  line 5: field groupz not found in type v1.PrometheusRuleSpec"],
  );
});

test("a missing file is reported as Go's os.ReadFile error", async () => {
  const f = path.join(ruleFiles, "does-not-exist.yml");
  const res = await parseRuleFile(f);
  assert.deepEqual(
    res.errors.map((e) => e.message),
    [`${f}: open ${f}: no such file or directory`],
  );
});
