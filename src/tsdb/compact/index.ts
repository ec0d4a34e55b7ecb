export {
  exponentialBlockRanges,
  compactionRanges,
  headSeriesChunks,
  blocksSeriesChunks,
  planCompaction,
  compactBlocks,
  type DirMeta,
} from "./compact.ts";
