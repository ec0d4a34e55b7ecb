/**
 * `file_sd_configs` (upstream's discovery/file): target groups from JSON
 * and YAML files matched by globs, re-read on every change in their
 * directories and every refresh_interval.
 */

import { watch } from "node:fs";
import type { FSWatcher } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname } from "node:path";
import { globFiles } from "../config/index.ts";
import type { FileSDConfig } from "../config/index.ts";
import type { Discoverer, DiscovererOptions, SendFunc } from "./discoverer.ts";
import { decodeTargetGroupsJSON, decodeTargetGroupsYAML, emptyGroup } from "./target-group.ts";
import type { TargetGroup } from "./target-group.ts";

/** The label naming the file a target came from. */
export const FileSDFilepathLabel = "__meta_filepath";

/**
 * Watches and reads the files of one file_sd config. A file that fails to
 * read or parse is logged ("Error reading file") and counted, and its last
 * good groups stay; a file that disappears (or shrinks) gets empty groups
 * for its vanished sources. Group sources are `<path>:<index>`.
 */
export class FileDiscoverer implements Discoverer {
  readonly #patterns: readonly string[];
  readonly #intervalMs: number;
  readonly #opts: DiscovererOptions;
  /** Group count per file at the last refresh. */
  #last: Map<string, number>;
  readonly #watchers: Map<string, FSWatcher>;
  #poke: () => void;

  constructor(cfg: FileSDConfig, opts: DiscovererOptions) {
    this.#patterns = cfg.files;
    this.#intervalMs = Math.max(1, cfg.refreshIntervalMs);
    this.#opts = opts;
    this.#last = new Map();
    this.#watchers = new Map();
    this.#poke = () => {};
  }

  async run(signal: AbortSignal, send: SendFunc): Promise<void> {
    let dirty = false;
    let wake: (() => void) | null = null;
    this.#poke = () => {
      dirty = true;
      wake?.();
    };
    const onAbort = (): void => wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted) {
        dirty = false;
        const groups = await this.#refresh();
        if (signal.aborted) break;
        if (groups.length > 0) send(groups);
        this.#watchDirs();
        if (dirty) continue;
        // Sleep until the interval passes, a watched directory changes or we stop.
        await new Promise<void>((resolve) => {
          const timer = this.#opts.clock.setTimeout(() => resolve(), this.#intervalMs);
          wake = () => {
            timer.cancel();
            resolve();
          };
        });
        wake = null;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      for (const w of this.#watchers.values()) w.close();
      this.#watchers.clear();
    }
  }

  /** Reads every matching file; returns the groups to send. */
  async #refresh(): Promise<TargetGroup[]> {
    const started = performance.now();
    const out: TargetGroup[] = [];
    const ref = new Map<string, number>();
    for (const p of this.#listFiles()) {
      try {
        const groups = await this.#readFile(p);
        out.push(...groups);
        ref.set(p, groups.length);
      } catch (e) {
        this.#opts.metrics.fileReadError();
        this.#opts.logger.error("Error reading file", "path", p, "err", e);
        // Keep the last good groups: the file may be in the middle of a write.
        ref.set(p, this.#last.get(p) ?? 0);
      }
    }
    for (const [f, n] of this.#last) {
      const m = ref.get(f);
      if (m === undefined || n > m) {
        this.#opts.logger.debug("file_sd refresh found file that should be removed", "file", f);
        if (m === undefined) this.#opts.metrics.deleteFileMtime(f);
        for (let i = m ?? 0; i < n; i++) out.push(emptyGroup(`${f}:${i}`));
      }
    }
    this.#last = ref;
    this.#opts.metrics.observeFileScan((performance.now() - started) / 1000);
    return out;
  }

  #listFiles(): string[] {
    const out: string[] = [];
    for (const p of this.#patterns) out.push(...globFiles(p));
    return out;
  }

  async #readFile(path: string): Promise<TargetGroup[]> {
    const [content, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    const ext = extname(path).toLowerCase();
    const extra = [FileSDFilepathLabel, path] as const;
    const groups = ext === ".json" ? decodeTargetGroupsJSON(content, path, extra) : decodeTargetGroupsYAML(content, path, extra);
    this.#opts.metrics.setFileMtime(path, Math.floor(info.mtimeMs / 1000));
    return groups;
  }

  /** Watches the directory of every pattern; retried on each refresh until it works. */
  #watchDirs(): void {
    for (const p of this.#patterns) {
      const dir = dirname(p);
      if (this.#watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.#poke());
        w.on("error", (e) => {
          this.#opts.metrics.fileWatcherError();
          this.#opts.logger.error("Error watching file directory", "path", dir, "err", e);
          w.close();
          this.#watchers.delete(dir);
        });
        this.#watchers.set(dir, w);
      } catch (e) {
        this.#opts.metrics.fileWatcherError();
        this.#opts.logger.error("Error adding file watch", "path", dir, "err", e);
      }
    }
  }
}
