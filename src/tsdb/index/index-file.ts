import { Labels } from "../../model/index.ts";
import { StorageError } from "../../storage/index.ts";
import { Decbuf, DecodeError, DecodeErrorReason, Encbuf, crc32c, decodeUTF8, readBE32 } from "../encoding/index.ts";
import { FileReader, FileWriter, type PageCache } from "../fileutil/index.ts";
import { TimeSlice, sortCooperative } from "../../util/index.ts";

/** First 4 bytes of an index file. */
export const INDEX_MAGIC = 0xbaaad700;
/** Index format version written and read (v2: symbols referenced by position). */
export const INDEX_VERSION = 2;
/** Size of the TOC at the end of the file: 6 offsets and a CRC. */
const TOC_BYTES = 6 * 8 + 4;
/** Every this many symbols the reader keeps an offset, as upstream's symbolFactor. */
const SYMBOL_FACTOR = 32;
/** Decoded symbols the reader keeps before starting over. */
const SYMBOL_CACHE_MAX = 1 << 16;

/** A chunk of a series as the index records it: time range (ms, inclusive) and ref into the chunk files. */
export interface ChunkMeta {
  mint: number;
  maxt: number;
  /** segment << 32 | offset, as a number (exact below 2^53). */
  ref: number;
}

/** The label pair under which all postings are stored (Prometheus's AllPostingsKey). */
export const ALL_POSTINGS_NAME = "";

/**
 * Writes an index file (docs/format/index.md): addSymbols() once with every
 * label name and value, addSeries() in increasing label order, then close()
 * writes label indices, postings, offset tables and the TOC, yielding to
 * the event loop between postings lists. Throws
 * StorageError on I/O errors and `Error("BUG: ...")` on misuse.
 */
export class IndexWriter {
  readonly #f: FileWriter;
  readonly #buf: Encbuf;
  readonly #symbols: Map<string, number>;
  readonly #postings: Map<string, Map<string, number[]>>;
  readonly #all: number[];
  #last: Labels | null;
  readonly #toc: number[];
  #closed: boolean;

  constructor(file: string) {
    this.#f = new FileWriter(file);
    this.#buf = new Encbuf(4096);
    this.#symbols = new Map();
    this.#postings = new Map();
    this.#all = [];
    this.#last = null;
    this.#toc = [0, 0, 0, 0, 0, 0];
    this.#closed = false;
    this.#buf.putBE32(INDEX_MAGIC);
    this.#buf.putByte(INDEX_VERSION);
    this.#f.write(this.#buf.get());
  }

  /** Writes the symbol table: the strings must be sorted and unique. */
  addSymbols(symbols: readonly string[]): void {
    if (this.#toc[0] !== 0) throw new Error("BUG: addSymbols called twice");
    const b = this.#buf;
    b.reset();
    b.putBE32(0);
    b.putBE32(symbols.length);
    for (let i = 0; i < symbols.length; i++) {
      const s = symbols[i]!;
      if (i > 0 && symbols[i - 1]! >= s) throw new Error("BUG: symbols not sorted and unique");
      this.#symbols.set(s, i);
      b.putUvarintStr(s);
    }
    b.patchBE32(0, b.length - 4);
    b.putCRC32C(4);
    this.#toc[0] = this.#f.pos;
    this.#f.write(b.get());
  }

  #sym(s: string): number {
    const i = this.#symbols.get(s);
    if (i === undefined) throw new Error(`BUG: symbol ${JSON.stringify(s)} not added`);
    return i;
  }

  /**
   * Writes one series (16-byte aligned; its id is offset / 16) with its
   * chunks, which must be in time order without overlap. Returns the id.
   */
  addSeries(lset: Labels, chunks: readonly ChunkMeta[]): number {
    if (this.#toc[0] === 0) throw new Error("BUG: addSeries before addSymbols");
    if (this.#last !== null && compareLabelsOrder(this.#last, lset) >= 0) {
      throw new StorageError(`out-of-order series added with label set ${lset.toString()}`);
    }
    this.#last = lset;
    this.#f.pad(16);
    if (this.#toc[1] === 0) this.#toc[1] = this.#f.pos;
    const id = this.#f.pos / 16;
    const b = this.#buf;
    b.reset();
    const { names, values } = lset;
    b.putUvarint(names.length);
    for (let i = 0; i < names.length; i++) {
      b.putUvarint(this.#sym(names[i]!));
      b.putUvarint(this.#sym(values[i]!));
      let byValue = this.#postings.get(names[i]!);
      if (byValue === undefined) this.#postings.set(names[i]!, (byValue = new Map()));
      let list = byValue.get(values[i]!);
      if (list === undefined) byValue.set(values[i]!, (list = []));
      list.push(id);
    }
    this.#all.push(id);
    b.putUvarint(chunks.length);
    let prevMaxt = 0;
    let prevRef = 0;
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (i === 0) {
        b.putVarint(c.mint);
        b.putUvarint(c.maxt - c.mint);
        b.putUvarint(c.ref);
      } else {
        if (c.mint <= prevMaxt) throw new Error(`BUG: overlapping chunks in series ${lset.toString()}`);
        b.putUvarint(c.mint - prevMaxt);
        b.putUvarint(c.maxt - c.mint);
        b.putVarint(c.ref - prevRef);
      }
      prevMaxt = c.maxt;
      prevRef = c.ref;
    }
    const len = b.length;
    const head = new Encbuf(16);
    head.putUvarint(len);
    this.#f.write(head.get());
    this.#f.write(b.get());
    head.reset();
    head.putBE32(crc32c(b.get()));
    this.#f.write(head.get());
    return id;
  }

  /** Writes len <4b> | content | CRC from the buffer holding content after 4 reserved bytes. */
  #writeSection(): void {
    const b = this.#buf;
    b.patchBE32(0, b.length - 4);
    b.putCRC32C(4);
    this.#f.write(b.get());
  }

  /**
   * Writes the remaining sections and the TOC, fsyncs and closes. Gives the
   * event loop a turn whenever `slice` is used up, so a large index does
   * not block it; the bytes written do not depend on the yields.
   */
  async close(slice: TimeSlice = new TimeSlice()): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#finish(slice);
      this.#f.close();
    } catch (e) {
      this.#f.abort();
      if (e instanceof StorageError) throw e;
      throw new StorageError(`write index ${this.#f.path}`, { cause: e });
    }
  }

  async #finish(slice: TimeSlice): Promise<void> {
    const f = this.#f;
    const b = this.#buf;
    if (this.#toc[0] === 0) this.addSymbols([]);
    const names = [...this.#postings.keys()].sort();
    // Label indices (no longer read by Prometheus, written for older readers).
    const labelIndexOffsets: number[] = [];
    f.pad(4);
    this.#toc[2] = f.pos;
    // Sorted values per label name, computed once for both sections.
    const sortedValues = new Map<string, string[]>();
    for (const name of names) {
      sortedValues.set(name, await sortCooperative([...this.#postings.get(name)!.keys()], compareStrings, slice));
    }
    for (const name of names) {
      if (slice.due()) await slice.yield();
      f.pad(4);
      labelIndexOffsets.push(f.pos);
      const vals = sortedValues.get(name)!;
      b.reset();
      b.putBE32(0);
      b.putBE32(1);
      b.putBE32(vals.length);
      for (const v of vals) b.putBE32(this.#sym(v));
      this.#writeSection();
    }
    // Postings, the all-postings list first (its key sorts first).
    f.pad(4);
    this.#toc[4] = f.pos;
    const pairs: { name: string; value: string; off: number }[] = [];
    const writePostings = (name: string, value: string, ids: readonly number[]): void => {
      f.pad(4);
      pairs.push({ name, value, off: f.pos });
      b.reset();
      b.putBE32(0);
      b.putBE32(ids.length);
      for (let i = 0; i < ids.length; i++) b.putBE32(ids[i]!);
      this.#writeSection();
    };
    writePostings(ALL_POSTINGS_NAME, "", this.#all);
    for (const name of names) {
      const byValue = this.#postings.get(name)!;
      const vals = sortedValues.get(name)!;
      for (let i = 0; i < vals.length; i++) {
        if ((i & 255) === 0 && slice.due()) await slice.yield();
        writePostings(name, vals[i]!, byValue.get(vals[i]!)!);
      }
    }
    // Label offset table.
    this.#toc[3] = f.pos;
    b.reset();
    b.putBE32(0);
    b.putBE32(names.length);
    names.forEach((name, i) => {
      b.putUvarint(1);
      b.putUvarintStr(name);
      b.putUvarint(labelIndexOffsets[i]!);
    });
    this.#writeSection();
    // Postings offset table.
    this.#toc[5] = f.pos;
    b.reset();
    b.putBE32(0);
    b.putBE32(pairs.length);
    for (let i = 0; i < pairs.length; i++) {
      if ((i & 1023) === 0 && slice.due()) await slice.yield();
      const p = pairs[i]!;
      b.putUvarint(2);
      b.putUvarintStr(p.name);
      b.putUvarintStr(p.value);
      b.putUvarint(p.off);
    }
    this.#writeSection();
    // TOC.
    b.reset();
    for (const off of this.#toc) b.putBE64Int(off);
    b.putCRC32C(0);
    f.write(b.get());
  }
}

/** The order of Array.prototype.sort without a comparator (UTF-16 code units). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Byte-wise order of label sets, as Go compares strings (UTF-8 bytes; equal to UTF-16 order for the BMP). */
function compareLabelsOrder(a: Labels, b: Labels): number {
  const n = Math.min(a.names.length, b.names.length);
  for (let i = 0; i < n; i++) {
    if (a.names[i] !== b.names[i]) return a.names[i]! < b.names[i]! ? -1 : 1;
    if (a.values[i] !== b.values[i]) return a.values[i]! < b.values[i]! ? -1 : 1;
  }
  return a.names.length - b.names.length;
}

function decodeFail(what: string, err: DecodeError | null): never {
  throw new StorageError(`${what}: ${err === null ? "invalid data" : err.message}`, { cause: err ?? undefined });
}

/**
 * Reads an index file with positional reads through a page cache. Opening
 * reads the TOC, scans the symbol table once (keeping every 32nd offset)
 * and loads the postings offset table; series and postings lists are read
 * on demand. Throws StorageError on I/O errors and corrupt sections.
 */
export class IndexReader {
  readonly #r: FileReader;
  readonly #symEnd: number;
  readonly #symOffsets: number[];
  readonly #numSymbols: number;
  readonly #symCache: Map<number, string>;
  /** name -> value -> offset of the postings list, values in sorted order. */
  readonly #postings: Map<string, Map<string, number>>;
  readonly version: number;
  /** File offset of the array the last #section() returned (its index 0). */
  #sectionBase: number;

  constructor(file: string, cache: PageCache) {
    this.#r = new FileReader(file, cache);
    this.#sectionBase = 0;
    try {
      const r = this.#r;
      if (r.size < 5 + TOC_BYTES) throw new StorageError(`index ${file}: file too small (${r.size} bytes)`);
      const head = r.read(0, 5);
      if (readBE32(head, 0) !== INDEX_MAGIC) throw new StorageError(`index ${file}: invalid magic number ${readBE32(head, 0).toString(16)}`);
      this.version = head[4]!;
      if (this.version !== 2) throw new StorageError(`index ${file}: unsupported index version ${this.version}`);
      const tocBytes = r.read(r.size - TOC_BYTES, TOC_BYTES).slice();
      if (crc32c(tocBytes, 0, 48) !== readBE32(tocBytes, 48)) throw new StorageError(`index ${file}: read TOC: invalid checksum`);
      const d = new Decbuf(tocBytes, 0, 48);
      const toc = [d.be64Int(), d.be64Int(), d.be64Int(), d.be64Int(), d.be64Int(), d.be64Int()];
      // Symbols: one pass to verify the CRC and sample offsets.
      const symSec = this.#section(toc[0]!, "symbols");
      this.#numSymbols = symSec.be32();
      this.#symOffsets = [];
      const base = this.#sectionBase;
      for (let i = 0; i < this.#numSymbols; i++) {
        if (i % SYMBOL_FACTOR === 0) this.#symOffsets.push(base + symSec.offset);
        symSec.skip(symSec.uvarint());
      }
      if (symSec.err() !== null) decodeFail(`index ${file}: read symbols`, symSec.err());
      this.#symEnd = base + symSec.offset;
      this.#symCache = new Map();
      // Postings offset table.
      this.#postings = new Map();
      if (toc[5]! > 0) {
        const pt = this.#section(toc[5]!, "postings offset table");
        const n = pt.be32();
        for (let i = 0; i < n; i++) {
          if (pt.uvarint() !== 2) decodeFail(`index ${file}: postings offset table`, new DecodeError(DecodeErrorReason.InvalidData, "unexpected key length"));
          const name = pt.uvarintStr();
          const value = pt.uvarintStr();
          const off = pt.uvarint();
          let m = this.#postings.get(name);
          if (m === undefined) this.#postings.set(name, (m = new Map()));
          m.set(value, off);
        }
        if (pt.err() !== null) decodeFail(`index ${file}: read postings offset table`, pt.err());
      }
    } catch (e) {
      this.#r.close();
      throw e;
    }
  }

  /** The content of the len <4b> | content | CRC section at off, CRC checked. */
  #section(off: number, what: string): Decbuf {
    const lenB = this.#r.read(off, 4);
    if (lenB.length < 4) decodeFail(`index ${this.#r.path}: read ${what}`, new DecodeError(DecodeErrorReason.InvalidSize));
    const len = readBE32(lenB, 0);
    const b = this.#r.read(off, 4 + len + 4);
    this.#sectionBase = off;
    const d = Decbuf.at(b, 0, true);
    if (d.err() !== null) decodeFail(`index ${this.#r.path}: read ${what}`, d.err());
    return d;
  }

  /** Size of the file in bytes. */
  get size(): number {
    return this.#r.size;
  }

  /** Number of symbols. */
  get numSymbols(): number {
    return this.#numSymbols;
  }

  /** Symbol i (its position in the sorted table). Throws StorageError when out of range. */
  symbol(i: number): string {
    const c = this.#symCache.get(i);
    if (c !== undefined) return c;
    if (i < 0 || i >= this.#numSymbols) throw new StorageError(`index ${this.#r.path}: unknown symbol ${i}`);
    let off = this.#symOffsets[Math.floor(i / SYMBOL_FACTOR)]!;
    let s = "";
    for (let k = i - (i % SYMBOL_FACTOR); k <= i; k++) {
      const hdr = this.#r.read(off, Math.min(10, this.#symEnd - off));
      const d = new Decbuf(hdr);
      const len = d.uvarint();
      const start = off + d.offset;
      if (k === i) {
        const sb = this.#r.read(start, len);
        if (d.err() !== null || sb.length !== len) decodeFail(`index ${this.#r.path}: read symbol ${i}`, d.err());
        s = decodeUTF8(sb, 0, len);
      }
      off = start + len;
    }
    if (this.#symCache.size >= SYMBOL_CACHE_MAX) this.#symCache.clear();
    this.#symCache.set(i, s);
    return s;
  }

  /** Every symbol, in order. */
  symbols(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.#numSymbols; i++) out.push(this.symbol(i));
    return out;
  }

  /** Sorted label names (the all-postings key excluded). */
  labelNames(): string[] {
    return [...this.#postings.keys()].filter((n) => n !== ALL_POSTINGS_NAME).sort();
  }

  /** Sorted values of label name. */
  labelValues(name: string): string[] {
    const m = this.#postings.get(name);
    return m === undefined ? [] : [...m.keys()].sort();
  }

  /** Values of label name with the offsets of their postings lists (file order, sorted). */
  postingsEntries(name: string): ReadonlyMap<string, number> | undefined {
    return this.#postings.get(name);
  }

  /** Series ids with label name=value, increasing (empty when none). */
  postings(name: string, value: string): number[] {
    const off = this.#postings.get(name)?.get(value);
    if (off === undefined) return [];
    return this.postingsAt(off);
  }

  /** The postings list at a file offset. */
  postingsAt(off: number): number[] {
    const d = this.#section(off, "postings");
    const n = d.be32();
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = d.be32();
    if (d.err() !== null) decodeFail(`index ${this.#r.path}: read postings`, d.err());
    return out;
  }

  /** All series ids, increasing. */
  allPostings(): number[] {
    return this.postings(ALL_POSTINGS_NAME, "");
  }

  /**
   * Reads series id: returns its labels and fills chunks (cleared first)
   * with its chunk metas. Throws StorageError on a corrupt entry.
   */
  series(id: number, chunks: ChunkMeta[] | null): Labels {
    const off = id * 16;
    const hdr = this.#r.read(off, 10);
    const hd = new Decbuf(hdr);
    const len = hd.uvarint();
    if (hd.err() !== null) decodeFail(`index ${this.#r.path}: read series ${id}`, hd.err());
    const n = hd.offset;
    const b = this.#r.read(off, n + len + 4);
    if (b.length < n + len + 4) decodeFail(`index ${this.#r.path}: read series ${id}`, new DecodeError(DecodeErrorReason.InvalidSize));
    if (crc32c(b, n, n + len) !== readBE32(b, n + len)) {
      decodeFail(`index ${this.#r.path}: read series ${id}`, new DecodeError(DecodeErrorReason.InvalidChecksum));
    }
    const d = new Decbuf(b, n, n + len);
    const k = d.uvarint();
    if (k > len) decodeFail(`index ${this.#r.path}: read series ${id}`, new DecodeError(DecodeErrorReason.InvalidSize));
    // Sized up front: the arrays live as long as the labels (a query's selection), so no spare capacity.
    const names = new Array<string>(k);
    const values = new Array<string>(k);
    for (let i = 0; i < k; i++) {
      const ln = d.uvarint();
      const lv = d.uvarint();
      if (d.err() !== null) break;
      names[i] = this.symbol(ln);
      values[i] = this.symbol(lv);
    }
    if (chunks !== null) {
      chunks.length = 0;
      const nc = d.uvarint();
      let t0 = 0;
      let ref = 0;
      for (let i = 0; i < nc && d.err() === null; i++) {
        let mint: number;
        if (i === 0) {
          mint = d.varint();
          t0 = mint + d.uvarint();
          ref = d.uvarint();
        } else {
          mint = t0 + d.uvarint();
          t0 = mint + d.uvarint();
          ref += d.varint();
        }
        chunks.push({ mint, maxt: t0, ref });
      }
    }
    if (d.err() !== null) decodeFail(`index ${this.#r.path}: read series ${id}`, d.err());
    return Labels.fromSortedUnchecked(names, values);
  }

  /** Closes the file. */
  close(): void {
    this.#r.close();
  }
}
