export {
  WalWriter,
  WalReader,
  WalCorruptionError,
  WalUnsupportedError,
  WalCompression,
  FragmentType,
  PAGE_SIZE,
  RECORD_HEADER_SIZE,
  DEFAULT_SEGMENT_SIZE,
  segmentName,
} from "./wal.ts";
export type { WalSegment, WalSegmentSink, WalWriterOptions } from "./wal.ts";
export { Wlog, WlogStats, WalDirReader, listSegments, readSegmentFile, type SegmentRef, type WlogOptions } from "./wlog.ts";
export {
  checkpoint,
  lastCheckpoint,
  deleteCheckpoints,
  checkpointDirName,
  type CheckpointRef,
  type CheckpointStats,
} from "./checkpoint.ts";
