import * as fs from "node:fs";
import * as path from "node:path";
import { StorageError } from "../../storage/index.ts";
import { Decbuf, Encbuf, crc32c, crc32cUpdate, readBE32 } from "../encoding/index.ts";
import { FileReader, FileWriter, syncDir, type PageCache } from "../fileutil/index.ts";

/** First 4 bytes of a chunk segment file. */
export const CHUNKS_MAGIC = 0x85bd40dd;
/** Chunk segment format version. */
export const CHUNKS_FORMAT_V1 = 1;
/** Header: magic, version, 3 bytes of padding. */
export const CHUNKS_HEADER_BYTES = 8;
/** Largest chunk segment file: Prometheus's DefaultChunkSegmentSize, 512 MiB. */
export const DEFAULT_CHUNK_SEGMENT_BYTES = 512 * 1024 * 1024;
const TWO_32 = 0x1_0000_0000;

/** The chunk ref of a chunk at offset in segment seq (0 = the file 000001): seq << 32 | offset. */
export function chunkRef(seq: number, offset: number): number {
  return seq * TWO_32 + offset;
}

/** Segment file name for sequence seq (0-based): 000001, 000002, ... */
export function chunkSegmentName(seq: number): string {
  return String(seq + 1).padStart(6, "0");
}

/**
 * Writes the chunk segment files of a block into dir (docs/format/chunks.md):
 * a new file starts when the next chunk would pass segmentBytes. Each
 * chunk is len <uvarint> | encoding <1b> | data | CRC32C(encoding, data).
 */
export class ChunkWriter {
  readonly #dir: string;
  readonly #segmentBytes: number;
  #f: FileWriter | null;
  #seq: number;
  readonly #buf: Encbuf;

  constructor(dir: string, segmentBytes = DEFAULT_CHUNK_SEGMENT_BYTES) {
    fs.mkdirSync(dir, { recursive: true });
    this.#dir = dir;
    this.#segmentBytes = segmentBytes;
    this.#f = null;
    this.#seq = -1;
    this.#buf = new Encbuf(64);
  }

  #cut(): void {
    if (this.#f !== null) this.#f.close();
    this.#seq++;
    this.#f = new FileWriter(path.join(this.#dir, chunkSegmentName(this.#seq)));
    const b = this.#buf;
    b.reset();
    b.putBE32(CHUNKS_MAGIC);
    b.putByte(CHUNKS_FORMAT_V1);
    b.putBytes(new Uint8Array(3));
    this.#f.write(b.get());
  }

  /** Appends a chunk; returns its ref. */
  write(encoding: number, data: Uint8Array): number {
    const b = this.#buf;
    // Upper bound of the entry: uvarint length (<= 5 bytes for < 4 GiB), encoding, data, CRC.
    const size = 5 + 1 + data.length + 4;
    if (this.#f === null || (this.#f.pos + size > this.#segmentBytes && this.#f.pos > CHUNKS_HEADER_BYTES)) this.#cut();
    const f = this.#f!;
    const ref = chunkRef(this.#seq, f.pos);
    b.reset();
    b.putUvarint(data.length);
    b.putByte(encoding);
    f.write(b.get());
    f.write(data);
    b.reset();
    b.putBE32(crcOf(encoding, data));
    f.write(b.get());
    return ref;
  }

  /** fsyncs and closes the files and the directory. */
  close(): void {
    if (this.#f !== null) this.#f.close();
    this.#f = null;
    syncDir(this.#dir);
  }

  /** Closes without syncing, after a failure. */
  abort(): void {
    if (this.#f !== null) this.#f.abort();
    this.#f = null;
  }
}

const one = new Uint8Array(1);
/** CRC32C over the encoding byte followed by the data. */
function crcOf(encoding: number, data: Uint8Array): number {
  one[0] = encoding;
  // crc32c(a ++ b) by continuing the running CRC.
  return crc32cConcat(one, data);
}

function crc32cConcat(a: Uint8Array, b: Uint8Array): number {
  // crc32cUpdate takes and returns the finalised CRC, so it can be chained.
  return crc32cUpdate(crc32cUpdate(0, a), b);
}

/** A chunk read from a segment: encoding and data (a view, valid while the caller holds it). */
export interface RawChunk {
  encoding: number;
  data: Uint8Array;
}

/** Bytes the first read of a chunk takes: its length, encoding, data and CRC for all but long chunks. */
const CHUNK_PEEK_BYTES = 512;

/** Reads chunks of a block's chunks directory by ref, with positional reads. */
export class ChunkReader {
  /** The chunks directory. */
  readonly dir: string;
  readonly #files: FileReader[];
  /** Total bytes of the segment files. */
  readonly size: number;

  /** Opens every segment file in dir. Throws StorageError on a bad header or a gap in the sequence. */
  constructor(dir: string, cache: PageCache) {
    this.dir = dir;
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => /^\d+$/.test(n)).sort();
    } catch (e) {
      throw new StorageError(`list chunk segments in ${dir}`, { cause: e });
    }
    this.#files = [];
    let size = 0;
    try {
      names.forEach((n, i) => {
        if (Number(n) !== i + 1) throw new StorageError(`chunk segments in ${dir} are not sequential at ${n}`);
        const r = new FileReader(path.join(dir, n), cache);
        this.#files.push(r);
        size += r.size;
        const h = r.read(0, CHUNKS_HEADER_BYTES);
        if (h.length < CHUNKS_HEADER_BYTES || readBE32(h, 0) !== CHUNKS_MAGIC) {
          throw new StorageError(`invalid magic number in chunk segment ${r.path}`);
        }
        if (h[4] !== CHUNKS_FORMAT_V1) throw new StorageError(`invalid chunk format version ${h[4]} in ${r.path}`);
      });
    } catch (e) {
      this.close();
      throw e;
    }
    this.size = size;
  }

  /** The chunk at ref; checks the CRC. Throws StorageError on a bad ref or corrupt chunk. */
  chunk(ref: number): RawChunk {
    const seq = Math.floor(ref / TWO_32);
    const off = ref - seq * TWO_32;
    const f = this.#files[seq];
    if (f === undefined) throw new StorageError(`chunk ref ${ref}: segment index ${seq} out of range`);
    // One read covers most chunks whole (120 samples take about 150 bytes); longer ones take a second.
    let b = f.read(off, CHUNK_PEEK_BYTES);
    const hdr = new Decbuf(b, 0, Math.min(b.length, 10));
    const len = hdr.uvarint();
    if (hdr.err() !== null) throw new StorageError(`chunk ref ${ref} in ${f.path}: ${hdr.err()!.message}`);
    const n = hdr.offset;
    if (b.length < n + 1 + len + 4) b = f.read(off, n + 1 + len + 4);
    if (b.length < n + 1 + len + 4) throw new StorageError(`chunk ref ${ref} in ${f.path}: segment too short`);
    if (crc32c(b, n, n + 1 + len) !== readBE32(b, n + 1 + len)) {
      throw new StorageError(`chunk ref ${ref} in ${f.path}: checksum mismatch`);
    }
    return { encoding: b[n]!, data: b.subarray(n + 1, n + 1 + len) };
  }

  close(): void {
    for (const f of this.#files) f.close();
  }
}
