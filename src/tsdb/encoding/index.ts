export { crc32c, crc32cUpdate } from "./crc32c.ts";
export { Encbuf } from "./encbuf.ts";
export { Decbuf, readBE32, decodeUTF8 } from "./decbuf.ts";
export { DecodeError, DecodeErrorReason } from "./errors.ts";
export {
  floatBitsHi,
  floatBitsLo,
  floatFromBits,
  isStaleNaNBits,
  STALE_NAN_HI,
  STALE_NAN_LO,
  GO_NAN_HI,
  GO_NAN_LO,
} from "./float-bits.ts";
