import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

/**
 * Runs, in a fresh node process, a scrape-like loop: each round makes a
 * reader (a subclass with a private field, as the text parser is) and reads
 * a text with it, so its method gets optimized; then takes two heap
 * snapshots, whose GCs reduce memory as the memory reducer's do. Returns
 * whether the method was optimized before and is still optimized after.
 */
function optimizedAcrossReducingGc(keep: boolean): { before: boolean; after: boolean } {
  const url = new URL("./keep-shape.js", import.meta.url).href;
  const script = `
    import v8 from "node:v8";
    import { keepShape } from ${JSON.stringify(url)};
    class Base { constructor(s) { this.s = s; this.i = 0; this.v = 0; } }
    class Reader extends Base {
      #end;
      constructor(s) { super(s); this.#end = s.length; }
      next() { if (this.i >= this.#end) return -1; this.v = this.v + this.s.charCodeAt(this.i) * 0.5; return this.i++; }
    }
    function round(text) { const r = new Reader(text); let n = 0; while (r.next() >= 0) n++; if (${keep}) keepShape(r); return n; }
    const text = "abcdefgh".repeat(100);
    for (let k = 0; k < 2000; k++) round(text + "");
    const optimized = () => (%GetOptimizationStatus(Reader.prototype.next) & 16) !== 0;
    const before = optimized();
    for (let k = 0; k < 2; k++) for await (const _ of v8.getHeapSnapshot());
    console.log(JSON.stringify({ before, after: optimized() }));`;
  const r = spawnSync(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { before: boolean; after: boolean };
}

test("keepShape: optimized code of a per-request class survives a memory-reducing GC", () => {
  assert.deepEqual(optimizedAcrossReducingGc(true), { before: true, after: true });
});

test("keepShape: without it, the same GC throws that code away (the V8 behaviour it works around)", () => {
  assert.deepEqual(optimizedAcrossReducingGc(false), { before: true, after: false });
});

test("keepShape: keeps the last object of each class, and lets the earlier ones go", async () => {
  const url = new URL("./keep-shape.js", import.meta.url).href;
  const script = `
    import { keepShape } from ${JSON.stringify(url)};
    class A {}
    class B {}
    const a1 = new WeakRef(new A());
    const a2 = new WeakRef(new A());
    const b1 = new WeakRef(new B());
    keepShape(a1.deref()); keepShape(b1.deref()); keepShape(a2.deref());
    await new Promise((r) => setImmediate(r));
    gc();
    console.log(JSON.stringify([a1.deref() !== undefined, a2.deref() !== undefined, b1.deref() !== undefined]));`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [false, true, true]);
});
