import { Worker } from "node:worker_threads";
import { StorageError } from "../storage/index.ts";
import type { Logger } from "../util/index.ts";
import type { CheckpointJob, CheckpointMessage } from "./checkpoint-worker.ts";
import type { CheckpointStats } from "./wal/index.ts";

const WORKER_URL = new URL("./checkpoint-worker.js", import.meta.url);

/**
 * Runs checkpoint() of job's segments on a worker thread, so that reading
 * and rewriting hundreds of megabytes of WAL does not block the event loop
 * (appends, queries and /-/healthy go on meanwhile; the segments read are
 * complete and no longer written). Log records of the checkpoint go to
 * `logger`. Rejects with StorageError when the checkpoint fails or the
 * worker dies.
 */
export function checkpointInWorker(job: CheckpointJob, logger: Logger): Promise<CheckpointStats> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const w = new Worker(WORKER_URL, { workerData: job, transferList: [job.liveRefs.buffer as ArrayBuffer] });
    w.on("message", (m: CheckpointMessage) => {
      if ("log" in m) {
        const [level, msg, kv] = m.log;
        logger[level](msg, ...kv);
        return;
      }
      settled = true;
      if ("stats" in m) resolve(m.stats);
      else reject(new StorageError(m.error));
    });
    w.on("error", (e) => {
      if (settled) return;
      settled = true;
      reject(new StorageError(`WAL checkpoint worker: ${e.message}`, { cause: e }));
    });
    w.on("exit", (code) => {
      if (settled) return;
      settled = true;
      reject(new StorageError(`WAL checkpoint worker exited with code ${code}`));
    });
  });
}
