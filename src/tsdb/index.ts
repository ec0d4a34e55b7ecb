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
  ChunkDiskMapper,
  HeadChunkCorruptionError,
  HEAD_CHUNKS_DIR,
} from "./head/index.ts";
export type { HeadOptions, Postings, HeadChunkStore } from "./head/index.ts";
export {
  DB,
  DBStats,
  MergedQuerier,
  openDB,
  deletableBlocks,
  WAL_DIR,
  WBL_DIR,
  DEFAULT_MIN_BLOCK_DURATION_MS,
  DEFAULT_RETENTION_MS,
} from "./db.ts";
export type { DBOptions } from "./db.ts";
export { DirLock, LockError, LOCK_FILENAME, DEFAULT_LOCK_REFRESH_MS, DEFAULT_LOCK_STALE_MS } from "./lock.ts";
export type { LockOptions } from "./lock.ts";
export { IndexWriter, IndexReader, INDEX_MAGIC, INDEX_VERSION, ALL_POSTINGS_NAME } from "./index/index.ts";
export type { ChunkMeta } from "./index/index.ts";
export {
  Block,
  BlockQuerier,
  ChunkWriter,
  ChunkReader,
  MergeIterator,
  writeBlock,
  readMeta,
  writeMeta,
  encodeMeta,
  decodeMeta,
  listBlockDirs,
  newULID,
  isULID,
  ulidTime,
  chunkRef,
  META_FILENAME,
  DEFAULT_CHUNK_SEGMENT_BYTES,
} from "./block/index.ts";
export type { BlockMeta, BlockDesc, BlockStats, SeriesChunks, ChunkData } from "./block/index.ts";
export { exponentialBlockRanges, compactionRanges, planCompaction, compactBlocks, headSeriesChunks } from "./compact/index.ts";
export type { DirMeta } from "./compact/index.ts";
export {
  MemTombstones,
  readTombstones,
  writeTombstones,
  encodeTombstonesFile,
  decodeTombstonesFile,
  TOMBSTONES_FILENAME,
} from "./tombstones/index.ts";
export type { Interval } from "./tombstones/index.ts";
export { PageCache } from "./fileutil/index.ts";
export { tsdbCollector } from "./metrics.ts";
export {
  ReadOnlyDB,
  listBlocks,
  formatBlocks,
  analyze,
  dump,
  DumpFormat,
  createBlocksFromOpenMetrics,
  compatibleBlockDuration,
  BackfillError,
} from "./tools/index.ts";
export type { BlockRow, AnalyzeOptions, DumpOptions, DumpSink, BackfillOptions, BackfillResult } from "./tools/index.ts";
