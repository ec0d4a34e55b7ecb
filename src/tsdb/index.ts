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
export {
  WalCompression,
  WalUnsupportedError,
  Wlog,
  WlogStats,
  WalDirReader,
  listSegments,
  readSegmentFile,
  checkpoint,
  lastCheckpoint,
  deleteCheckpoints,
  checkpointDirName,
} from "./wal/index.ts";
export type { SegmentRef, WlogOptions, CheckpointRef, CheckpointStats } from "./wal/index.ts";
export {
  Head,
  HeadAppender,
  HeadStats,
  RejectReason,
  MemPostings,
  postingsForMatchers,
  DEFAULT_CHUNK_RANGE_MS,
  DEFAULT_SAMPLES_PER_CHUNK,
} from "./head/index.ts";
export type { HeadOptions, Postings } from "./head/index.ts";
export { DB, openDB, WAL_DIR } from "./db.ts";
export type { DBOptions } from "./db.ts";
