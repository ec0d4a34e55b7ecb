import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels, LabelsBuilder, compareLabels, mergeDisjoint, quoteString } from "./index.ts";
import { seededRandom } from "../util/index.ts";

test("labels are sorted, unique and drop empty values", () => {
  const l = Labels.fromStrings("b", "2", "a", "1", "c", "");
  assert.deepEqual(l.names, ["a", "b"]);
  assert.deepEqual(l.values, ["1", "2"]);
  assert.equal(l.get("a"), "1");
  assert.equal(l.get("c"), "");
  assert.equal(l.has("c"), false);
});

test("equal sets share key and hash, different sets do not", () => {
  const a = Labels.fromObject({ job: "x", instance: "y" });
  const b = Labels.fromStrings("instance", "y", "job", "x");
  const c = Labels.fromStrings("instance", "yjob", "x", "");
  assert.equal(a.key, b.key);
  assert.equal(a.hash, b.hash);
  assert.ok(a.equals(b));
  assert.notEqual(a.key, c.key);
  assert.ok(!a.equals(c));
});

test("hash is the FNV-1a of the key, computed without it", () => {
  const fnv = (k: string): number => {
    let h = 0x811c9dc5;
    for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
    return h >>> 0;
  };
  for (const l of [
    Labels.EMPTY,
    Labels.fromStrings("__name__", "up"),
    Labels.fromObject({ __name__: "http_requests_total", job: "api", instance: "10.0.0.1:9090", path: "/ünïcødé/😀" }),
    Labels.fromStrings("a", "bc"),
    Labels.fromStrings("ab", "c"),
  ]) {
    const h = l.hash;
    assert.equal(h, fnv(l.key), l.toString());
  }
  assert.notEqual(Labels.fromStrings("a", "bc").hash, Labels.fromStrings("ab", "c").hash);
});

test("key separates names from values", () => {
  const a = Labels.fromStrings("a", "bc");
  const b = Labels.fromStrings("ab", "c");
  assert.notEqual(a.key, b.key);
});

test("builder sets, deletes and keeps", () => {
  const base = Labels.fromObject({ __name__: "up", job: "a", instance: "i" });
  const b = new LabelsBuilder(base);
  b.set("zone", "z1").del("instance");
  assert.equal(b.labels().toString(), '{__name__="up", job="a", zone="z1"}');
  b.set("job", "");
  assert.equal(b.labels().toString(), '{__name__="up", zone="z1"}');
  b.keep("zone");
  assert.equal(b.labels().toString(), '{zone="z1"}');
  assert.equal(base.toString(), '{__name__="up", instance="i", job="a"}', "base is unchanged");
});

test("filters return new sets", () => {
  const l = Labels.fromObject({ __name__: "up", job: "a", instance: "i" });
  assert.equal(l.dropMetricName().toString(), '{instance="i", job="a"}');
  assert.equal(l.keep(["job"]).toString(), '{job="a"}');
  assert.equal(l.without("job", "instance").toString(), '{__name__="up"}');
  assert.equal(Labels.EMPTY.dropMetricName(), Labels.EMPTY);
});

const compareCases: { name: string; a: Record<string, string>; b: Record<string, string>; want: number }[] = [
  { name: "equal", a: { a: "1" }, b: { a: "1" }, want: 0 },
  { name: "value order", a: { a: "1" }, b: { a: "2" }, want: -1 },
  { name: "name order", a: { b: "1" }, b: { a: "1" }, want: 1 },
  { name: "prefix is smaller", a: { a: "1" }, b: { a: "1", b: "1" }, want: -1 },
];
for (const c of compareCases) {
  test(`compareLabels: ${c.name}`, () => {
    assert.equal(Math.sign(compareLabels(Labels.fromObject(c.a), Labels.fromObject(c.b))), c.want);
  });
}

const quoteCases = [
  { name: "plain", in: "abc", want: '"abc"' },
  { name: "quotes and backslash", in: 'a"b\\c', want: '"a\\"b\\\\c"' },
  { name: "control characters", in: "a\nb\tc\x01", want: '"a\\nb\\tc\\x01"' },
  { name: "unicode kept", in: "héllo ☃", want: '"héllo ☃"' },
];
for (const c of quoteCases) test(`quoteString: ${c.name}`, () => assert.equal(quoteString(c.in), c.want));

test("UTF-8 label names are quoted in text form", () => {
  assert.equal(Labels.fromObject({ "a.b": "c" }).toString(), '{"a.b"="c"}');
});

test("LabelsBuilder.labels() equals a plain rebuild for random sets, deletions and overrides", () => {
  const rand = seededRandom(42);
  const pick = (xs: string[]): string => xs[Math.floor(rand() * xs.length)]!;
  const names = ["__name__", "a", "b", "c", "instance", "job", "le", "zz", "ä"];
  const vals = ["", "x", "y", "1"];
  for (let round = 0; round < 500; round++) {
    const obj: Record<string, string> = {};
    for (const n of names) if (rand() < 0.5) obj[n] = pick(vals.slice(1));
    const base = Labels.fromObject(obj);
    const lb = new LabelsBuilder(base);
    const want = new Map(Object.entries(obj));
    for (let op = Math.floor(rand() * 6); op > 0; op--) {
      const n = pick(names);
      if (rand() < 0.3) {
        lb.del(n);
        want.delete(n);
      } else {
        const v = pick(vals);
        lb.set(n, v);
        if (v === "") want.delete(n);
        else want.set(n, v);
      }
    }
    const got = lb.labels();
    const sorted = [...want.keys()].sort();
    assert.deepEqual([...got.names], sorted, `round ${round}`);
    assert.deepEqual([...got.values], sorted.map((n) => want.get(n)), `round ${round}`);
    assert.equal(lb.labels().key, got.key, "labels() may be called again");
  }
});

test("LabelsBuilder sorts few and many set names alike", () => {
  for (const n of [3, 16, 17, 40]) {
    const names = Array.from({ length: n }, (_, i) => `l${String(i).padStart(2, "0")}`);
    const lb = new LabelsBuilder();
    for (const name of [...names].reverse()) lb.set(name, name.toUpperCase());
    const got = lb.labels();
    assert.deepEqual([...got.names], names, `${n} names`);
    assert.deepEqual([...got.values], names.map((x) => x.toUpperCase()), `${n} names`);
  }
});

test("mergeDisjoint merges sets without a common name, else null", () => {
  const a = Labels.fromStrings("__name__", "m", "b", "1", "z", "2");
  const t = Labels.fromStrings("instance", "i", "job", "j");
  assert.equal(mergeDisjoint(a, t)?.toString(), '{__name__="m", b="1", instance="i", job="j", z="2"}');
  assert.equal(mergeDisjoint(t, a)?.toString(), '{__name__="m", b="1", instance="i", job="j", z="2"}');
  assert.equal(mergeDisjoint(a, Labels.EMPTY)?.key, a.key);
  assert.equal(mergeDisjoint(Labels.EMPTY, Labels.EMPTY), Labels.EMPTY);
  assert.equal(mergeDisjoint(a, Labels.fromStrings("b", "other")), null);
  assert.equal(mergeDisjoint(Labels.fromStrings("zz", "x"), Labels.fromStrings("a", "1", "zz", "y")), null);
});
