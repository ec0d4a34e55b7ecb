import { test } from "node:test";
import assert from "node:assert/strict";
import { ChunkArena, SLAB_BYTES, type Slab } from "./chunk-arena.ts";

test("ChunkArena.regionSize: powers of two from 32", () => {
  const cases = [
    { size: 0, want: 32 },
    { size: 1, want: 32 },
    { size: 32, want: 32 },
    { size: 33, want: 64 },
    { size: 1000, want: 1024 },
    { size: 4096, want: 4096 },
  ];
  for (const c of cases) assert.equal(ChunkArena.regionSize(c.size), c.want, `size ${c.size}`);
});

test("ChunkArena: regions do not overlap, are reused after free, and big sizes are refused", () => {
  const a = new ChunkArena();
  assert.equal(a.alloc(4097), null, "above the largest region");
  assert.equal(a.slabs, 0);
  const per = SLAB_BYTES / 64;
  const got: { slab: Slab; off: number }[] = [];
  for (let i = 0; i < per + 3; i++) {
    const slab = a.alloc(50)!;
    assert.equal(slab.regionBytes, 64);
    // Mark the region: a later overlap would show as a clobbered mark.
    slab.buf.fill(i & 0xff, a.offset, a.offset + 64);
    got.push({ slab, off: a.offset });
  }
  assert.equal(a.slabs, 2, "a second slab once the first is full");
  assert.equal(a.bytes, 2 * SLAB_BYTES);
  for (let i = 0; i < got.length; i++) {
    const { slab, off } = got[i]!;
    assert.ok(slab.buf.subarray(off, off + 64).every((b) => b === (i & 0xff)), `region ${i} intact`);
  }
  const first = got[5]!;
  a.free(first.slab, first.off);
  const again = a.alloc(64)!;
  assert.equal(again, first.slab, "the freed region's slab has room again");
  assert.equal(a.offset, first.off, "the freed region is handed out next");
});

test("ChunkArena: a slab left empty is dropped unless it is the last with room", () => {
  const a = new ChunkArena();
  const per = SLAB_BYTES / 1024;
  const regions: { slab: Slab; off: number }[] = [];
  for (let i = 0; i < 2 * per; i++) regions.push({ slab: a.alloc(1024)!, off: a.offset });
  assert.equal(a.slabs, 2);
  // Empty the first slab: it is dropped once empty only if another has room; the second is still full.
  for (let i = 0; i < per; i++) a.free(regions[i]!.slab, regions[i]!.off);
  assert.equal(a.slabs, 2, "kept: the only slab of its size with room");
  a.free(regions[per]!.slab, regions[per]!.off);
  for (let i = per + 1; i < 2 * per; i++) a.free(regions[i]!.slab, regions[i]!.off);
  assert.equal(a.slabs, 1, "one of the two empty slabs dropped");
  // Other sizes have slabs of their own.
  a.alloc(32);
  a.alloc(2048);
  assert.equal(a.slabs, 3);
});
