import * as fs from "node:fs";
import * as path from "node:path";
import type { Querier } from "../../storage/index.ts";
import { StorageError } from "../../storage/index.ts";
import { Block, isULID, listBlockDirs, ulidTime } from "../block/index.ts";
import { WAL_DIR, MergedQuerier } from "../db.ts";
import { PageCache } from "../fileutil/index.ts";
import { Head } from "../head/index.ts";

/** Page cache bound of a read-only DB: promtool reads each page about once. */
const READ_ONLY_CACHE_BYTES = 32 * 1024 * 1024;

/** Go's error text for a missing path (`stat data/: no such file or directory`). */
function statError(dir: string, e: unknown): StorageError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : String((e as Error).message);
  return new StorageError(`stat ${dir}: ${why}`, { cause: e });
}

/**
 * A data directory opened for reading only, as Prometheus's DBReadOnly
 * (what promtool's tsdb commands use): no lock, nothing written. Blocks
 * are opened on demand; querier() also replays the WAL into an in-memory
 * head (samples older than the newest block dropped, as Head.Init does).
 * close() when done. Throws StorageError when dir does not exist.
 */
export class ReadOnlyDB {
  readonly dir: string;
  readonly #cache: PageCache;
  #blocks: Block[] | null;

  constructor(dir: string) {
    try {
      fs.statSync(dir);
    } catch (e) {
      throw statError(dir, e);
    }
    this.dir = dir;
    this.#cache = new PageCache(READ_ONLY_CACHE_BYTES);
    this.#blocks = null;
  }

  /** The persisted blocks, sorted by minTime (as DBReadOnly.Blocks). Throws StorageError on a corrupt block. */
  blocks(): readonly Block[] {
    if (this.#blocks === null) {
      const bs: Block[] = [];
      try {
        for (const d of listBlockDirs(this.dir)) bs.push(Block.open(d, this.#cache));
      } catch (e) {
        for (const b of bs) b.close();
        throw e;
      }
      bs.sort((a, b) => a.minTime - b.minTime || (a.ulid < b.ulid ? -1 : 1));
      this.#blocks = bs;
    }
    return this.#blocks;
  }

  /**
   * The ULID of the block created last (largest ULID time; the first in
   * name order on a tie), as DBReadOnly.LastBlockID. Throws StorageError
   * `no blocks found`.
   */
  lastBlockID(): string {
    let max = 0;
    let last = "";
    for (const n of fs.readdirSync(this.dir).sort()) {
      if (!isULID(n)) continue;
      const t = ulidTime(n);
      if (t > max) {
        max = t;
        last = n;
      }
    }
    if (last === "") throw new StorageError("no blocks found");
    return last;
  }

  /** The block with this ULID. Throws StorageError `invalid block ID <id>` when there is no such directory. */
  block(id: string): Block {
    if (!fs.existsSync(path.join(this.dir, id))) throw new StorageError(`invalid block ID ${id}`);
    const b = this.blocks().find((x) => x.ulid === id);
    if (b === undefined) throw new StorageError(`invalid block ID ${id}`);
    return b;
  }

  /**
   * A querier over [mint, maxt] (ms, inclusive) merging the blocks and the
   * head replayed from <dir>/wal. A corrupt WAL tail ends the replay there
   * (nothing is repaired: the directory is not written). Close it when done.
   */
  async querier(mint: number, maxt: number): Promise<Querier> {
    const blocks = this.blocks();
    const head = new Head();
    for (const b of blocks) if (b.maxTime > head.minValidTime) head.minValidTime = b.maxTime;
    const walDir = path.join(this.dir, WAL_DIR);
    if (fs.existsSync(walDir)) await head.replayWal(walDir);
    const qs: Querier[] = [];
    for (const b of blocks) if (b.overlaps(mint, maxt)) qs.push(b.querier(mint, maxt));
    if (head.numSeries > 0) qs.push(await head.querier(mint, maxt));
    return qs.length === 1 ? qs[0]! : new MergedQuerier(qs);
  }

  /** Closes the blocks (after their queriers are closed). */
  close(): void {
    for (const b of this.#blocks ?? []) b.close();
    this.#blocks = null;
  }
}
