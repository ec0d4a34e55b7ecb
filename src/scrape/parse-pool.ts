/**
 * A small pool of worker threads that parse big scrape bodies off the main
 * event loop, so queries and /-/healthy stay responsive during big scrapes.
 * The body's buffer is transferred to a worker (not copied), the worker
 * runs the same pull parser and answers with columns (ParsedColumns), whose
 * buffers are transferred back. Appending stays on the main thread.
 *
 *   parse() ──► queue ──► idle worker (spawned on demand, up to size)
 *                              │ postMessage(body, [body.buffer])
 *                              ▼
 *               resolve ◄── columns (transferred)   or, if the worker dies (or is
 *                                                   terminated to cancel its parse):
 *                                                   reject ParseWorkerError,
 *                                                   the next task spawns a new one
 *
 * Idle workers are unref'd: they do not keep the process alive.
 */
import { availableCpus } from "../util/index.ts";
import { Worker } from "node:worker_threads";
import type { ParseRequest } from "./parse-worker.ts";
import type { ColumnsMediaType, ParsedColumns } from "./parsed-body.ts";

/** A parse could not complete: its worker died, it was canceled, or the pool was closed. */
export class ParseWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ParseWorkerError";
  }
}

/**
 * The default number of parse workers: of the CPUs the process may use
 * (the cgroup CPU quota, when lower than the cores), one is left to the
 * main thread, and two are plenty for parsing.
 */
export function defaultParseWorkers(): number {
  return Math.max(1, Math.min(2, availableCpus() - 1));
}

/** Options of a ParsePool. */
export interface ParsePoolOptions {
  /** Workers at most (at least 1). */
  size: number;
}

// NOTE: no V8 resourceLimits for the workers: a single allocation over the
// limit (flattening a big body string) is a fatal OOM of the whole process,
// not just of the worker.

interface Task {
  req: ParseRequest;
  resolve: (c: ParsedColumns) => void;
  reject: (e: Error) => void;
  signal: AbortSignal | null;
  onAbort: () => void;
}

class Slot {
  readonly worker: Worker;
  task: Task | null;
  /** Why the worker is going away: the error it reported, or the cancellation of its task. */
  error: Error | null;
  constructor(worker: Worker) {
    this.worker = worker;
    this.task = null;
    this.error = null;
  }
}

function canceled(signal: AbortSignal): ParseWorkerError {
  const r: unknown = signal.reason;
  return new ParseWorkerError(`parse canceled: ${r instanceof Error ? r.message : String(r)}`, { cause: r });
}

const WORKER_URL = new URL("./parse-worker.js", import.meta.url);

/** Parses bodies on worker threads. Shared by the loops of a scrape manager; close() once. */
export class ParsePool {
  readonly #size: number;
  readonly #slots: Slot[];
  readonly #queue: Task[];
  #closed: boolean;

  constructor(o: ParsePoolOptions) {
    if (!(o.size >= 1)) throw new RangeError(`parse pool size must be at least 1, got ${o.size}`);
    this.#size = Math.floor(o.size);
    this.#slots = [];
    this.#queue = [];
    this.#closed = false;
  }

  /** Workers currently running. */
  get workers(): number {
    return this.#slots.length;
  }

  /** Whether a parse handed over now would start at once: nothing queued and a worker free or startable. */
  get idle(): boolean {
    return !this.#closed && this.#queue.length === 0 && (this.busy < this.#slots.length || this.#slots.length < this.#size);
  }

  /** Parses in flight on a worker (not counting queued ones). */
  get busy(): number {
    let n = 0;
    for (const s of this.#slots) if (s.task !== null) n++;
    return n;
  }

  /**
   * Parses body as mediaType on a worker. The caller gives body up: when
   * it spans its whole ArrayBuffer that buffer is transferred (detached
   * here), otherwise body is copied first. Rejects with ParseWorkerError
   * when the worker dies or the pool is closed; a malformed body resolves
   * (its error is in the columns). When signal aborts, the parse rejects
   * with ParseWorkerError `parse canceled: <reason>`; a worker busy with it
   * is terminated (the only way to stop it) and replaced on demand.
   */
  parse(body: Uint8Array, mediaType: ColumnsMediaType, signal: AbortSignal | null = null): Promise<ParsedColumns> {
    if (this.#closed) return Promise.reject(new ParseWorkerError("parse pool closed"));
    if (signal?.aborted === true) return Promise.reject(canceled(signal));
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    const owned = whole ? body : new Uint8Array(body);
    return new Promise((resolve, reject) => {
      const task: Task = {
        req: { body: owned, mediaType },
        resolve: (c) => {
          signal?.removeEventListener("abort", task.onAbort);
          resolve(c);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", task.onAbort);
          reject(e);
        },
        signal,
        onAbort: () => this.#cancel(task),
      };
      signal?.addEventListener("abort", task.onAbort, { once: true });
      this.#queue.push(task);
      this.#dispatch();
    });
  }

  #cancel(task: Task): void {
    const err = canceled(task.signal!);
    const q = this.#queue.indexOf(task);
    if (q >= 0) {
      this.#queue.splice(q, 1);
      task.reject(err);
      return;
    }
    const slot = this.#slots.find((s) => s.task === task);
    if (slot === undefined) return;
    // The exit handler rejects the task with this error and drops the slot.
    slot.error = err;
    void slot.worker.terminate();
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      // A slot with an error is a worker on its way out.
      let slot = this.#slots.find((s) => s.task === null && s.error === null);
      if (slot === undefined) {
        if (this.#slots.length >= this.#size) return;
        slot = this.#spawn();
      }
      const task = this.#queue.shift()!;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage(task.req, [task.req.body.buffer as ArrayBuffer]);
    }
  }

  #spawn(): Slot {
    const w = new Worker(WORKER_URL);
    w.unref();
    const slot = new Slot(w);
    this.#slots.push(slot);
    w.on("message", (c: ParsedColumns) => {
      const t = slot.task;
      slot.task = null;
      w.unref();
      t?.resolve(c);
      this.#dispatch();
    });
    w.on("error", (e: Error) => {
      slot.error ??= e;
    });
    w.on("exit", (code: number) => {
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots.splice(i, 1);
      const t = slot.task;
      slot.task = null;
      if (t !== null) {
        const e = slot.error;
        if (e instanceof ParseWorkerError) t.reject(e);
        else if (this.#closed) t.reject(new ParseWorkerError("parse pool closed"));
        else t.reject(new ParseWorkerError(e !== null ? `parse worker failed: ${e.message}` : `parse worker exited with code ${code}`, { cause: e ?? undefined }));
      }
      // A replacement starts for whatever is queued.
      this.#dispatch();
    });
    return slot;
  }

  /** Terminates the workers; pending and later parses reject with ParseWorkerError. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const queued = this.#queue.splice(0);
    for (const t of queued) t.reject(new ParseWorkerError("parse pool closed"));
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
