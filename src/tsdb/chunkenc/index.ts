export { XORChunk, XORAppender, XORIterator, Encoding, MAX_XOR_SAMPLES } from "./xor.ts";
export { ChunkArena, SLAB_BYTES } from "./chunk-arena.ts";
