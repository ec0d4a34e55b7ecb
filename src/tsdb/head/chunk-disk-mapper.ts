import * as fs from "node:fs";
import * as path from "node:path";
import { StorageError } from "../../storage/index.ts";
import { Encoding } from "../chunkenc/index.ts";
import { crc32c } from "../encoding/index.ts";
import { TimeSlice, nopLogger, type Logger } from "../../util/index.ts";

/** Directory of the head chunk files inside a data directory, as Prometheus. */
export const HEAD_CHUNKS_DIR = "chunks_head";
/** First 4 bytes of a head chunk file (Prometheus's MagicHeadChunks). */
export const MAGIC_HEAD_CHUNKS = 0x0130bc91;
const HEAD_CHUNKS_FORMAT_V1 = 1;
/** magic <4> | version <1> | padding <3>. */
export const HEAD_CHUNK_FILE_HEADER_BYTES = 8;
/** series ref <8> | mint <8> | maxt <8>, before the encoding byte. */
const CHUNK_PREFIX_BYTES = 24;
/** Largest chunk length field (Go's binary.MaxVarintLen32). */
const MAX_LEN_FIELD_BYTES = 5;
const CRC_BYTES = 4;
/** Largest chunk record minus its data (Prometheus's MaxHeadChunkMetaSize). */
export const MAX_HEAD_CHUNK_META_BYTES = CHUNK_PREFIX_BYTES + 1 + MAX_LEN_FIELD_BYTES + CRC_BYTES;
/** Largest head chunk file (Prometheus's MaxHeadChunkFileSize). */
export const MAX_HEAD_CHUNK_FILE_BYTES = 128 * 1024 * 1024;
/** Bit set in the encoding byte of an out-of-order chunk (Prometheus 2.39+'s OutOfOrderMask). */
export const OUT_OF_ORDER_MASK = 0x80;
const TWO_32 = 0x1_0000_0000;
const DEFAULT_WRITE_BUFFER_BYTES = 1024 * 1024;
const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;
/** Bytes read per positional read when a chunk's length is not known yet: a full XOR chunk fits. */
const READ_GUESS_BYTES = MAX_HEAD_CHUNK_META_BYTES + 1024;
/** Window of the sequential reader used on open. */
const SCAN_WINDOW_BYTES = 1024 * 1024;

/**
 * Where a complete head chunk lives. Refs are non-negative integers below
 * 2^53 (disk refs: file sequence << 32 | offset); a store may hand out
 * negative refs for chunks it keeps in memory.
 */
export interface HeadChunkStore {
  /** Stores a complete chunk of series seriesRef (data is copied); returns its ref. */
  write(seriesRef: number, mint: number, maxt: number, data: Uint8Array): number;
  /** The chunk data (header included) of ref; do not modify it. Throws HeadChunkCorruptionError. */
  read(ref: number): Uint8Array;
  /** The chunk is no longer referenced (truncated from the head). */
  release(ref: number): void;
  /** Drops what holds only chunks ending before mint (after a head truncation). */
  truncate(mint: number): void;
  /** Flushes and closes; idempotent. */
  close(): void;
}

/** Keeps complete chunks in memory: the store of a Head without a directory. */
export class MemChunkStore implements HeadChunkStore {
  readonly #chunks: Map<number, Uint8Array>;
  #next: number;

  constructor() {
    this.#chunks = new Map();
    this.#next = 0;
  }

  /** Chunks held. */
  get size(): number {
    return this.#chunks.size;
  }

  write(_seriesRef: number, _mint: number, _maxt: number, data: Uint8Array): number {
    const ref = this.#next++;
    this.#chunks.set(ref, data.slice());
    return ref;
  }

  read(ref: number): Uint8Array {
    const d = this.#chunks.get(ref);
    if (d === undefined) throw new Error(`BUG: unknown in-memory head chunk ${ref}`);
    return d;
  }

  release(ref: number): void {
    this.#chunks.delete(ref);
  }

  truncate(): void {}

  close(): void {}
}

/** A head chunk file is corrupt (bad CRC, torn record, out-of-sequence chunk). */
export class HeadChunkCorruptionError extends StorageError {
  readonly file: string;
  readonly offset: number;

  constructor(file: string, offset: number, reason: string) {
    super(`corruption in head chunk file ${file} at offset ${offset}: ${reason}`);
    this.name = "HeadChunkCorruptionError";
    this.file = file;
    this.offset = offset;
  }
}

/** A chunk found by ChunkDiskMapper.load(). */
export interface LoadedHeadChunk {
  seriesRef: number;
  ref: number;
  mint: number;
  maxt: number;
  numSamples: number;
  /** Chunk encoding with the out-of-order bit cleared. */
  encoding: number;
  outOfOrder: boolean;
}

/** Counters of a ChunkDiskMapper. */
export class ChunkDiskMapperStats {
  chunksWritten = 0;
  chunksRead = 0;
  cacheHits = 0;
  /** Corruptions repaired on open (prometheus_tsdb_mmap_chunk_corruptions_total). */
  corruptions = 0;
  filesDeleted = 0;
  /** Writes that failed; the chunk was kept in memory. */
  writeErrors = 0;
}

/** Options of ChunkDiskMapper.open. */
export interface ChunkDiskMapperOptions {
  /** File size at which a new file is started; 128 MiB if absent. */
  maxFileBytes?: number;
  /** Bytes buffered before they are written; 1 MiB if absent. */
  writeBufferBytes?: number;
  /** Bound of the cache of chunks read back; 16 MiB if absent. */
  cacheBytes?: number;
  logger?: Logger;
}

interface ChunkFile {
  seq: number;
  fd: number;
  /** Bytes in the file (written and buffered). */
  size: number;
  /** Newest maxt of its chunks (-Infinity while empty). */
  maxt: number;
}

function fileName(seq: number): string {
  return String(seq).padStart(6, "0");
}

function putBE64(b: DataView, off: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  b.setInt32(off, hi);
  b.setUint32(off + 4, v - hi * TWO_32);
}

function getBE64(b: DataView, off: number): number {
  return b.getInt32(off) * TWO_32 + b.getUint32(off + 4);
}

/** Go's binary.Uvarint over b[off, end): [value, bytes] with bytes <= 0 on failure. */
function uvarint(b: Uint8Array, off: number, end: number): [number, number] {
  let x = 0;
  let mul = 1;
  for (let i = 0; i < MAX_LEN_FIELD_BYTES; i++) {
    if (off + i >= end) return [0, 0];
    const c = b[off + i]!;
    x += (c & 0x7f) * mul;
    if (c < 0x80) return [x, i + 1];
    mul *= 128;
  }
  return [0, -1];
}

function readFull(fd: number, buf: Uint8Array, pos: number): number {
  let off = 0;
  while (off < buf.length) {
    const n = fs.readSync(fd, buf, off, buf.length - off, pos + off);
    if (n === 0) break;
    off += n;
  }
  return off;
}

function writeFull(fd: number, buf: Uint8Array, pos: number): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off, pos + off);
}

/**
 * Writes complete head chunks to <dir>/chunks_head in Prometheus's head
 * chunk format (docs/format/head_chunks.md) and reads them back with
 * positional reads through a small bounded cache: no mmap, so it works on
 * NFS. Files are named 000001, 000002, ... and start with an 8-byte header
 * (magic 0x0130BC91, version 1, 3 bytes padding); each chunk is
 *
 *   series ref <8> | mint <8> | maxt <8> | encoding <1> | len <uvarint> | data | CRC32C <4>
 *
 * (the CRC covers everything before it) and its ref is the file sequence
 * << 32 | offset. Writes are buffered (Prometheus does not fsync them
 * either: the WAL is the source of truth); a new file is started on open,
 * when a file is full, and on truncate().
 */
export class ChunkDiskMapper implements HeadChunkStore {
  readonly dir: string;
  readonly stats: ChunkDiskMapperStats;
  readonly #logger: Logger;
  readonly #maxFileBytes: number;
  readonly #files: Map<number, ChunkFile>;
  #cur: ChunkFile | null;
  #lastSeq: number;
  readonly #buf: Uint8Array;
  /** Bytes buffered for #cur, which start at #cur.size - #buffered. */
  #buffered: number;
  readonly #cache: Map<number, Uint8Array>;
  readonly #cacheMax: number;
  #cacheBytes: number;
  /** Chunks a failed write left in memory, by negative ref. */
  readonly #pinned: Map<number, Uint8Array>;
  #nextPinned: number;
  #loaded: boolean;
  #closed: boolean;

  private constructor(dir: string, opts: ChunkDiskMapperOptions) {
    this.dir = dir;
    this.stats = new ChunkDiskMapperStats();
    this.#logger = opts.logger ?? nopLogger;
    this.#maxFileBytes = opts.maxFileBytes ?? MAX_HEAD_CHUNK_FILE_BYTES;
    this.#files = new Map();
    this.#cur = null;
    this.#lastSeq = 0;
    this.#buf = new Uint8Array(Math.max(opts.writeBufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES, 2 * READ_GUESS_BYTES));
    this.#buffered = 0;
    this.#cache = new Map();
    this.#cacheMax = opts.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.#cacheBytes = 0;
    this.#pinned = new Map();
    this.#nextPinned = -1;
    this.#loaded = false;
    this.#closed = false;
  }

  /**
   * Opens (creating) dir: removes an empty or header-less last file (left
   * by a crash), checks every file's magic and version. Call load() next.
   * Throws StorageError on I/O errors, a bad header or a gap in the files.
   */
  static open(dir: string, opts: ChunkDiskMapperOptions = {}): ChunkDiskMapper {
    const m = new ChunkDiskMapper(dir, opts);
    try {
      fs.mkdirSync(dir, { recursive: true });
      const seqs = fs
        .readdirSync(dir)
        .filter((n) => /^\d+$/.test(n))
        .map(Number)
        .sort((a, b) => a - b);
      const last = seqs[seqs.length - 1];
      if (last !== undefined && fs.statSync(path.join(dir, fileName(last))).size < HEAD_CHUNK_FILE_HEADER_BYTES) {
        fs.rmSync(path.join(dir, fileName(last)));
        m.#logger.warn("Deleted empty head chunk file left by a crash", "file", fileName(last));
        seqs.pop();
      }
      for (let i = 1; i < seqs.length; i++) {
        if (seqs[i] !== seqs[i - 1]! + 1) throw new StorageError(`found unsequential head chunk files ${fileName(seqs[i - 1]!)} and ${fileName(seqs[i]!)}`);
      }
      const hdr = new Uint8Array(HEAD_CHUNK_FILE_HEADER_BYTES);
      for (const seq of seqs) {
        const file = path.join(dir, fileName(seq));
        const fd = fs.openSync(file, "r+");
        const f: ChunkFile = { seq, fd, size: fs.fstatSync(fd).size, maxt: Number.NEGATIVE_INFINITY };
        m.#files.set(seq, f);
        if (readFull(fd, hdr, 0) < HEAD_CHUNK_FILE_HEADER_BYTES) throw new StorageError(`${file}: invalid head chunk file header`);
        const dv = new DataView(hdr.buffer);
        const magic = dv.getUint32(0);
        if (magic !== MAGIC_HEAD_CHUNKS) throw new StorageError(`${file}: invalid magic number ${magic.toString(16)}`);
        if (hdr[4] !== HEAD_CHUNKS_FORMAT_V1) throw new StorageError(`${file}: invalid chunk format version ${hdr[4]}`);
        m.#lastSeq = seq;
      }
    } catch (e) {
      m.close();
      throw e instanceof StorageError ? e : new StorageError(`open head chunks ${dir}`, { cause: e });
    }
    return m;
  }

  /** Sequences of the files on disk, oldest first. */
  get files(): number[] {
    return [...this.#files.keys()].sort((a, b) => a - b);
  }

  /** Bytes of chunk data held by the read cache. */
  get cacheBytes(): number {
    return this.#cacheBytes;
  }

  /** Chunks a failed write left in memory. */
  get pinnedChunks(): number {
    return this.#pinned.size;
  }

  /**
   * Reads every chunk on disk, oldest file first, calling fn for each, as
   * Prometheus's IterateAllChunks. A chunk that is torn, fails its CRC or
   * does not start after the previous chunk of its series (what a crash
   * can leave) is repaired: its file is cut there and later files are
   * deleted (the WAL still holds their samples), logged and counted in
   * stats.corruptions. Trailing zeros (Prometheus preallocates) end a
   * file. Sets each file's maxt, which truncate() needs. Yields to the
   * event loop through slice between chunks (a restart may read millions).
   */
  async load(fn: (c: LoadedHeadChunk) => void, slice: TimeSlice = new TimeSlice()): Promise<void> {
    const lastMaxt = new Map<number, number>();
    const seqs = this.files;
    for (let k = 0; k < seqs.length; k++) {
      const f = this.#files.get(seqs[k]!)!;
      const bad = await this.#scan(f, lastMaxt, fn, slice);
      if (bad === null) continue;
      this.stats.corruptions++;
      const name = path.join(this.dir, fileName(f.seq));
      this.#logger.warn("Head chunk file corrupt, truncating at the last good chunk", "file", name, "offset", bad.offset, "err", bad.reason);
      try {
        fs.ftruncateSync(f.fd, bad.offset);
        f.size = bad.offset;
        for (const later of seqs.slice(k + 1)) this.#deleteFile(later);
      } catch (e) {
        throw new StorageError(`repair head chunk file ${name}`, { cause: e });
      }
      break;
    }
    this.#loaded = true;
  }

  /** Scans one file; returns where and why it is corrupt, or null. */
  async #scan(
    f: ChunkFile,
    lastMaxt: Map<number, number>,
    fn: (c: LoadedHeadChunk) => void,
    slice: TimeSlice,
  ): Promise<{ offset: number; reason: string } | null> {
    const win = new Uint8Array(SCAN_WINDOW_BYTES);
    let winStart = 0;
    let winLen = 0;
    /** Makes [off, off+n) available; returns the array and the index of off in it, or null past the end. */
    const need = (off: number, n: number): [Uint8Array, number] | null => {
      if (off + n > f.size) return null;
      if (off >= winStart && off + n <= winStart + winLen) return [win, off - winStart];
      if (n > win.length) {
        const big = new Uint8Array(n);
        return readFull(f.fd, big, off) === n ? [big, 0] : null;
      }
      winStart = off;
      winLen = readFull(f.fd, win, off);
      return off + n <= winStart + winLen ? [win, 0] : null;
    };
    let off = HEAD_CHUNK_FILE_HEADER_BYTES;
    let scanned = 0;
    while (off < f.size) {
      if (++scanned % 1024 === 0 && slice.due()) await slice.yield();
      const metaAvail = Math.min(MAX_HEAD_CHUNK_META_BYTES, f.size - off);
      const hd = need(off, metaAvail)!;
      if (metaAvail < MAX_HEAD_CHUNK_META_BYTES) {
        let zeros = true;
        for (let i = 0; i < metaAvail; i++) if (hd[0][hd[1] + i] !== 0) zeros = false;
        if (zeros) return null;
        if (metaAvail < CHUNK_PREFIX_BYTES + 2) return { offset: off, reason: "torn chunk header" };
      }
      const dv = new DataView(hd[0].buffer, hd[0].byteOffset + hd[1]);
      const seriesRef = getBE64(dv, 0);
      const mint = getBE64(dv, 8);
      const maxt = getBE64(dv, 16);
      if (seriesRef === 0 && mint === 0 && maxt === 0) return null; // preallocated zeros: end of data
      const encByte = hd[0][hd[1] + CHUNK_PREFIX_BYTES]!;
      const [len, n] = uvarint(hd[0], hd[1] + CHUNK_PREFIX_BYTES + 1, hd[1] + metaAvail);
      if (n <= 0) return { offset: off, reason: "invalid chunk length" };
      const total = CHUNK_PREFIX_BYTES + 1 + n + len + CRC_BYTES;
      const rec = need(off, total);
      if (rec === null) return { offset: off, reason: `torn chunk: needs ${total} bytes, ${f.size - off} left` };
      const [b, i] = rec;
      const sum = new DataView(b.buffer, b.byteOffset + i + total - CRC_BYTES, CRC_BYTES).getUint32(0);
      if (crc32c(b, i, i + total - CRC_BYTES) !== sum) return { offset: off, reason: "checksum mismatch" };
      const outOfOrder = (encByte & OUT_OF_ORDER_MASK) !== 0;
      if (!outOfOrder) {
        const prev = lastMaxt.get(seriesRef);
        if (prev !== undefined && mint <= prev) return { offset: off, reason: `out of sequence chunk for series ref ${seriesRef}` };
        lastMaxt.set(seriesRef, maxt);
      }
      const dataStart = i + CHUNK_PREFIX_BYTES + 1 + n;
      const numSamples = len >= 2 ? (b[dataStart]! << 8) | b[dataStart + 1]! : 0;
      if (maxt > f.maxt) f.maxt = maxt;
      fn({ seriesRef, ref: f.seq * TWO_32 + off, mint, maxt, numSamples, encoding: encByte & ~OUT_OF_ORDER_MASK, outOfOrder });
      off += total;
    }
    return null;
  }

  #cut(): void {
    this.#finishCur();
    const seq = this.#lastSeq + 1;
    const file = path.join(this.dir, fileName(seq));
    const fd = fs.openSync(file, "wx+", 0o666);
    const hdr = new Uint8Array(HEAD_CHUNK_FILE_HEADER_BYTES);
    new DataView(hdr.buffer).setUint32(0, MAGIC_HEAD_CHUNKS);
    hdr[4] = HEAD_CHUNKS_FORMAT_V1;
    writeFull(fd, hdr, 0);
    this.#lastSeq = seq;
    this.#cur = { seq, fd, size: HEAD_CHUNK_FILE_HEADER_BYTES, maxt: Number.NEGATIVE_INFINITY };
    this.#files.set(seq, this.#cur);
  }

  /** Writes the buffer of the current file, fsyncs it and stops writing to it. */
  #finishCur(): void {
    const f = this.#cur;
    if (f === null) return;
    this.#flush();
    fs.fsyncSync(f.fd);
    this.#cur = null;
  }

  #flush(): void {
    const f = this.#cur;
    if (f === null || this.#buffered === 0) return;
    writeFull(f.fd, this.#buf.subarray(0, this.#buffered), f.size - this.#buffered);
    this.#buffered = 0;
  }

  /**
   * Appends a complete chunk; returns its ref. An I/O error is logged and
   * counted, and the chunk is then kept in memory under a negative ref, so
   * the head stays consistent (the WAL still holds its samples).
   */
  write(seriesRef: number, mint: number, maxt: number, data: Uint8Array, encoding: number = Encoding.XOR): number {
    if (this.#closed) throw new StorageError("head chunk disk mapper is closed");
    const total = MAX_HEAD_CHUNK_META_BYTES + data.length;
    try {
      if (this.#cur === null || this.#cur.size + total > this.#maxFileBytes) this.#cut();
      if (total > this.#buf.length - this.#buffered) this.#flush();
      const f = this.#cur!;
      const ref = f.seq * TWO_32 + f.size;
      const inBuf = total <= this.#buf.length;
      const rec = inBuf ? this.#buf.subarray(this.#buffered) : new Uint8Array(total);
      const dv = new DataView(rec.buffer, rec.byteOffset, rec.length);
      putBE64(dv, 0, seriesRef);
      putBE64(dv, 8, mint);
      putBE64(dv, 16, maxt);
      let o = CHUNK_PREFIX_BYTES;
      rec[o++] = encoding;
      let l = data.length;
      while (l >= 0x80) {
        rec[o++] = (l & 0x7f) | 0x80;
        l = Math.floor(l / 128);
      }
      rec[o++] = l;
      rec.set(data, o);
      o += data.length;
      dv.setUint32(o, crc32c(rec, 0, o));
      o += CRC_BYTES;
      if (inBuf) {
        this.#buffered += o;
      } else {
        writeFull(f.fd, rec.subarray(0, o), f.size);
      }
      f.size += o;
      if (maxt > f.maxt) f.maxt = maxt;
      this.stats.chunksWritten++;
      return ref;
    } catch (e) {
      this.stats.writeErrors++;
      this.#logger.error("Writing a head chunk to disk failed, keeping it in memory", "dir", this.dir, "err", e instanceof Error ? e.message : String(e));
      const ref = this.#nextPinned--;
      this.#pinned.set(ref, data.slice());
      return ref;
    }
  }

  /**
   * The data of the chunk at ref: from the cache, else one or two
   * positional reads, checked against its CRC. Throws
   * HeadChunkCorruptionError when the record is damaged or missing.
   */
  read(ref: number): Uint8Array {
    if (ref < 0) {
      const p = this.#pinned.get(ref);
      if (p === undefined) throw new Error(`BUG: unknown in-memory head chunk ${ref}`);
      return p;
    }
    const hit = this.#cache.get(ref);
    if (hit !== undefined) {
      this.stats.cacheHits++;
      this.#cache.delete(ref);
      this.#cache.set(ref, hit);
      return hit;
    }
    if (this.#closed) throw new StorageError("head chunk disk mapper is closed");
    const seq = Math.floor(ref / TWO_32);
    const off = ref - seq * TWO_32;
    const f = this.#files.get(seq);
    const name = path.join(this.dir, fileName(seq));
    if (f === undefined) throw new HeadChunkCorruptionError(name, off, "head chunk file does not exist");
    if (f === this.#cur) this.#flush();
    let b = new Uint8Array(Math.min(READ_GUESS_BYTES, Math.max(0, f.size - off)));
    let got = readFull(f.fd, b, off);
    if (got < CHUNK_PREFIX_BYTES + 2) throw new HeadChunkCorruptionError(name, off, "not enough bytes for the chunk header");
    const [len, n] = uvarint(b, CHUNK_PREFIX_BYTES + 1, got);
    if (n <= 0) throw new HeadChunkCorruptionError(name, off, "invalid chunk length");
    const total = CHUNK_PREFIX_BYTES + 1 + n + len + CRC_BYTES;
    if (total > got) {
      b = new Uint8Array(total);
      got = readFull(f.fd, b, off);
      if (got < total) throw new HeadChunkCorruptionError(name, off, `not enough bytes for the chunk: needs ${total}, ${got} left`);
    }
    const sum = new DataView(b.buffer, total - CRC_BYTES, CRC_BYTES).getUint32(0);
    if (crc32c(b, 0, total - CRC_BYTES) !== sum) throw new HeadChunkCorruptionError(name, off, "checksum mismatch");
    const data = b.slice(CHUNK_PREFIX_BYTES + 1 + n, CHUNK_PREFIX_BYTES + 1 + n + len);
    this.stats.chunksRead++;
    this.#cache.set(ref, data);
    this.#cacheBytes += data.length;
    while (this.#cacheBytes > this.#cacheMax && this.#cache.size > 0) {
      const [k, v] = this.#cache.entries().next().value as [number, Uint8Array];
      this.#cache.delete(k);
      this.#cacheBytes -= v.length;
    }
    return data;
  }

  release(ref: number): void {
    if (ref < 0) this.#pinned.delete(ref);
    const c = this.#cache.get(ref);
    if (c !== undefined) {
      this.#cache.delete(ref);
      this.#cacheBytes -= c.length;
    }
  }

  /**
   * Deletes the oldest files whose chunks all end before mint (never the
   * file being written), as Prometheus's Truncate, and starts a new file
   * with the next write so the current one can go at a later truncation.
   * Needs load() first (file maxt). Throws StorageError on I/O errors.
   */
  truncate(mint: number): void {
    if (!this.#loaded || this.#closed) return;
    try {
      for (const seq of this.files) {
        const f = this.#files.get(seq)!;
        if (f === this.#cur || f.maxt >= mint) break;
        this.#deleteFile(seq);
      }
      if (this.#cur !== null && this.#cur.size > HEAD_CHUNK_FILE_HEADER_BYTES) this.#finishCur();
    } catch (e) {
      throw new StorageError(`truncate head chunks in ${this.dir}`, { cause: e });
    }
  }

  #deleteFile(seq: number): void {
    const f = this.#files.get(seq);
    if (f === undefined) return;
    fs.closeSync(f.fd);
    this.#files.delete(seq);
    for (const k of this.#cache.keys()) {
      if (Math.floor(k / TWO_32) === seq) {
        this.#cacheBytes -= this.#cache.get(k)!.length;
        this.#cache.delete(k);
      }
    }
    fs.rmSync(path.join(this.dir, fileName(seq)), { force: true });
    this.stats.filesDeleted++;
  }

  /** Flushes and fsyncs the file being written, closes every file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#finishCur();
    } finally {
      for (const f of this.#files.values()) fs.closeSync(f.fd);
      this.#files.clear();
      this.#cache.clear();
      this.#cacheBytes = 0;
    }
  }
}
