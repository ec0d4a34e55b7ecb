import { test } from "node:test";
import assert from "node:assert/strict";
import { BodyBuffers } from "./body-buffers.ts";

test("BodyBuffers: power-of-two buffers from 64 KiB, reused after give", () => {
  const p = new BodyBuffers();
  assert.equal(p.take(0).length, 64 * 1024);
  assert.equal(p.take(53_000).length, 64 * 1024);
  assert.equal(p.take(64 * 1024).length, 64 * 1024);
  assert.equal(p.take(64 * 1024 + 1).length, 128 * 1024);
  const a = p.take(100_000);
  p.give(a);
  assert.equal(p.take(70_000), a, "the free buffer of that size is handed out again");
  assert.notEqual(p.take(70_000), a, "and only once");
  // Other sizes keep their own.
  const b = p.take(10);
  p.give(b);
  assert.notEqual(p.take(200_000), b);
  assert.equal(p.take(1), b);
});

test("BodyBuffers: detached, foreign and surplus buffers are not kept; huge bodies are not pooled", () => {
  const p = new BodyBuffers();
  const a = p.take(1000);
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  assert.equal(a.byteLength, 0);
  p.give(a);
  assert.notEqual(p.take(1000), a, "a detached buffer is dropped");
  const odd = new Uint8Array(100_000);
  p.give(odd);
  assert.notEqual(p.take(100_000), odd, "a buffer of a size take() does not hand out is dropped");
  const given = Array.from({ length: 20 }, () => p.take(1000));
  for (const b of given) p.give(b);
  const back = new Set(Array.from({ length: 20 }, () => p.take(1000)));
  assert.equal(given.filter((b) => back.has(b)).length, 16, "16 free buffers of a size are kept");
  const huge = p.take(100 * 1024 * 1024);
  assert.equal(huge.length, 100 * 1024 * 1024, "above 64 MiB: exactly the size asked");
  p.give(huge);
  assert.notEqual(p.take(100 * 1024 * 1024), huge);
});
