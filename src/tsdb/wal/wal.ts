import * as zlib from "node:zlib";
import { compressSync, uncompressSync } from "snappy";
import { crc32cUpdate, readBE32 } from "../encoding/index.ts";

/** WAL page size: segments are written in 32 KiB pages. */
export const PAGE_SIZE = 32 * 1024;
/** Bytes of a fragment header: type, 2-byte length, 4-byte CRC32C. */
export const RECORD_HEADER_SIZE = 7;
/** Default segment size, 128 MiB, as Prometheus. */
export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;

/** Fragment types of the low 3 bits of a fragment header's first byte. */
export const FragmentType = {
  /** The rest of the page is zero padding. */
  PageTerm: 0,
  /** A whole record in one fragment. */
  Full: 1,
  First: 2,
  Middle: 3,
  Last: 4,
} as const;
export type FragmentType = (typeof FragmentType)[keyof typeof FragmentType];

/** Header flag bits marking a compressed record (Prometheus's snappyMask / zstdMask). */
const SNAPPY_FLAG = 1 << 3;
const ZSTD_FLAG = 1 << 4;
const TYPE_MASK = SNAPPY_FLAG - 1;

/**
 * Record compression of a WAL writer, as Prometheus's compression.Type.
 * NOTE: matches Prometheus 3, whose --storage.tsdb.wal-compression defaults
 * to true with snappy. Writing zstd is not offered (Node 20 has no zstd).
 */
export const WalCompression = {
  None: "none",
  Snappy: "snappy",
} as const;
export type WalCompression = (typeof WalCompression)[keyof typeof WalCompression];

/** node:zlib's zstd decoder where the runtime has one (Node >= 22.15), else null. */
const zstdDecompress: ((b: Uint8Array) => Uint8Array) | null =
  "zstdDecompressSync" in zlib && typeof zlib.zstdDecompressSync === "function"
    ? (zlib.zstdDecompressSync as (b: Uint8Array) => Uint8Array)
    : null;

/**
 * A WAL holds records this runtime cannot decode (zstd-compressed records
 * on a Node without zstd). Not a corruption: repairing would lose data, so
 * opening stops instead.
 */
export class WalUnsupportedError extends Error {
  readonly segment: number;
  readonly offset: number;

  constructor(segment: number, offset: number, message: string) {
    super(`segment ${segmentName(segment)} at ${offset}: ${message}`);
    this.name = "WalUnsupportedError";
    this.segment = segment;
    this.offset = offset;
  }
}

/** The segment file name for index i: 8 zero-padded digits, as Prometheus's SegmentName. */
export function segmentName(i: number): string {
  return String(i).padStart(8, "0");
}

/** Receives the bytes a WalWriter produces. */
export interface WalSegmentSink {
  /** Appends bytes to segment `index` (created on its first write). `bytes` is only valid during the call. */
  write(index: number, bytes: Uint8Array): void;
}

/** What a WalWriter counts, after Prometheus's prometheus_tsdb_wal_* counters (a Wlog passes its stats). */
export interface WalWriterCounters {
  /** Bytes saved by compression (record_bytes_saved_total). */
  bytesSaved: number;
  /** Page flushes, whether or not the page was complete (page_flushes_total). */
  pageFlushes: number;
  /** Pages completed: filled or padded, then handed over (completed_pages_total). */
  completedPages: number;
}

/** Options of a WalWriter. */
export interface WalWriterOptions {
  /** Segment size in bytes, a multiple of PAGE_SIZE; DEFAULT_SEGMENT_SIZE if absent. */
  segmentSizeBytes?: number;
  /** Index of the segment to start writing (a new, empty segment); 0 if absent. */
  firstSegment?: number;
  /** Record compression; WalCompression.None if absent. */
  compression?: WalCompression;
  /** Where to count; counters of the writer's own (from 0) if absent. */
  counters?: WalWriterCounters;
}

/**
 * A plain Uint8Array over snappy's output. A Buffer made by native code has
 * a map of its own, which dies between records and takes the optimized code
 * that read it with it (seen for crc32cUpdate on the writer's side; see
 * keepShape).
 */
function plainView(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/**
 * Frames records into WAL pages and segments exactly as Prometheus's
 * wlog.WL does: a record is (optionally) snappy-compressed whole, then split
 * into fragments that never cross a page, a record never crosses a segment,
 * and a page that cannot take another fragment header is padded with zeros.
 * A compressed record carries the snappy flag on every fragment; a record
 * that compression would not shrink is written uncompressed, as upstream.
 * Bytes go to the sink when a page fills, at the end of each log() call, and
 * on close(); the sink decides about files and fsync.
 */
export class WalWriter {
  readonly #sink: WalSegmentSink;
  readonly #segmentSize: number;
  #segment: number;
  /** Pages of the active segment already complete. */
  #donePages: number;
  readonly #page: Uint8Array;
  /** Bytes of the page in use. */
  #alloc: number;
  /** Bytes of the page already handed to the sink. */
  #flushed: number;
  readonly #compress: boolean;
  readonly counters: WalWriterCounters;

  /** Throws on a segment size that is not a positive multiple of PAGE_SIZE. */
  constructor(sink: WalSegmentSink, opts: WalWriterOptions = {}) {
    const size = opts.segmentSizeBytes ?? DEFAULT_SEGMENT_SIZE;
    if (size <= 0 || size % PAGE_SIZE !== 0) throw new RangeError(`invalid segment size ${size}`);
    this.#sink = sink;
    this.#segmentSize = size;
    this.#segment = opts.firstSegment ?? 0;
    this.#donePages = 0;
    this.#page = new Uint8Array(PAGE_SIZE);
    this.#alloc = 0;
    this.#flushed = 0;
    this.#compress = (opts.compression ?? WalCompression.None) === WalCompression.Snappy;
    this.counters = opts.counters ?? { bytesSaved: 0, pageFlushes: 0, completedPages: 0 };
  }

  /** Index of the segment being written. */
  get segment(): number {
    return this.#segment;
  }

  /** Offset in the active segment up to which bytes are written or buffered. */
  get offset(): number {
    return this.#donePages * PAGE_SIZE + this.#alloc;
  }

  #full(): boolean {
    return PAGE_SIZE - this.#alloc < RECORD_HEADER_SIZE;
  }

  /** Hands the unflushed part of the page to the sink; with `clear` (or a full page) pads it and starts a new one. */
  #flushPage(clear: boolean): void {
    this.counters.pageFlushes++;
    clear = clear || this.#full();
    if (clear) this.#alloc = PAGE_SIZE;
    if (this.#alloc > this.#flushed) this.#sink.write(this.#segment, this.#page.subarray(this.#flushed, this.#alloc));
    this.#flushed = this.#alloc;
    if (clear) {
      this.#page.fill(0);
      this.#alloc = 0;
      this.#flushed = 0;
      this.#donePages++;
      this.counters.completedPages++;
    }
  }

  /** Closes the active segment (padding its last page) and starts the next; returns its index. */
  nextSegment(): number {
    if (this.#alloc > 0) this.#flushPage(true);
    this.#segment++;
    this.#donePages = 0;
    return this.#segment;
  }

  /**
   * Writes the records in order, then hands the partial page to the sink,
   * like Prometheus's WL.Log (one write per call for small batches).
   */
  log(...recs: Uint8Array[]): void {
    for (let i = 0; i < recs.length; i++) this.#log(recs[i]!, i === recs.length - 1);
  }

  #log(raw: Uint8Array, final: boolean): void {
    if (this.#full()) this.#flushPage(true);
    // Compress before deciding about the segment, as upstream.
    let rec = raw;
    let flag = 0;
    if (this.#compress && raw.length > 0) {
      const enc = compressSync(raw, { copyOutputData: true });
      if (enc.length < raw.length) {
        this.counters.bytesSaved += raw.length - enc.length;
        rec = plainView(enc);
        flag = SNAPPY_FLAG;
      }
    }
    // A record that does not fit the rest of this segment starts the next one.
    let left = PAGE_SIZE - this.#alloc - RECORD_HEADER_SIZE;
    left += (PAGE_SIZE - RECORD_HEADER_SIZE) * (this.#segmentSize / PAGE_SIZE - this.#donePages - 1);
    if (rec.length > left) this.nextSegment();

    let off = 0;
    for (let i = 0; i === 0 || off < rec.length; i++) {
      const l = Math.min(rec.length - off, PAGE_SIZE - this.#alloc - RECORD_HEADER_SIZE);
      const last = off + l === rec.length;
      const typ = i === 0 ? (last ? FragmentType.Full : FragmentType.First) : last ? FragmentType.Last : FragmentType.Middle;
      const p = this.#page;
      const a = this.#alloc;
      const crc = crc32cUpdate(0, rec, off, off + l);
      p[a] = typ | flag;
      p[a + 1] = l >>> 8;
      p[a + 2] = l & 0xff;
      p[a + 3] = crc >>> 24;
      p[a + 4] = crc >>> 16;
      p[a + 5] = crc >>> 8;
      p[a + 6] = crc;
      p.set(rec.subarray(off, off + l), a + RECORD_HEADER_SIZE);
      this.#alloc = a + RECORD_HEADER_SIZE + l;
      if (this.#full()) this.#flushPage(true);
      off += l;
    }
    if (final && this.#alloc > 0) this.#flushPage(false);
  }

  /** Pads and hands over the last page if it holds data. The writer must not be used afterwards. */
  close(): void {
    if (this.#alloc > 0) this.#flushPage(true);
  }
}

/**
 * Corrupt or torn WAL data: where it was found (segment index and byte
 * offset in that segment after the failing read) and why. Message as
 * Prometheus's wlog.CorruptionErr.
 */
export class WalCorruptionError extends Error {
  readonly segment: number;
  readonly offset: number;
  /** What was wrong, e.g. "last record is torn" or "unexpected checksum ...". */
  readonly reason: string;

  constructor(segment: number, offset: number, reason: string) {
    super(`corruption in segment ${segmentName(segment)} at ${offset}: ${reason}`);
    this.name = "WalCorruptionError";
    this.segment = segment;
    this.offset = offset;
    this.reason = reason;
  }
}

/** One WAL segment's bytes and its index (its file name as a number). */
export interface WalSegment {
  index: number;
  data: Uint8Array;
}

class EOF {}
const eof = new EOF();

/**
 * Reads records from consecutive WAL segments, as Prometheus's wlog.Reader
 * over a segment reader: a segment not ending on a page boundary reads as
 * zero-padded to it, fragments are reassembled and checksummed, and a record
 * left unfinished at the very end is reported as torn. Snappy-compressed
 * records are decompressed; zstd-compressed ones too where node:zlib has
 * zstd, otherwise next() throws WalUnsupportedError ("zstd WAL compression
 * is not supported"), which is not a corruption and must not be repaired.
 */
export class WalReader {
  readonly #segs: readonly WalSegment[];
  #cur: number;
  #off: number;
  #rec: Uint8Array;
  #recLen: number;
  #view: Uint8Array | null;
  #err: WalCorruptionError | null;
  #lastType: number;
  readonly #hdr: Uint8Array;
  /** Compression flags of the record being read (from its last fragment). */
  #flags: number;
  /** Decompressed record, when the current record was compressed. */
  #plain: Uint8Array | null;

  /** Reads the segments in the given order; their bytes are not copied. */
  constructor(segments: readonly WalSegment[]) {
    this.#segs = segments;
    this.#cur = 0;
    this.#off = 0;
    this.#rec = new Uint8Array(1024);
    this.#recLen = 0;
    this.#view = null;
    this.#err = null;
    this.#lastType = FragmentType.Full;
    this.#hdr = new Uint8Array(RECORD_HEADER_SIZE);
    this.#flags = 0;
    this.#plain = null;
  }

  /**
   * Advances to the next record; false at the end or on corruption (see
   * err()). Not to be called again after false. Throws WalUnsupportedError
   * on a zstd record this runtime cannot decode.
   */
  next(): boolean {
    try {
      this.#next();
      if (this.#flags !== 0) this.#decompress();
      return true;
    } catch (e) {
      if (e === eof) {
        if (this.#lastType === FragmentType.First || this.#lastType === FragmentType.Middle) {
          this.#err = new WalCorruptionError(this.segment, this.#off, "last record is torn");
        }
        return false;
      }
      if (e instanceof WalCorruptionError) {
        this.#err = e;
        return false;
      }
      throw e;
    }
  }

  /** The current record, as a view valid until the next call to next(). */
  record(): Uint8Array {
    return this.#plain ?? this.#view ?? this.#rec.subarray(0, this.#recLen);
  }

  #raw(): Uint8Array {
    return this.#view ?? this.#rec.subarray(0, this.#recLen);
  }

  #decompress(): void {
    const raw = this.#raw();
    // NOTE: matches Prometheus, which reads an empty compressed record as empty.
    if (raw.length === 0) return;
    if ((this.#flags & SNAPPY_FLAG) !== 0) {
      try {
        const b = uncompressSync(raw, { asBuffer: true, copyOutputData: true }) as Buffer;
        this.#plain = plainView(b);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        this.#fail(msg.startsWith("snappy") ? msg : `snappy: ${msg}`);
      }
      return;
    }
    if (zstdDecompress === null) throw new WalUnsupportedError(this.segment, this.#off, "zstd WAL compression is not supported");
    try {
      this.#plain = zstdDecompress(raw);
    } catch (e) {
      this.#fail(`zstd: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The corruption that stopped reading, or null (also at a clean end). */
  err(): WalCorruptionError | null {
    return this.#err;
  }

  /** Index of the segment being read (-1 without segments). */
  get segment(): number {
    return this.#segs.length === 0 ? -1 : this.#segs[this.#cur]!.index;
  }

  /** Offset in the current segment after the last read. */
  get offset(): number {
    return this.#off;
  }

  #fail(reason: string): never {
    const e = new WalCorruptionError(this.segment, this.#off, reason);
    this.#err = e;
    throw e;
  }

  /** Bytes readable in the current segment: its data padded with zeros to a page boundary. */
  #segEnd(): number {
    const n = this.#segs[this.#cur]!.data.length;
    return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
  }

  /** Moves to the next segment when the current one is exhausted; false at the end of the last. */
  #ensure(): boolean {
    if (this.#segs.length === 0) return false;
    while (this.#off >= this.#segEnd()) {
      if (this.#cur + 1 >= this.#segs.length) return false;
      this.#cur++;
      this.#off = 0;
    }
    return true;
  }

  #byteAt(): number {
    const d = this.#segs[this.#cur]!.data;
    const v = this.#off < d.length ? d[this.#off]! : 0;
    this.#off++;
    return v;
  }

  /** Reads n bytes into dst[at...]; throws eof when none could be read, a corruption when only some. */
  #readFull(dst: Uint8Array, at: number, n: number, what: string): void {
    for (let i = 0; i < n; i++) {
      if (!this.#ensure()) {
        if (i === 0 && what === "") throw eof;
        this.#fail(`${what}: unexpected EOF`);
      }
      dst[at + i] = this.#byteAt();
    }
  }

  #next(): void {
    this.#recLen = 0;
    this.#view = null;
    this.#plain = null;
    this.#flags = 0;
    const hdr = this.#hdr;
    for (let i = 0; ; ) {
      this.#readFull(hdr, 0, 1, "");
      const typ = hdr[0]! & TYPE_MASK;
      this.#lastType = typ;
      if (typ === FragmentType.PageTerm) {
        // The rest of the page must be zeros.
        const k = PAGE_SIZE - (this.#off % PAGE_SIZE);
        if (k === PAGE_SIZE) continue;
        for (let j = 0; j < k; j++) {
          if (!this.#ensure()) this.#fail("read remaining zeros: unexpected EOF");
          if (this.#byteAt() !== 0) this.#fail("unexpected non-zero byte in padded page");
        }
        continue;
      }
      this.#readFull(hdr, 1, RECORD_HEADER_SIZE - 1, "read remaining header");
      const length = (hdr[1]! << 8) | hdr[2]!;
      const crc = readBE32(hdr, 3);
      if (length > PAGE_SIZE - RECORD_HEADER_SIZE) this.#fail(`invalid record size ${length}`);
      // Fast path: the fragment lies inside the current segment's real bytes.
      const seg = this.#segs[this.#cur]!.data;
      const start = this.#off;
      let fragment: Uint8Array;
      let fragOff: number;
      if (this.#recLen === 0 && start + length <= seg.length) {
        fragment = seg;
        fragOff = start;
        this.#off += length;
      } else {
        this.#grow(this.#recLen + length);
        this.#readFull(this.#rec, this.#recLen, length, "read fragment");
        fragment = this.#rec;
        fragOff = this.#recLen;
      }
      const got = crc32cUpdate(0, fragment, fragOff, fragOff + length);
      if (got !== crc) this.#fail(`unexpected checksum ${got.toString(16)}, expected ${crc.toString(16)}`);
      this.#flags = hdr[0]! & (SNAPPY_FLAG | ZSTD_FLAG);
      this.#validate(typ, i);
      if (typ === FragmentType.Full || typ === FragmentType.Last) {
        if (fragment !== this.#rec) this.#view = fragment.subarray(fragOff, fragOff + length);
        else this.#recLen += length;
        return;
      }
      if (fragment !== this.#rec) {
        this.#grow(this.#recLen + length);
        this.#rec.set(fragment.subarray(fragOff, fragOff + length), this.#recLen);
      }
      this.#recLen += length;
      i++;
    }
  }

  #grow(n: number): void {
    if (n <= this.#rec.length) return;
    let cap = this.#rec.length * 2;
    while (cap < n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.#rec.subarray(0, this.#recLen));
    this.#rec = nb;
  }

  #validate(typ: number, i: number): void {
    switch (typ) {
      case FragmentType.Full:
        if (i !== 0) this.#fail("unexpected full record");
        return;
      case FragmentType.First:
        if (i !== 0) this.#fail("unexpected first record, dropping buffer");
        return;
      case FragmentType.Middle:
        if (i === 0) this.#fail("unexpected middle record, dropping buffer");
        return;
      case FragmentType.Last:
        if (i === 0) this.#fail("unexpected last record, dropping buffer");
        return;
      default:
        this.#fail(`unexpected record type ${typ}`);
    }
  }
}
