export {
  WalWriter,
  WalReader,
  WalCorruptionError,
  FragmentType,
  PAGE_SIZE,
  RECORD_HEADER_SIZE,
  DEFAULT_SEGMENT_SIZE,
  segmentName,
} from "./wal.ts";
export type { WalSegment, WalSegmentSink, WalWriterOptions } from "./wal.ts";
