import * as fs from "node:fs";
import * as path from "node:path";
import { uncompressSync } from "snappy";
import {
  PAGE_SIZE,
  RecordType,
  RefSamples,
  WalCorruptionError,
  WalDirReader,
  crc32cUpdate,
  decodeSamples,
  decodeSeries,
  lastCheckpoint,
  listSegments,
  recordType,
  segmentName,
  type RefSeries,
} from "../tsdb/index.ts";
import { type Clock, type Logger, nopLogger, systemClock, type Timer } from "../util/index.ts";

/** Bytes of a WAL fragment header: type, 2-byte length, 4-byte CRC32C. */
const HEADER_SIZE = 7;
const SNAPPY_FLAG = 1 << 3;
const ZSTD_FLAG = 1 << 4;
const TYPE_MASK = SNAPPY_FLAG - 1;
/** Most bytes read from a segment file at once. */
const READ_CHUNK = 4 * 1024 * 1024;

/**
 * Reads the records of one WAL segment file while it is being written,
 * like Prometheus's wlog.LiveReader: each call to read() hands over the
 * records complete on disk and stops before a record whose fragments are
 * not all written yet, to resume there next time. Offsets are bytes in
 * the segment file; `offset` is always a record boundary.
 */
export class SegmentTailReader {
  readonly segment: number;
  readonly #fd: number;
  /** File offset just past the last record handed out. */
  offset: number;

  /** Opens segment `index` of dir, to read from `offset` (a record boundary). Throws on I/O errors. */
  constructor(dir: string, index: number, offset = 0) {
    this.segment = index;
    this.#fd = fs.openSync(path.join(dir, segmentName(index)), "r");
    this.offset = offset;
  }

  /**
   * Calls onRecord(record, endOffset) for each complete record from
   * `offset` on, until it returns false, and returns how many records were
   * handed over. The record is a view valid only during the call. Throws
   * WalCorruptionError on a bad checksum or fragment sequence.
   */
  read(onRecord: (rec: Uint8Array, endOffset: number) => boolean): number {
    let count = 0;
    let chunk = READ_CHUNK;
    for (;;) {
      const size = fs.fstatSync(this.#fd).size;
      if (size <= this.offset) return count;
      const want = Math.min(size - this.offset, chunk);
      const buf = Buffer.allocUnsafe(want);
      const got = fs.readSync(this.#fd, buf, 0, want, this.offset);
      const before = this.offset;
      const r = this.#parse(buf.subarray(0, got), onRecord);
      count += r.count;
      if (r.stopped) return count;
      if (this.offset === before) {
        // Nothing complete: either the rest is not written yet, or a record
        // is longer than the chunk.
        if (got < chunk) return count;
        chunk *= 2;
      }
    }
  }

  /** Parses records in buf (which starts at this.offset), advancing offset past each record handed over. */
  #parse(buf: Buffer, onRecord: (rec: Uint8Array, endOffset: number) => boolean): { count: number; stopped: boolean } {
    const base = this.offset;
    let o = 0;
    let count = 0;
    let parts: Uint8Array[] = [];
    let inRecord = false;
    const done = { count: 0, stopped: false };
    for (;;) {
      done.count = count;
      const abs = base + o;
      const pageRem = PAGE_SIZE - (abs % PAGE_SIZE);
      const typ = o < buf.length ? buf[o]! & TYPE_MASK : -1;
      if (pageRem < HEADER_SIZE || typ === 0) {
        // Zero padding to the end of the page (the writer pads a page
        // that cannot take another header, and the last page it closes).
        if (o + pageRem > buf.length) return done;
        o += pageRem;
        if (!inRecord) this.offset = base + o;
        continue;
      }
      if (o + HEADER_SIZE > buf.length) return done;
      const flags = buf[o]! & (SNAPPY_FLAG | ZSTD_FLAG);
      const length = (buf[o + 1]! << 8) | buf[o + 2]!;
      const crc = buf.readUInt32BE(o + 3);
      if (length > PAGE_SIZE - HEADER_SIZE) throw new WalCorruptionError(this.segment, abs, `invalid record size ${length}`);
      if (o + HEADER_SIZE + length > buf.length) return done;
      const start = o + HEADER_SIZE;
      const got = crc32cUpdate(0, buf, start, start + length);
      if (got !== crc) throw new WalCorruptionError(this.segment, abs, `unexpected checksum ${got.toString(16)}, expected ${crc.toString(16)}`);
      const frag = buf.subarray(start, start + length);
      o = start + length;
      let whole: Uint8Array[] | null = null;
      switch (typ) {
        case 1: // full
          if (inRecord) throw new WalCorruptionError(this.segment, abs, "unexpected full record");
          whole = [frag];
          break;
        case 2: // first
          if (inRecord) throw new WalCorruptionError(this.segment, abs, "unexpected first record, dropping buffer");
          parts = [frag];
          inRecord = true;
          break;
        case 3: // middle
          if (!inRecord) throw new WalCorruptionError(this.segment, abs, "unexpected middle record, dropping buffer");
          parts.push(frag);
          break;
        case 4: // last
          if (!inRecord) throw new WalCorruptionError(this.segment, abs, "unexpected last record, dropping buffer");
          parts.push(frag);
          inRecord = false;
          whole = parts;
          parts = [];
          break;
        default:
          throw new WalCorruptionError(this.segment, abs, `unexpected record type ${typ}`);
      }
      if (whole !== null) {
        count++;
        const more = this.#emit(whole, flags, base + o, onRecord);
        if (!more) return { count, stopped: true };
      }
    }
  }

  #emit(parts: Uint8Array[], flags: number, end: number, onRecord: (rec: Uint8Array, endOffset: number) => boolean): boolean {
    let rec: Uint8Array = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if ((flags & SNAPPY_FLAG) !== 0 && rec.length > 0) {
      rec = uncompressSync(rec, { asBuffer: true, copyOutputData: true }) as Buffer;
    } else if ((flags & ZSTD_FLAG) !== 0) {
      throw new WalCorruptionError(this.segment, end, "zstd WAL compression is not supported");
    }
    this.offset = end;
    return onRecord(rec, end);
  }

  /** Closes the file. */
  close(): void {
    fs.closeSync(this.#fd);
  }
}

/** A position in the WAL: segment index and byte offset of a record boundary in it. */
export interface WalPosition {
  segment: number;
  offset: number;
}

/** What a WalWatcher feeds. */
export interface WalWatcherSink {
  /** A series record entry: ref → labels. */
  storeSeries(series: readonly RefSeries[]): void;
  /**
   * Samples of one record, to send; `end` is the position just past the
   * record. Returns false when the queue is full: the watcher then retries
   * the same record later (backpressure), without re-reading series.
   */
  append(samples: RefSamples, end: WalPosition): boolean;
}

/** Options of a WalWatcher. */
export interface WalWatcherOptions {
  /** The WAL directory (segments and checkpoints). */
  dir: string;
  sink: WalWatcherSink;
  /**
   * Where to start sending samples; null starts at the end of the WAL
   * (records complete when start() runs are read for their series only),
   * like upstream's watcher, which sends only samples newer than its start.
   */
  start: WalPosition | null;
  /** How often to look for new records (ms); 100 if absent. */
  pollIntervalMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * Follows the TSDB's write-ahead log for one remote write queue, like
 * Prometheus's wlog.Watcher: reads the series of the last checkpoint and of
 * the segments before the start position, then tails segments from there,
 * handing series and samples to the sink. A segment is finished once a newer
 * one exists and it has been read to its end. Segments deleted under the
 * watcher (WAL truncation while it lagged) are skipped after re-reading the
 * newest checkpoint's series; the samples lost are logged.
 */
export class WalWatcher {
  readonly #o: WalWatcherOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #poll: number;
  #reader: SegmentTailReader | null;
  #timer: Timer | null;
  #stopped: boolean;
  /** Samples of a record the sink refused (queue full), to offer again. */
  #pending: RefSamples | null;
  #pendingEnd: WalPosition;
  /** Samples read (records offered and accepted). */
  samplesRead: number;

  constructor(o: WalWatcherOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#log = o.logger ?? nopLogger;
    this.#poll = o.pollIntervalMs ?? 100;
    this.#reader = null;
    this.#timer = null;
    this.#stopped = false;
    this.#pending = null;
    this.#pendingEnd = { segment: 0, offset: 0 };
    this.samplesRead = 0;
  }

  /** The position up to which records have been handed to the sink. */
  get position(): WalPosition {
    if (this.#pending !== null) return { ...this.#pendingEnd };
    return this.#reader === null ? { segment: -1, offset: 0 } : { segment: this.#reader.segment, offset: this.#reader.offset };
  }

  /** Reads series up to the start position and begins tailing. Throws StorageError on I/O errors. */
  start(): void {
    const dir = this.#o.dir;
    const segs = listSegments(dir);
    const cp = lastCheckpoint(dir);
    if (cp !== null) this.#readSeriesOnly(cp.dir, listSegments(cp.dir));
    let startSeg: number;
    let startOff: number;
    const first = segs.length === 0 ? 0 : segs[0]!.index;
    const last = segs.length === 0 ? 0 : segs[segs.length - 1]!.index;
    if (this.#o.start === null) {
      startSeg = last;
      startOff = Number.MAX_SAFE_INTEGER;
    } else if (this.#o.start.segment < first) {
      this.#log.warn("Remote write position is in a deleted WAL segment; resuming at the oldest segment", "position", this.#o.start.segment, "oldest", first);
      startSeg = first;
      startOff = 0;
    } else {
      startSeg = this.#o.start.segment;
      startOff = this.#o.start.offset;
    }
    const before = segs.filter((s) => s.index < startSeg && (cp === null || s.index > cp.index));
    this.#readSeriesOnly(dir, before);
    if (segs.length > 0 || fs.existsSync(path.join(dir, segmentName(startSeg)))) {
      this.#open(startSeg, startOff);
    }
    this.#schedule(0);
  }

  /** Stops tailing and closes the segment. */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
    this.#reader?.close();
    this.#reader = null;
  }

  /** Reads available records now (also what the poll timer does). */
  tick(): void {
    if (this.#stopped) return;
    try {
      this.#tick();
    } catch (e) {
      this.#log.error("Error reading WAL", "err", e instanceof Error ? e.message : String(e));
    }
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.tick();
      this.#schedule(this.#poll);
    }, ms);
  }

  #readSeriesOnly(dir: string, segs: readonly { name: string; index: number }[]): void {
    if (segs.length === 0) return;
    const r = new WalDirReader(dir, segs);
    const series: RefSeries[] = [];
    while (r.next()) {
      const rec = r.record();
      if (recordType(rec) !== RecordType.Series) continue;
      series.length = 0;
      this.#o.sink.storeSeries(decodeSeries(rec, series));
    }
    const err = r.err();
    if (err !== null) this.#log.warn("Corrupt WAL while reading series", "err", err.message);
  }

  #open(segment: number, offset: number): void {
    this.#reader?.close();
    this.#reader = null;
    const r = new SegmentTailReader(this.#o.dir, segment, 0);
    // Series records before `offset` are read (their refs are needed);
    // samples are sent only from `offset` on.
    if (offset > 0) {
      const series: RefSeries[] = [];
      let stopAt = 0;
      r.read((rec, end) => {
        if (end > offset) return false;
        stopAt = end;
        if (recordType(rec) === RecordType.Series) {
          series.length = 0;
          this.#o.sink.storeSeries(decodeSeries(rec, series));
        }
        return true;
      });
      r.offset = stopAt;
    }
    this.#reader = r;
  }

  #tick(): void {
    for (;;) {
      if (this.#pending !== null) {
        if (!this.#o.sink.append(this.#pending, this.#pendingEnd)) return;
        this.samplesRead += this.#pending.length;
        this.#pending = null;
      }
      if (this.#reader === null) {
        const segs = listSegments(this.#o.dir);
        if (segs.length === 0) return;
        this.#open(segs[segs.length - 1]!.index, 0);
      }
      const r = this.#reader!;
      const seg = r.segment;
      try {
        // The reader stops after a record the sink refused (kept as pending).
        r.read((rec, end) => this.#record(rec, { segment: seg, offset: end }));
      } catch (e) {
        if (!(e instanceof WalCorruptionError)) throw e;
        this.#log.error("Corrupt WAL segment; skipping to the next", "segment", seg, "err", e.message);
        if (!this.#advance(seg)) return;
        continue;
      }
      if (this.#pending !== null) return;
      // A newer segment means this one is complete: move on after reading it out.
      if (!this.#advance(seg)) return;
    }
  }

  /** Moves to the segment after `seg` if it exists; returns false if `seg` is still the newest. */
  #advance(seg: number): boolean {
    const segs = listSegments(this.#o.dir);
    const next = segs.find((s) => s.index > seg);
    if (next === undefined) return false;
    if (next.index !== seg + 1) {
      this.#log.warn("WAL segments were deleted before being sent; samples were lost", "from", seg + 1, "to", next.index - 1);
      const cp = lastCheckpoint(this.#o.dir);
      if (cp !== null) this.#readSeriesOnly(cp.dir, listSegments(cp.dir));
    }
    this.#open(next.index, 0);
    return true;
  }

  /** Hands one record to the sink; false when the sink refused its samples (kept as pending). */
  #record(rec: Uint8Array, end: WalPosition): boolean {
    switch (recordType(rec)) {
      case RecordType.Series:
        this.#o.sink.storeSeries(decodeSeries(rec));
        return true;
      case RecordType.Samples: {
        const s = decodeSamples(rec);
        if (s.length === 0) return true;
        if (this.#o.sink.append(s, end)) {
          this.samplesRead += s.length;
          return true;
        }
        this.#pending = s;
        this.#pendingEnd = end;
        return false;
      }
      default:
        return true;
    }
  }
}
