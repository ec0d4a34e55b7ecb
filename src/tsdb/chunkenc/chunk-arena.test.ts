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

test("ChunkArena: a dropped slab's bytes become the next new slab of any size, up to a share of the slabs in use", () => {
  const a = new ChunkArena();
  const per = SLAB_BYTES / 1024;
  const regions: { slab: Slab; off: number }[] = [];
  for (let i = 0; i < 2 * per; i++) regions.push({ slab: a.alloc(1024)!, off: a.offset });
  // The first slab empties first and is kept (the only one with room); the second is dropped once empty.
  const dropped = regions[per]!.slab;
  for (const r of regions) a.free(r.slab, r.off);
  assert.equal(a.slabs, 1, "one empty slab dropped, one kept");
  assert.equal(a.bytes, 2 * SLAB_BYTES, "the dropped slab's buffer is still held, for reuse");
  // Chunks grown to the next size: the new slab is made of the dropped one's bytes, with a fresh free list.
  const big: { slab: Slab; off: number }[] = [];
  for (let i = 0; i < SLAB_BYTES / 2048; i++) {
    const slab = a.alloc(2048)!;
    slab.buf.fill(i + 1, a.offset, a.offset + 2048);
    big.push({ slab, off: a.offset });
  }
  assert.equal(big[0]!.slab.buf, dropped.buf, "the dropped slab's buffer is reused");
  assert.notEqual(big[0]!.slab, dropped);
  assert.equal(new Set(big.map((r) => r.off)).size, big.length, "every region of the reused buffer handed out once");
  for (let i = 0; i < big.length; i++) {
    const { slab, off } = big[i]!;
    assert.ok(slab.buf.subarray(off, off + 2048).every((b) => b === i + 1), `region ${i} intact`);
  }
  assert.equal(a.slabs, 2);
  assert.equal(a.bytes, 2 * SLAB_BYTES, "no spare left");

  // Only so many are kept: at least 8, else an eighth of the slabs in use.
  const b = new ChunkArena();
  const many: { slab: Slab; off: number }[] = [];
  for (let i = 0; i < 20 * per; i++) many.push({ slab: b.alloc(1024)!, off: b.offset });
  assert.equal(b.slabs, 20);
  for (const r of many) b.free(r.slab, r.off);
  assert.equal(b.slabs, 1);
  assert.equal(b.bytes, (1 + 8) * SLAB_BYTES, "8 spare buffers kept, the other 11 left to the GC");
});
