/**
 * The entry point of a WAL checkpoint worker thread (see
 * checkpointInWorker): runs one checkpoint() and exits. Log records are
 * forwarded to the parent, which writes them with its logger.
 *
 *   in (workerData): CheckpointJob
 *   out: { log: [level, msg, kv] }*, then { stats } or { error }
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Logger } from "../util/index.ts";
import { checkpoint, type CheckpointStats, type WalCompression } from "./wal/index.ts";

/** What a checkpoint worker is asked to do: checkpoint() of segments [from, to] keeping the series in liveRefs. */
export interface CheckpointJob {
  walDir: string;
  from: number;
  to: number;
  /** Refs of the series still in the head, ascending. */
  liveRefs: Float64Array;
  /** Samples before mint (ms) are dropped. */
  mint: number;
  compression: WalCompression;
}

/** A message from a checkpoint worker. */
export type CheckpointMessage =
  | { log: ["debug" | "info" | "warn" | "error", string, unknown[]] }
  | { stats: CheckpointStats }
  | { error: string };

const port = parentPort;
if (port === null) throw new Error("BUG: checkpoint-worker.js must run in a worker thread");
const job = workerData as CheckpointJob;

function forwardingLogger(kv: readonly unknown[]): Logger {
  const send = (level: "debug" | "info" | "warn" | "error", msg: string, more: readonly unknown[]): void => {
    const m: CheckpointMessage = { log: [level, msg, [...kv, ...more]] };
    port!.postMessage(m);
  };
  return {
    debug: (msg, ...more) => send("debug", msg, more),
    info: (msg, ...more) => send("info", msg, more),
    warn: (msg, ...more) => send("warn", msg, more),
    error: (msg, ...more) => send("error", msg, more),
    with: (...more) => forwardingLogger([...kv, ...more]),
  };
}

const live = new Set<number>(job.liveRefs);
let out: CheckpointMessage;
try {
  const stats = checkpoint(job.walDir, job.from, job.to, (ref) => live.has(ref), job.mint, {
    compression: job.compression,
    logger: forwardingLogger([]),
  });
  out = { stats };
} catch (e) {
  out = { error: e instanceof Error ? e.message : String(e) };
}
port.postMessage(out);
