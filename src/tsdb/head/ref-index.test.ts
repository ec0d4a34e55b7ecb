import { test } from "node:test";
import assert from "node:assert/strict";
import { REF_PAGE_SIZE, RefIndex } from "./ref-index.ts";

interface Item {
  ref: number;
}

function filled(refs: readonly number[]): RefIndex<Item> {
  const ix = new RefIndex<Item>();
  for (const ref of refs) ix.set(ref, { ref });
  return ix;
}

const P = REF_PAGE_SIZE;

test("RefIndex: lookups of present and missing refs", () => {
  const ix = filled([1, 2, 3, P - 1, P, 5 * P + 7]);
  const cases = [
    { ref: 1, want: 1 },
    { ref: 3, want: 3 },
    { ref: P - 1, want: P - 1 },
    { ref: P, want: P },
    { ref: 5 * P + 7, want: 5 * P + 7 },
    { ref: 0, want: undefined },
    { ref: 4, want: undefined },
    { ref: P + 1, want: undefined },
    { ref: 2 * P, want: undefined, why: "page never created" },
    { ref: 5 * P + 6, want: undefined },
    { ref: 1000 * P, want: undefined, why: "past the page table" },
    { ref: -1, want: undefined },
    { ref: 1.5, want: undefined, why: "not an integer" },
    { ref: 2 ** 40, want: undefined, why: "past the paged range, empty overflow" },
    { ref: Number.NaN, want: undefined },
  ];
  for (const c of cases) {
    assert.equal(ix.get(c.ref)?.ref, c.want, `ref ${c.ref}`);
    assert.equal(ix.has(c.ref), c.want !== undefined, `has ${c.ref}`);
  }
  assert.equal(ix.size, 6);
  assert.equal(ix.pages, 3);
});

test("RefIndex: set replaces without counting twice", () => {
  const ix = filled([7]);
  const b = { ref: 7 };
  ix.set(7, b);
  assert.equal(ix.get(7), b);
  assert.equal(ix.size, 1);
  assert.equal(ix.delete(7), true);
  assert.equal(ix.size, 0);
  assert.equal(ix.pages, 0);
});

test("RefIndex: removal, and a page dropped once empty", () => {
  const refs = [1, 2, P + 1, P + 2, 2 * P];
  const ix = filled(refs);
  assert.equal(ix.pages, 3);
  const steps = [
    { del: 1, ok: true, size: 4, pages: 3 },
    { del: 1, ok: false, size: 4, pages: 3, why: "already gone" },
    { del: 3, ok: false, size: 4, pages: 3, why: "never set, page exists" },
    { del: 9 * P, ok: false, size: 4, pages: 3, why: "past the page table" },
    { del: 2, ok: true, size: 3, pages: 2, why: "page 0 empty: dropped" },
    { del: P + 1, ok: true, size: 2, pages: 2 },
    { del: P + 2, ok: true, size: 1, pages: 1 },
    { del: 2 * P, ok: true, size: 0, pages: 0 },
  ];
  for (const s of steps) {
    assert.equal(ix.delete(s.del), s.ok, `delete ${s.del}`);
    assert.equal(ix.size, s.size, `size after delete ${s.del}`);
    assert.equal(ix.pages, s.pages, `pages after delete ${s.del}`);
    assert.equal(ix.get(s.del), undefined);
  }
  // A dropped page comes back on the next set (a replayed ref).
  ix.set(2, { ref: 2 });
  assert.equal(ix.get(2)?.ref, 2);
  assert.equal(ix.get(1), undefined);
  assert.equal(ix.pages, 1);
});

test("RefIndex: refs past the paged range go to the overflow", () => {
  const big = 2 ** 40 + 3;
  const ix = filled([5, big, 2 ** 28]);
  assert.equal(ix.get(big)?.ref, big);
  assert.equal(ix.get(2 ** 28)?.ref, 2 ** 28);
  assert.equal(ix.get(big + 1), undefined);
  assert.equal(ix.size, 3);
  assert.deepEqual(
    ix.values().map((v) => v.ref),
    [5, 2 ** 28, big],
  );
  assert.equal(ix.delete(big), true);
  assert.equal(ix.delete(big), false);
  assert.equal(ix.size, 2);
});

test("RefIndex: values and forEach in ref order, whatever the insertion order", () => {
  const refs = [3 * P + 1, 9, 2, P + 5, 1];
  const ix = filled(refs);
  const want = [...refs].sort((a, b) => a - b);
  assert.deepEqual(
    ix.values().map((v) => v.ref),
    want,
  );
  const seen: number[] = [];
  ix.forEach((v) => seen.push(v.ref));
  assert.deepEqual(seen, want);
});

test("RefIndex: set rejects refs that are not positive integers", () => {
  const ix = new RefIndex<Item>();
  for (const ref of [0, -3, 1.5, Number.NaN, 2 ** 53]) assert.throws(() => ix.set(ref, { ref }), /BUG: series ref/);
  assert.equal(ix.size, 0);
});

test("RefIndex: many sequential refs, then truncation of the oldest", () => {
  const n = 3 * P + 100;
  const ix = new RefIndex<Item>();
  for (let r = 1; r <= n; r++) ix.set(r, { ref: r });
  assert.equal(ix.size, n);
  assert.equal(ix.pages, 4);
  for (let r = 1; r < 2 * P; r++) ix.delete(r);
  assert.equal(ix.size, n - (2 * P - 1));
  assert.equal(ix.pages, 2);
  for (let r = 1; r <= n; r++) assert.equal(ix.get(r)?.ref, r < 2 * P ? undefined : r);
});
