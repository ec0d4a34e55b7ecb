export { Block, BlockQuerier, listBlockDirs, sortSeries, INDEX_FILENAME, CHUNKS_DIRNAME } from "./block.ts";
export {
  ChunkWriter,
  ChunkReader,
  chunkRef,
  chunkSegmentName,
  CHUNKS_MAGIC,
  CHUNKS_HEADER_BYTES,
  DEFAULT_CHUNK_SEGMENT_BYTES,
  type RawChunk,
} from "./chunk-files.ts";
export {
  encodeMeta,
  decodeMeta,
  readMeta,
  writeMeta,
  META_FILENAME,
  META_VERSION,
  type BlockMeta,
  type BlockDesc,
  type BlockStats,
  type BlockMetaCompaction,
} from "./meta.ts";
export { ChunksSeries, LoadedChunks, MergeIterator, MergedSeries, Rechunker, SAMPLES_PER_CHUNK } from "./series.ts";
export { newULID, isULID, ulidTime } from "./ulid.ts";
export {
  writeBlock,
  deleteBlockDir,
  TMP_FOR_CREATION_SUFFIX,
  TMP_FOR_DELETION_SUFFIX,
  type ChunkData,
  type SeriesChunks,
  type WriteBlockOptions,
} from "./writer.ts";
