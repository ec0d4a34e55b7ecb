export {
  Head,
  HeadAppender,
  HeadStats,
  RejectReason,
  DEFAULT_CHUNK_RANGE_MS,
  DEFAULT_SAMPLES_PER_CHUNK,
  type HeadOptions,
  type ReplayCorruption,
  type OOOSnapshot,
} from "./head.ts";
export { MemPostings, postingsForMatchers, intersect, merge, subtract, type Postings, type PostingsIndex } from "./postings.ts";
export { MemSeries, SeriesTimes, HeadSeries, HeadIterator, OOOSamples, oooIterator, computeChunkEndTime, rangeForTimestamp, type ChunkSource } from "./series.ts";
export {
  ChunkDiskMapper,
  ChunkDiskMapperStats,
  HeadChunkCorruptionError,
  MemChunkStore,
  HEAD_CHUNKS_DIR,
  MAGIC_HEAD_CHUNKS,
  HEAD_CHUNK_FILE_HEADER_BYTES,
  MAX_HEAD_CHUNK_FILE_BYTES,
  OUT_OF_ORDER_MASK,
  type ChunkDiskMapperOptions,
  type HeadChunkStore,
  type LoadedHeadChunk,
} from "./chunk-disk-mapper.ts";
