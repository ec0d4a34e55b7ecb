import * as fs from "node:fs";
import * as path from "node:path";
import { StorageError } from "../../storage/index.ts";

/** fsyncs a directory so renames and creations in it are durable. Errors are ignored where the OS cannot sync directories. */
export function syncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Some file systems (and NFS servers) refuse fsync on a directory; the rename is still atomic.
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw e;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Writes bytes to path atomically: path.tmp, fsync, rename, fsync of the directory. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const tmp = file + ".tmp";
  const fd = fs.openSync(tmp, "w", 0o666);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  syncDir(path.dirname(file));
}

/** Total size in bytes of the regular files under dir (0 when it does not exist). */
export function dirSize(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirSize(p);
    else if (e.isFile()) {
      try {
        total += fs.statSync(p).size;
      } catch {
        // Deleted while we walked: it no longer counts.
      }
    }
  }
  return total;
}

/** Buffer size of FileWriter: large sequential writes, few syscalls. */
const WRITE_BUFFER_BYTES = 1 << 20;

/**
 * A sequential, buffered file writer that tracks its position, for the
 * index and chunk files. Bytes reach the OS when the buffer fills, on
 * flush() and on close(); close() fsyncs.
 */
export class FileWriter {
  readonly path: string;
  readonly #fd: number;
  readonly #buf: Uint8Array;
  #n: number;
  /** Bytes written so far (buffered included): the offset of the next byte. */
  pos: number;

  /** Creates (truncating) the file. Throws StorageError. */
  constructor(file: string) {
    this.path = file;
    try {
      this.#fd = fs.openSync(file, "w", 0o666);
    } catch (e) {
      throw new StorageError(`create ${file}`, { cause: e });
    }
    this.#buf = new Uint8Array(WRITE_BUFFER_BYTES);
    this.#n = 0;
    this.pos = 0;
  }

  /** Appends bytes (copied). */
  write(b: Uint8Array): void {
    if (b.length > this.#buf.length - this.#n) {
      this.flush();
      if (b.length > this.#buf.length) {
        this.#writeAll(b);
        this.pos += b.length;
        return;
      }
    }
    this.#buf.set(b, this.#n);
    this.#n += b.length;
    this.pos += b.length;
  }

  /** Appends zero bytes until pos is a multiple of align. */
  pad(align: number): void {
    const r = this.pos % align;
    if (r === 0) return;
    this.write(new Uint8Array(align - r));
  }

  #writeAll(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += fs.writeSync(this.#fd, b, off, b.length - off);
  }

  /** Hands buffered bytes to the OS. */
  flush(): void {
    if (this.#n === 0) return;
    this.#writeAll(this.#buf.subarray(0, this.#n));
    this.#n = 0;
  }

  /** Flushes, fsyncs and closes. */
  close(): void {
    try {
      this.flush();
      fs.fsyncSync(this.#fd);
    } finally {
      fs.closeSync(this.#fd);
    }
  }

  /** Closes without syncing, after a failure. */
  abort(): void {
    try {
      fs.closeSync(this.#fd);
    } catch {
      // Already failing; the caller removes the file.
    }
  }
}

/** Size of a cached page of a FileReader. */
export const PAGE_BYTES = 64 * 1024;

/**
 * A byte cache shared by the readers of one DB, bounded in bytes, evicting
 * the least recently used page. Keys are "<reader id>:<page>".
 */
export class PageCache {
  readonly maxBytes: number;
  readonly #pages: Map<string, Uint8Array>;
  #bytes: number;
  hits: number;
  misses: number;

  /** maxBytes bounds the cached pages (at least one page is kept). */
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
    this.#pages = new Map();
    this.#bytes = 0;
    this.hits = 0;
    this.misses = 0;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): Uint8Array | undefined {
    const p = this.#pages.get(key);
    if (p === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert: Map iteration order is insertion order, so the first key is the least recently used.
    this.#pages.delete(key);
    this.#pages.set(key, p);
    return p;
  }

  set(key: string, page: Uint8Array): void {
    const old = this.#pages.get(key);
    if (old !== undefined) {
      this.#bytes -= old.length;
      this.#pages.delete(key);
    }
    this.#pages.set(key, page);
    this.#bytes += page.length;
    while (this.#bytes > this.maxBytes && this.#pages.size > 1) {
      const [k, v] = this.#pages.entries().next().value as [string, Uint8Array];
      this.#pages.delete(k);
      this.#bytes -= v.length;
    }
  }

  /** Drops the pages of a reader (prefix "<id>:"). */
  dropPrefix(prefix: string): void {
    for (const [k, v] of this.#pages) {
      if (k.startsWith(prefix)) {
        this.#pages.delete(k);
        this.#bytes -= v.length;
      }
    }
  }
}

let nextReaderId = 1;

/**
 * Reads an immutable file with positional reads (fs.readSync at an
 * offset) through a PageCache, never loading it whole. Works on any file
 * system, NFS included (no mmap).
 */
export class FileReader {
  readonly path: string;
  readonly size: number;
  readonly #fd: number;
  readonly #cache: PageCache;
  readonly #prefix: string;
  #closed: boolean;
  /**
   * The page read last and its index (-1: none). Reads cluster (a chunk's
   * header, then the chunk; the next series' chunks), so most reads are
   * served from it without a cache lookup. It stays valid when the cache
   * evicts it: the file does not change.
   */
  #lastIndex: number;
  #lastPage: Uint8Array | null;

  /** Opens file. Throws StorageError. */
  constructor(file: string, cache: PageCache) {
    this.path = file;
    try {
      this.#fd = fs.openSync(file, "r");
      this.size = fs.fstatSync(this.#fd).size;
    } catch (e) {
      throw new StorageError(`open ${file}`, { cause: e });
    }
    this.#cache = cache;
    this.#prefix = `${nextReaderId++}:`;
    this.#closed = false;
    this.#lastIndex = -1;
    this.#lastPage = null;
  }

  #page(i: number): Uint8Array {
    if (i === this.#lastIndex) return this.#lastPage!;
    const p = this.#cachedPage(i);
    this.#lastIndex = i;
    this.#lastPage = p;
    return p;
  }

  #cachedPage(i: number): Uint8Array {
    const key = this.#prefix + i;
    let p = this.#cache.get(key);
    if (p !== undefined) return p;
    const start = i * PAGE_BYTES;
    const len = Math.min(PAGE_BYTES, this.size - start);
    p = new Uint8Array(Math.max(0, len));
    let off = 0;
    while (off < p.length) {
      const n = fs.readSync(this.#fd, p, off, p.length - off, start + off);
      if (n === 0) break;
      off += n;
    }
    this.#cache.set(key, p);
    return p;
  }

  /**
   * The bytes [off, off+len), clamped to the file's end. A view into a
   * cached page when they fit in one (valid until the page is evicted: use
   * it before the next read, or copy it), else a fresh array.
   */
  read(off: number, len: number): Uint8Array {
    if (this.#closed) throw new StorageError(`read of closed file ${this.path}`);
    if (off < 0) off = 0;
    const end = Math.min(this.size, off + len);
    if (end <= off) return new Uint8Array(0);
    const first = Math.floor(off / PAGE_BYTES);
    const last = Math.floor((end - 1) / PAGE_BYTES);
    if (first === last) {
      const p = this.#page(first);
      return p.subarray(off - first * PAGE_BYTES, end - first * PAGE_BYTES);
    }
    if (end - off > 4 * PAGE_BYTES) {
      // Big ranges (a whole table) bypass the cache so they do not flush it.
      const out = new Uint8Array(end - off);
      let o = 0;
      while (o < out.length) {
        const n = fs.readSync(this.#fd, out, o, out.length - o, off + o);
        if (n === 0) break;
        o += n;
      }
      return out;
    }
    const out = new Uint8Array(end - off);
    let o = 0;
    for (let i = first; i <= last; i++) {
      const p = this.#page(i);
      const s = i === first ? off - first * PAGE_BYTES : 0;
      const e = i === last ? end - i * PAGE_BYTES : p.length;
      out.set(p.subarray(s, e), o);
      o += e - s;
    }
    return out;
  }

  /** Closes the file and drops its cached pages. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lastIndex = -1;
    this.#lastPage = null;
    fs.closeSync(this.#fd);
    this.#cache.dropPrefix(this.#prefix);
  }
}
