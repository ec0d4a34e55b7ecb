import * as fs from "node:fs";
import * as path from "node:path";
import { StorageError } from "../../storage/index.ts";
import { SummaryChild } from "../../exposition/index.ts";
import { nopLogger, type Logger } from "../../util/index.ts";
import {
  DEFAULT_SEGMENT_SIZE,
  PAGE_SIZE,
  WalCompression,
  WalCorruptionError,
  WalReader,
  WalWriter,
  segmentName,
  type WalSegmentSink,
} from "./wal.ts";

/** A segment file of a WAL directory: its name and index. */
export interface SegmentRef {
  name: string;
  index: number;
}

const SEGMENT_NAME = /^\d+$/;

/**
 * The segment files of dir in index order (names made only of digits, as
 * Prometheus's listSegments; other files such as checkpoint.NNNNNNNN are
 * ignored). A missing directory has no segments. Throws StorageError when
 * the indexes have a gap ("segments are not sequential").
 */
export function listSegments(dir: string): SegmentRef[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new StorageError(`list segments in ${dir}`, { cause: e });
  }
  const refs: SegmentRef[] = [];
  for (const name of names) if (SEGMENT_NAME.test(name)) refs.push({ name, index: Number(name) });
  refs.sort((a, b) => a.index - b.index);
  for (let i = 0; i + 1 < refs.length; i++) {
    if (refs[i]!.index + 1 !== refs[i + 1]!.index) throw new StorageError(`segments are not sequential in ${dir}`);
  }
  return refs;
}

/** The bytes of segment `index` of dir. Throws StorageError on I/O errors. */
export function readSegmentFile(dir: string, index: number): Uint8Array {
  try {
    return fs.readFileSync(path.join(dir, segmentName(index)));
  } catch (e) {
    throw new StorageError(`read segment ${segmentName(index)} in ${dir}`, { cause: e });
  }
}

/** Counters of a Wlog, named after Prometheus's prometheus_tsdb_wal_* metrics. */
export class WlogStats {
  /** Page flushes (page_flushes_total); this and completedPages, bytesSaved are counted by the WalWriter. */
  pageFlushes = 0;
  /** Pages completed (completed_pages_total). */
  completedPages = 0;
  /** Seconds per fsync of a segment (rotation and close()), fsync_duration_seconds. */
  readonly fsyncDuration: SummaryChild = new SummaryChild(Date.now);
  /** Records logged. */
  records = 0;
  /** Bytes saved by compression (record_bytes_saved_total). */
  bytesSaved = 0;
  /** Failed writes (writes_failed_total). */
  writesFailed = 0;
  /** truncate() calls (truncations_total). */
  truncations = 0;
  /** truncate() calls that threw (truncations_failed_total). */
  truncationsFailed = 0;
}

/**
 * Writes segments as files: a segment file is created on its first write
 * (or by open()), bytes go to the OS with a synchronous write on every call,
 * and a segment is fsynced when it is closed. The fsync of a segment closed
 * by rotation runs in the background, like Prometheus's NextSegment, so
 * writes are not blocked by it.
 */
class FileSink implements WalSegmentSink {
  readonly #dir: string;
  readonly #logger: Logger;
  readonly #stats: WlogStats;
  #fd: number;
  #index: number;

  constructor(dir: string, logger: Logger, stats: WlogStats) {
    this.#dir = dir;
    this.#logger = logger;
    this.#stats = stats;
    this.#fd = -1;
    this.#index = -1;
  }

  /** Creates (or opens for append) segment index and makes it the active one. */
  open(index: number): void {
    if (this.#index === index) return;
    const prev = this.#fd;
    const prevIndex = this.#index;
    this.#fd = fs.openSync(path.join(this.#dir, segmentName(index)), "a", 0o666);
    this.#index = index;
    if (prev >= 0) {
      // NOTE: matches Prometheus: the previous segment is fsynced and closed
      // asynchronously so appends do not wait for the disk.
      const started = performance.now();
      fs.fsync(prev, (err) => {
        if (err) this.#logger.error("sync previous segment", "segment", prevIndex, "err", err);
        else this.#stats.fsyncDuration.observe((performance.now() - started) / 1000);
        fs.close(prev, (cerr) => {
          if (cerr) this.#logger.error("close previous segment", "segment", prevIndex, "err", cerr);
        });
      });
    }
  }

  write(index: number, bytes: Uint8Array): void {
    if (index !== this.#index) this.open(index);
    let off = 0;
    try {
      while (off < bytes.length) off += fs.writeSync(this.#fd, bytes, off, bytes.length - off);
    } catch (e) {
      this.#stats.writesFailed++;
      throw new StorageError(`write segment ${segmentName(index)}`, { cause: e });
    }
  }

  /** fsyncs and closes the active segment. */
  close(): void {
    if (this.#fd < 0) return;
    const started = performance.now();
    fs.fsyncSync(this.#fd);
    this.#stats.fsyncDuration.observe((performance.now() - started) / 1000);
    fs.closeSync(this.#fd);
    this.#fd = -1;
    this.#index = -1;
  }
}

/** Options of Wlog.open. */
export interface WlogOptions {
  /** Segment size in bytes, a multiple of 32 KiB; 128 MiB if absent. */
  segmentSizeBytes?: number;
  /** Record compression; snappy if absent, as Prometheus 3. */
  compression?: WalCompression;
  logger?: Logger;
}

/**
 * A write-ahead log in a directory of segment files, as Prometheus's
 * wlog.WL. Opening always starts a new segment after the last existing one
 * (existing segments are never appended to), so read and repair the
 * directory before opening it for writing.
 *
 * Durability, as upstream: log() hands the records' bytes to the OS before
 * it returns (a crash of the process loses nothing that log() accepted),
 * but fsync happens only when a segment is closed (rotation, close()); a
 * machine crash can lose the tail of the active segment, which the next
 * open repairs.
 */
export class Wlog {
  readonly dir: string;
  readonly stats: WlogStats;
  readonly compression: WalCompression;
  readonly #logger: Logger;
  readonly #sink: FileSink;
  readonly #writer: WalWriter;
  #closed: boolean;

  private constructor(dir: string, first: number, opts: WlogOptions) {
    this.dir = dir;
    this.stats = new WlogStats();
    this.compression = opts.compression ?? WalCompression.Snappy;
    this.#logger = opts.logger ?? nopLogger;
    this.#sink = new FileSink(dir, this.#logger, this.stats);
    this.#writer = new WalWriter(this.#sink, {
      segmentSizeBytes: opts.segmentSizeBytes ?? DEFAULT_SEGMENT_SIZE,
      firstSegment: first,
      compression: this.compression,
      counters: this.stats,
    });
    this.#sink.open(first);
    this.#closed = false;
  }

  /**
   * Opens dir (created if missing) for writing: a new segment numbered one
   * past the last existing one (0 in an empty directory). Throws
   * StorageError on I/O errors or non-sequential segments, RangeError on a
   * bad segment size.
   */
  static open(dir: string, opts: WlogOptions = {}): Wlog {
    fs.mkdirSync(dir, { recursive: true });
    const segs = listSegments(dir);
    const first = segs.length === 0 ? 0 : segs[segs.length - 1]!.index + 1;
    return new Wlog(dir, first, opts);
  }

  /**
   * Repairs dir after a corruption found while reading it, as Prometheus's
   * Repair: segments after the corrupt one are deleted, and the corrupt one
   * is cut at `goodOffset` (the end of its last intact record) and
   * zero-padded to its page boundary. Call before open(). Throws
   * StorageError on I/O errors.
   */
  static repair(dir: string, err: WalCorruptionError, goodOffset: number, logger: Logger = nopLogger): void {
    logger.warn("Starting corruption repair", "segment", err.segment, "offset", err.offset, "err", err.reason);
    try {
      logger.warn("Deleting all segments newer than corrupted segment", "segment", err.segment);
      for (const s of listSegments(dir)) if (s.index > err.segment) fs.rmSync(path.join(dir, s.name));
      logger.warn("Rewrite corrupted segment", "segment", err.segment);
      const file = path.join(dir, segmentName(err.segment));
      const padded = Math.ceil(goodOffset / PAGE_SIZE) * PAGE_SIZE;
      fs.truncateSync(file, goodOffset);
      // Extending with truncate writes zeros: the padding of the last page.
      fs.truncateSync(file, padded);
      const fd = fs.openSync(file, "r+");
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw new StorageError(`repair WAL segment ${segmentName(err.segment)}`, { cause: e });
    }
  }

  /** Index of the segment being written. */
  get segment(): number {
    return this.#writer.segment;
  }

  /**
   * Writes the records in order and hands their bytes to the OS before
   * returning. Each record is compressed on its own. Throws StorageError
   * on a write error (the WAL may then hold a torn record at its end).
   */
  log(...recs: Uint8Array[]): void {
    if (this.#closed) throw new StorageError("wlog is closed");
    this.#writer.log(...recs);
    this.stats.records += recs.length;
  }

  /**
   * Closes the active segment (padding its page; fsync in the background)
   * and starts the next; returns its index. Checkpointing uses this so the
   * segments it reads are complete.
   */
  nextSegment(): number {
    if (this.#closed) throw new StorageError("wlog is closed");
    const next = this.#writer.nextSegment();
    this.#sink.open(next);
    return next;
  }

  /** Deletes the segments with index < i. Throws StorageError on I/O errors (counted in stats.truncationsFailed). */
  truncate(i: number): void {
    this.stats.truncations++;
    try {
      for (const s of listSegments(this.dir)) {
        if (s.index >= i) break;
        try {
          fs.rmSync(path.join(this.dir, s.name));
        } catch (e) {
          throw new StorageError(`truncate WAL segment ${s.name}`, { cause: e });
        }
      }
    } catch (e) {
      this.stats.truncationsFailed++;
      throw e;
    }
  }

  /** Pads the last page, fsyncs and closes the active segment. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.close();
    this.#sink.close();
  }
}

/**
 * Reads the records of consecutive segment files of a directory, one
 * segment in memory at a time (records never cross segments). Tracks the
 * end of the last intact record, which repair needs.
 */
export class WalDirReader {
  readonly #dir: string;
  readonly #segs: readonly SegmentRef[];
  #i: number;
  #r: WalReader | null;
  #err: WalCorruptionError | null;
  /** The next segment's bytes, read ahead by preload(). */
  #preloaded: Uint8Array | null;
  /** Segment of the last record read intact (-1 before the first). */
  goodSegment: number;
  /** Offset in goodSegment just past the last record read intact. */
  goodOffset: number;

  /** Reads the given segments of dir, in order. */
  constructor(dir: string, segs: readonly SegmentRef[]) {
    this.#dir = dir;
    this.#segs = segs;
    this.#i = -1;
    this.#r = null;
    this.#err = null;
    this.#preloaded = null;
    this.goodSegment = -1;
    this.goodOffset = 0;
  }

  /**
   * Advances to the next record; false at the end or on corruption (see
   * err()). Throws WalUnsupportedError (zstd) and StorageError (I/O).
   */
  next(): boolean {
    for (;;) {
      if (this.#r !== null) {
        if (this.#r.next()) {
          this.goodSegment = this.#r.segment;
          this.goodOffset = this.#r.offset;
          return true;
        }
        const err = this.#r.err();
        if (err !== null) {
          this.#err = err;
          return false;
        }
      }
      if (this.#i + 1 >= this.#segs.length) return false;
      this.#i++;
      const s = this.#segs[this.#i]!;
      const data = this.#preloaded ?? readSegmentFile(this.#dir, s.index);
      this.#preloaded = null;
      this.#r = new WalReader([{ index: s.index, data }]);
    }
  }

  /**
   * Reads the file of the segment after the current one (the first before
   * any next()) without blocking the event loop, so that the next() that
   * opens it does not read it synchronously (a 128 MiB segment takes tens
   * of milliseconds). Holds that segment in memory until then; a no-op
   * past the last segment. Throws StorageError on I/O errors.
   */
  async preload(): Promise<void> {
    const k = this.#i + 1;
    if (this.#preloaded !== null || k >= this.#segs.length) return;
    const name = segmentName(this.#segs[k]!.index);
    try {
      this.#preloaded = await fs.promises.readFile(path.join(this.#dir, name));
    } catch (e) {
      throw new StorageError(`read segment ${name} in ${this.#dir}`, { cause: e });
    }
  }

  /** The current record, valid until the next call to next(). */
  record(): Uint8Array {
    return this.#r!.record();
  }

  /** Index of the segment being read (-1 before the first). */
  get segment(): number {
    return this.#i < 0 ? -1 : this.#segs[this.#i]!.index;
  }

  /** The corruption that stopped reading, or null. */
  err(): WalCorruptionError | null {
    return this.#err;
  }

  /** Where repair must cut the corrupt segment: the end of its last intact record (0 if none). */
  repairOffset(): number {
    return this.#err !== null && this.goodSegment === this.#err.segment ? this.goodOffset : 0;
  }
}
