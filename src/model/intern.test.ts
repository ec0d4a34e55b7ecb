import { test } from "node:test";
import assert from "node:assert/strict";
import { LabelInterner, Labels } from "./index.ts";

test("interned label sets equal their input and share names arrays and strings", () => {
  const it = new LabelInterner();
  const body = 'http_requests_total{handler="/api/v1/query_range",code="200"} 1\n'.repeat(2);
  // Cut from a body, as the parser does: two equal values that are different strings.
  const v1 = body.slice(body.indexOf("/api"), body.indexOf('",'));
  const v2 = body.slice(body.lastIndexOf("/api"), body.lastIndexOf('",c'));
  const a = Labels.fromObject({ __name__: "http_requests_total", code: "200", handler: v1 });
  const b = Labels.fromObject({ __name__: "http_requests_total", code: "500", handler: v2 });
  const ia = it.labels(a);
  const ib = it.labels(b);
  assert.ok(ia.equals(a) && ib.equals(b));
  assert.equal(ia.hash, a.hash);
  assert.equal(ia.names, ib.names, "one names array for the same names");
  const other = it.labels(Labels.fromObject({ __name__: "up", job: "x" }));
  assert.notEqual(other.names, ia.names);
  assert.equal(it.labels(Labels.EMPTY), Labels.EMPTY);
});

test("a full interner starts over and keeps working", () => {
  const it = new LabelInterner(4);
  const sets = Array.from({ length: 20 }, (_, i) => Labels.fromObject({ __name__: `m${i}`, i: String(i), job: "j" }));
  for (const l of sets) assert.ok(it.labels(l).equals(l));
  const again = it.labels(sets[19]!);
  assert.ok(again.equals(sets[19]!));
});

test("names that join to the same key keep their own names arrays", () => {
  const it = new LabelInterner();
  const a = Labels.fromObject({ "a\u0000b": "1" });
  const b = Labels.fromObject({ a: "1", b: "2" });
  const ia = it.labels(a);
  const ib = it.labels(b);
  assert.ok(ia.equals(a), "first set kept");
  assert.ok(ib.equals(b), "second set not given the first one's names");
  assert.deepEqual(it.names(["a", "b"]), ["a", "b"]);
  assert.equal(it.names(["a\u0000b"]), ia.names);
});
