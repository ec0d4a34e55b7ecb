import * as fs from "node:fs";
import * as path from "node:path";
import type { Appendable, Appender, Querier, Queryable } from "../storage/index.ts";
import { StorageError } from "../storage/index.ts";
import { Head, type HeadStats } from "./head/index.ts";
import { nopLogger, type Logger } from "../util/index.ts";
import { WalCompression, Wlog, type WlogStats } from "./wal/index.ts";

/** Name of the WAL directory inside a data directory, as Prometheus. */
export const WAL_DIR = "wal";

/** Options of openDB. */
export interface DBOptions {
  logger?: Logger;
  /** Snappy-compress WAL records (--storage.tsdb.wal-compression); true if absent, as Prometheus 3. */
  walCompression?: boolean;
  /** WAL segment size in bytes, a multiple of 32 KiB (--storage.tsdb.wal-segment-size); 128 MiB if absent. */
  walSegmentSizeBytes?: number;
  /** Chunk range in ms (--storage.tsdb.min-block-duration); 2h if absent. */
  chunkRangeMs?: number;
}

/**
 * A TSDB over a data directory: the head, made durable by the WAL in
 * <dir>/wal (Prometheus's format, so the directory moves between promstack
 * and Prometheus). Appendable and Queryable; close() when done.
 */
export class DB implements Appendable, Queryable {
  readonly dir: string;
  readonly head: Head;
  readonly wal: Wlog;
  #closed: boolean;

  constructor(dir: string, head: Head, wal: Wlog) {
    this.dir = dir;
    this.head = head;
    this.wal = wal;
    this.#closed = false;
  }

  /** Head counters (appends, rejections, replay, corruptions). */
  get stats(): HeadStats {
    return this.head.stats;
  }

  /** WAL counters. */
  get walStats(): WlogStats {
    return this.wal.stats;
  }

  /** An appender; commit() writes the WAL, then applies to the head. Throws StorageError after close(). */
  appender(): Appender {
    if (this.#closed) throw new StorageError("DB is closed");
    return this.head.appender();
  }

  /** A querier over [mint, maxt] (ms, inclusive). */
  async querier(mint: number, maxt: number): Promise<Querier> {
    if (this.#closed) throw new StorageError("DB is closed");
    return this.head.querier(mint, maxt);
  }

  /** Flushes and fsyncs the WAL and closes it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.head.setWal(null);
    this.wal.close();
  }
}

/**
 * Opens (creating if needed) the TSDB in dir: replays <dir>/wal (last
 * checkpoint, then segments) into the head; a corrupt or torn tail is
 * repaired (cut at the last intact record, later segments deleted), logged
 * and counted in stats.walCorruptions; then a new WAL segment is started.
 * Throws StorageError on I/O errors or a corrupt checkpoint, and
 * WalUnsupportedError on a zstd-compressed WAL this runtime cannot read.
 */
export async function openDB(dir: string, opts: DBOptions = {}): Promise<DB> {
  const logger = opts.logger ?? nopLogger;
  const walDir = path.join(dir, WAL_DIR);
  try {
    fs.mkdirSync(walDir, { recursive: true });
  } catch (e) {
    throw new StorageError(`create ${walDir}`, { cause: e });
  }
  const head = new Head({ chunkRangeMs: opts.chunkRangeMs, logger });
  const bad = await head.replayWal(walDir);
  if (bad !== null) {
    head.stats.walCorruptions++;
    logger.warn("Encountered WAL read error, attempting repair", "err", bad.error.message);
    Wlog.repair(walDir, bad.error, bad.goodOffset, logger);
  }
  const wal = Wlog.open(walDir, {
    compression: opts.walCompression === false ? WalCompression.None : WalCompression.Snappy,
    segmentSizeBytes: opts.walSegmentSizeBytes,
    logger,
  });
  head.setWal(wal);
  return new DB(dir, head, wal);
}
