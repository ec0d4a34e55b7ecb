import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { StorageError } from "../storage/index.ts";
import { systemClock, type Clock, type Timer } from "../util/index.ts";

/** Name of the lock file in a data directory, as Prometheus. */
export const LOCK_FILENAME = "lock";
/** How often the holder refreshes the lock file's mtime. */
export const DEFAULT_LOCK_REFRESH_MS = 10_000;
/** A lock not refreshed for this long is stale (its holder is gone, or hung). */
export const DEFAULT_LOCK_STALE_MS = 60_000;

/** Another process holds the data directory's lock. */
export class LockError extends StorageError {
  readonly file: string;
  readonly pid: number;
  readonly host: string;

  constructor(file: string, pid: number, host: string, detail: string) {
    super(
      `lock DB directory: ${file} is held by ${pid > 0 ? `pid ${pid}` : "a process"}${host !== "" ? ` on ${host}` : ""} (${detail}); ` +
        `another Prometheus or promstack uses this directory. Stop it, or start with --storage.tsdb.no-lockfile`,
    );
    this.name = "LockError";
    this.file = file;
    this.pid = pid;
    this.host = host;
  }
}

/** Options of DirLock.acquire. */
export interface LockOptions {
  clock?: Clock;
  refreshMs?: number;
  staleMs?: number;
  /** This host's name; os.hostname() if absent. */
  host?: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether some process on this host holds a flock() on the file, from
 * /proc/locks (Linux): that is how a running Prometheus holds its empty
 * lock file. False where /proc/locks is missing.
 */
function flockedHere(file: string): boolean {
  let text: string;
  let ino: number;
  try {
    ino = fs.statSync(file).ino;
    text = fs.readFileSync("/proc/locks", "utf8");
  } catch {
    return false;
  }
  for (const line of text.split("\n")) {
    // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
    const f = line.trim().split(/\s+/);
    const dev = f.find((x) => /^[0-9a-f]+:[0-9a-f]+:\d+$/i.test(x));
    if (dev !== undefined && Number(dev.split(":")[2]) === ino) return true;
  }
  return false;
}

/**
 * The data directory lock: a file `lock` created with O_EXCL holding
 * "<pid> <host>", its mtime refreshed every refreshMs while held, removed
 * by release().
 *
 * NOTE: differs from Prometheus, which flock()s the file. flock is not
 * available to Node, and on NFS (AWS EFS) a lock tied to a process is not
 * something the issue lets us rely on; O_EXCL creation is atomic on NFSv3+
 * and EFS. The price is staleness: a process killed with SIGKILL leaves
 * the file behind. A lock is stale, and taken over, when
 *   - it names this host and its pid is not running, or
 *   - its mtime is older than staleMs (holder gone or hung; on another
 *     host this is the only test, so a restart there waits up to staleMs,
 *     and hosts' clocks must agree to within staleMs), or
 *   - it is empty (left by Prometheus, which never writes a pid) and no
 *     process on this host holds a flock on it (/proc/locks).
 * Two processes taking over the same stale lock at the same instant can
 * both succeed; the window is a few system calls.
 */
export class DirLock {
  readonly file: string;
  /**
   * Whether a lock file left by an earlier process was taken over (it did
   * not shut down cleanly), as Prometheus's prometheus_tsdb_clean_start 0.
   */
  readonly replaced: boolean;
  readonly #timer: { t: Timer | null };
  #released: boolean;

  private constructor(file: string, timer: { t: Timer | null }, replaced: boolean) {
    this.file = file;
    this.replaced = replaced;
    this.#timer = timer;
    this.#released = false;
  }

  /** Takes the lock of dir. Throws LockError when it is held, StorageError on I/O errors. */
  static acquire(dir: string, opts: LockOptions = {}): DirLock {
    const clock = opts.clock ?? systemClock;
    const refreshMs = opts.refreshMs ?? DEFAULT_LOCK_REFRESH_MS;
    const staleMs = opts.staleMs ?? DEFAULT_LOCK_STALE_MS;
    const host = opts.host ?? os.hostname();
    const file = path.join(dir, LOCK_FILENAME);
    const content = `${process.pid} ${host}\n`;
    let replaced = false;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
        try {
          fs.writeSync(fd, content);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        const timer: { t: Timer | null } = { t: null };
        const refresh = (): void => {
          try {
            const now = new Date();
            fs.utimesSync(file, now, now);
          } catch {
            // Removed under us (release, or an operator); nothing to refresh.
          }
          timer.t = clock.setTimeout(refresh, refreshMs);
        };
        timer.t = clock.setTimeout(refresh, refreshMs);
        return new DirLock(file, timer, replaced);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new StorageError(`create lock file ${file}`, { cause: e });
      }
      // The file exists: held or stale?
      let text = "";
      let mtimeMs = 0;
      try {
        text = fs.readFileSync(file, "utf8");
        mtimeMs = fs.statSync(file).mtimeMs;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile
        throw new StorageError(`read lock file ${file}`, { cause: e });
      }
      const [pidStr = "", owner = ""] = text.trim().split(/\s+/);
      const pid = Number(pidStr) || 0;
      const age = Date.now() - mtimeMs;
      let stale: boolean;
      if (text.trim() === "") stale = !flockedHere(file);
      else if (owner === host) stale = pid === process.pid ? false : !pidAlive(pid) || age > staleMs;
      else stale = age > staleMs;
      if (!stale) {
        const detail = text.trim() === "" ? "flock held" : `refreshed ${Math.round(age / 1000)}s ago; stale after ${staleMs / 1000}s without refresh`;
        throw new LockError(file, pid, owner, detail);
      }
      try {
        fs.unlinkSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new StorageError(`remove stale lock file ${file}`, { cause: e });
      }
      replaced = true;
    }
    throw new StorageError(`lock DB directory: could not create ${file}`);
  }

  /** Stops refreshing and removes the lock file. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#timer.t?.cancel();
    try {
      fs.unlinkSync(this.file);
    } catch {
      // Already gone.
    }
  }
}
