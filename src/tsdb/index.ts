export {
  Encbuf,
  Decbuf,
  DecodeError,
  DecodeErrorReason,
  crc32c,
  crc32cUpdate,
  floatBitsHi,
  floatBitsLo,
  floatFromBits,
  isStaleNaNBits,
} from "./encoding/index.ts";
export { XORChunk, XORAppender, XORIterator, Encoding, MAX_XOR_SAMPLES } from "./chunkenc/index.ts";
export {
  RecordType,
  RefSamples,
  recordType,
  encodeSeries,
  encodeSamples,
  encodeTombstones,
  decodeSeries,
  decodeSamples,
  decodeTombstones,
} from "./record/index.ts";
export type { RefSeries, RefTombstone } from "./record/index.ts";
export {
  WalWriter,
  WalReader,
  WalCorruptionError,
  PAGE_SIZE,
  DEFAULT_SEGMENT_SIZE,
  segmentName,
} from "./wal/index.ts";
export type { WalSegment, WalSegmentSink, WalWriterOptions } from "./wal/index.ts";
