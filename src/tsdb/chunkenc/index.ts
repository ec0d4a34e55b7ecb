export { XORChunk, XORAppender, XORIterator, Encoding, MAX_XOR_SAMPLES } from "./xor.ts";
