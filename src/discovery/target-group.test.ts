import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeTargetGroupsJSON, decodeTargetGroupsYAML } from "./target-group.ts";
import type { TargetGroup } from "./index.ts";

const extra = ["__meta_filepath", "/sd/a.json"] as const;

function plain(gs: TargetGroup[]): unknown {
  return gs.map((g) => ({ source: g.source, targets: g.targets.map((t) => t.toObject()), labels: g.labels.toObject() }));
}

const ok = [
  {
    name: "json groups get sources and the extra label",
    json: true,
    text: '[{"targets":["a:1","b:2"],"labels":{"env":"prod"}},{"targets":["c:3"]}]',
    want: [
      { source: "/sd/a.json:0", targets: [{ __address__: "a:1" }, { __address__: "b:2" }], labels: { env: "prod", __meta_filepath: "/sd/a.json" } },
      { source: "/sd/a.json:1", targets: [{ __address__: "c:3" }], labels: { __meta_filepath: "/sd/a.json" } },
    ],
  },
  { name: "json ignores unknown fields", json: true, text: '[{"targets":["a:1"],"extra":1}]', want: [{ source: "/sd/a.json:0", targets: [{ __address__: "a:1" }], labels: { __meta_filepath: "/sd/a.json" } }] },
  { name: "json null is no groups", json: true, text: "null", want: [] },
  {
    name: "yaml groups",
    json: false,
    text: "- targets: ['a:1']\n  labels:\n    job: x\n- targets: []\n",
    want: [
      { source: "/sd/a.json:0", targets: [{ __address__: "a:1" }], labels: { job: "x", __meta_filepath: "/sd/a.json" } },
      { source: "/sd/a.json:1", targets: [], labels: { __meta_filepath: "/sd/a.json" } },
    ],
  },
  { name: "empty yaml is no groups", json: false, text: "", want: [] },
];
for (const c of ok) {
  test(`target groups: ${c.name}`, () => {
    const got = c.json ? decodeTargetGroupsJSON(c.text, "/sd/a.json", extra) : decodeTargetGroupsYAML(c.text, "/sd/a.json", extra);
    assert.deepEqual(plain(got), c.want);
  });
}

const bad = [
  { name: "json syntax", json: true, text: "[{", want: /JSON|Unexpected|Expected/ },
  { name: "json null item", json: true, text: '[{"targets":["a"]}, null]', want: /^nil target group item found$/ },
  { name: "json object instead of list", json: true, text: '{"targets":["a"]}', want: /cannot unmarshal object into Go value of type \[\]\*targetgroup.Group/ },
  { name: "json target not a string", json: true, text: '[{"targets":[1]}]', want: /cannot unmarshal number/ },
  { name: "json empty label name", json: true, text: '[{"labels":{"":"x"}}]', want: /^"" is not a valid label name$/ },
  { name: "yaml unknown field", json: false, text: "- targets: ['a']\n  lables: {}\n", want: /line 2: field lables not found/ },
  { name: "yaml null item", json: false, text: "- targets: ['a']\n- \n", want: /^nil target group item found$/ },
  { name: "yaml map instead of list", json: false, text: "targets: ['a']\n", want: /cannot unmarshal !!map into \[\]\*targetgroup.Group/ },
];
for (const c of bad) {
  test(`target groups: rejects ${c.name}`, () => {
    assert.throws(
      () => (c.json ? decodeTargetGroupsJSON(c.text, "f", extra) : decodeTargetGroupsYAML(c.text, "f", extra)),
      (e: Error) => e.name === "TargetGroupDecodeError" && c.want.test(e.message),
    );
  });
}
