export {
  Head,
  HeadAppender,
  HeadStats,
  RejectReason,
  DEFAULT_CHUNK_RANGE_MS,
  DEFAULT_SAMPLES_PER_CHUNK,
  type HeadOptions,
  type ReplayCorruption,
} from "./head.ts";
export { MemPostings, postingsForMatchers, intersect, merge, subtract, type Postings, type PostingsIndex } from "./postings.ts";
export { MemSeries, HeadSeries, HeadIterator, computeChunkEndTime, rangeForTimestamp, type ChunkSource } from "./series.ts";
