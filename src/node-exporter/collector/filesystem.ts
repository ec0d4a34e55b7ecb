/**
 * The filesystem collector: size, free and available bytes, inodes and the
 * read-only state of every mounted filesystem, from the mount table of PID 1
 * (<procfs>/1/mountinfo, falling back to <procfs>/self/mountinfo when hidepid
 * hides PID 1) and statfs(2) under --path.rootfs.
 *
 * A statfs that does not answer within --collector.filesystem.mount-timeout
 * is reported as node_filesystem_device_error 1 with
 * device_error="mountpoint timeout", and the mount point is not statted
 * again until the hung call returns: the scrape never waits on it longer
 * than the timeout, and at most one libuv thread per stuck mount is held.
 */
import { statfs as fsStatfs } from "node:fs/promises";
import path from "node:path";
import { getSystemErrorMap } from "node:util";
import { type Emit, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorContext, type CollectorFactory, DEFAULT_SETTINGS, compileGoRegexp, isNotExist, readText } from "./collector.ts";

const g = MetricType.Gauge;
const labelNames = ["device", "mountpoint", "fstype", "device_error"];
const sizeDesc = newDesc("node_filesystem_size_bytes", "Filesystem size in bytes.", g, labelNames);
const freeDesc = newDesc("node_filesystem_free_bytes", "Filesystem free space in bytes.", g, labelNames);
const availDesc = newDesc("node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", g, labelNames);
const filesDesc = newDesc("node_filesystem_files", "Filesystem total file nodes.", g, labelNames);
const filesFreeDesc = newDesc("node_filesystem_files_free", "Filesystem total free file nodes.", g, labelNames);
const roDesc = newDesc("node_filesystem_readonly", "Filesystem read-only status.", g, labelNames);
const deviceErrorDesc = newDesc("node_filesystem_device_error", "Whether an error occurred while getting statistics for the given device.", g, labelNames);
const mountInfoDesc = newDesc("node_filesystem_mount_info", "Filesystem mount information.", g, ["device", "major", "minor", "mountpoint"]);

/** One line of /proc/<pid>/mountinfo, as the collector uses it. */
export interface MountEntry {
  /** The mount source ("/dev/sda1", "tmpfs"). */
  device: string;
  /** The mount point, with \040 and \011 decoded, as the kernel sees it (not yet stripped of --path.rootfs). */
  mountPoint: string;
  fsType: string;
  /** Per-mount options ("rw", "relatime", ...). */
  mountOptions: string[];
  /** Per-superblock options. */
  superOptions: string[];
  major: string;
  minor: string;
}

/**
 * Parses /proc/<pid>/mountinfo (fields separated by single spaces; the
 * optional fields end at "-", then fstype, source, super options).
 * Throws on a malformed line, like procfs.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const f = line.split(" ");
    const n = f.length;
    if (n < 10) throw new Error(`couldn't parse mountinfo: too few fields: ${JSON.stringify(line)}`);
    if (f[n - 4] !== "-") throw new Error(`couldn't find separator in expected field: ${JSON.stringify(f[n - 4])}`);
    const mm = /^(\d+):(\d+)$/.exec(f[2]!);
    if (mm === null) throw new Error(`malformed mount point MajorMinorVer: ${JSON.stringify(f[2])}`);
    out.push({
      device: f[n - 2]!,
      // NOTE: matches upstream, which decodes only these two fstab(5) escapes.
      mountPoint: f[4]!.replaceAll("\\040", " ").replaceAll("\\011", "\t"),
      fsType: f[n - 3]!,
      mountOptions: f[5]!.split(","),
      superOptions: f[n - 1]!.split(","),
      major: String(Number(mm[1])),
      minor: String(Number(mm[2])),
    });
  }
  return out;
}

/** What statfs(2) reports, in the units of node's fs.statfs (blocks of bsize bytes). */
export interface StatfsResult {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** A statfs implementation: resolves with the result or rejects with a node:fs error. */
export type StatfsFn = (p: string) => Promise<StatfsResult>;

/**
 * An include/exclude pair of Go regexps (upstream's deviceFilter): a name is
 * ignored when it matches exclude or does not match include.
 */
export class DeviceFilter {
  private readonly exclude: RegExp | null;
  private readonly include: RegExp | null;

  /** Compiles both patterns (empty or null means unset); throws RegexError on bad syntax. */
  constructor(exclude: string | null, include: string | null) {
    this.exclude = exclude ? compileGoRegexp(exclude) : null;
    this.include = include ? compileGoRegexp(include) : null;
  }

  /** True when name is filtered out. */
  ignored(name: string): boolean {
    return (this.exclude !== null && this.exclude.test(name)) || (this.include !== null && !this.include.test(name));
  }
}

/** Thrown when mutually exclusive filesystem filter flags are both set. */
export class FilesystemFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FilesystemFlagError";
  }
}

/**
 * Resolves one include/exclude flag pair as upstream: an include flag with
 * the exclude flag left at its default clears the exclude.
 * NOTE: an exclude flag explicitly set to its default value is taken as unset.
 */
function filterFor(kind: string, exclude: string, def: string, include: string | null): DeviceFilter {
  let ex = exclude;
  if (include !== null && ex === def) ex = "";
  if (ex !== "" && include !== null) {
    throw new FilesystemFlagError(`--collector.filesystem.${kind}-exclude and --collector.filesystem.${kind}-include are mutually exclusive`);
  }
  return new DeviceFilter(ex, include);
}

/** Go's syscall.Errno.Error() text for a node:fs error ("permission denied"), else its message. */
function errnoText(e: unknown): string {
  const errno = (e as NodeJS.ErrnoException).errno;
  if (typeof errno === "number") {
    const entry = getSystemErrorMap().get(errno);
    if (entry !== undefined) return entry[1];
  }
  return e instanceof Error ? e.message : String(e);
}

interface Stat {
  device: string;
  mountPoint: string;
  fsType: string;
  major: string;
  minor: string;
  deviceError: string;
  ro: number;
  /** null when statfs failed or timed out. */
  stat: StatfsResult | null;
}

/** Strips --path.rootfs from a mount point, as upstream's rootfsStripPrefix. */
function stripRootfs(rootfs: string, mountPoint: string): string {
  if (rootfs === "/") return mountPoint;
  const stripped = mountPoint.startsWith(rootfs) ? mountPoint.slice(rootfs.length) : mountPoint;
  return stripped === "" ? "/" : stripped;
}

/** Builds the filesystem collector with the given statfs (injected in tests). */
export function newFilesystemCollector(statfs: StatfsFn): CollectorFactory {
  return {
    name: "filesystem",
    defaultEnabled: true,
    create(ctx: CollectorContext) {
      const s = ctx.settings;
      const mountFilter = filterFor("mount-points", s.filesystemMountPointsExclude, DEFAULT_SETTINGS.filesystemMountPointsExclude, s.filesystemMountPointsInclude);
      const fsTypeFilter = filterFor("fs-types", s.filesystemFsTypesExclude, DEFAULT_SETTINGS.filesystemFsTypesExclude, s.filesystemFsTypesInclude);
      const workers = Math.max(s.filesystemStatWorkers, 1);
      // Mount points whose statfs has not returned within the timeout; cleared when it returns.
      const stuck = new Set<string>();

      const readMounts = async (): Promise<MountEntry[]> => {
        try {
          return parseMountInfo(await readText(ctx.procPath("1/mountinfo")));
        } catch (e) {
          if (!isNotExist(e)) throw e;
          ctx.logger.debug("Reading root mounts failed, falling back to self mounts", "err", e);
          return parseMountInfo(await readText(ctx.procPath("self/mountinfo")));
        }
      };

      const statOne = (m: MountEntry, mountPoint: string): Promise<Stat> => {
        // NOTE: upstream means "ro among the mount or super options" but joins the options without
        // commas first, so it only ever sees a lone "ro"; we implement what it means.
        const ro = m.mountOptions.includes("ro") || m.superOptions.includes("ro") ? 1 : 0;
        const base = { device: m.device, mountPoint, fsType: m.fsType, major: m.major, minor: m.minor, ro };
        const target = path.join(s.rootfs, mountPoint);
        return new Promise((resolve) => {
          let settled = false;
          const timer = setTimeout(() => {
            settled = true;
            stuck.add(mountPoint);
            ctx.logger.debug("Mount point timed out, it is being labeled as stuck and will not be monitored", "mountpoint", mountPoint);
            resolve({ ...base, deviceError: "mountpoint timeout", stat: null });
          }, s.filesystemMountTimeoutMs);
          statfs(target).then(
            (st) => {
              clearTimeout(timer);
              if (stuck.delete(mountPoint)) ctx.logger.debug("Mount point has recovered, monitoring will resume", "mountpoint", mountPoint);
              if (!settled) resolve({ ...base, deviceError: "", stat: st });
            },
            (e: unknown) => {
              clearTimeout(timer);
              if (stuck.delete(mountPoint)) ctx.logger.debug("Mount point has recovered, monitoring will resume", "mountpoint", mountPoint);
              ctx.logger.debug("Error on statfs() system call", "rootfs", target, "err", e);
              if (!settled) resolve({ ...base, deviceError: errnoText(e), stat: null });
            },
          );
        });
      };

      return {
        async collect(emit: Emit) {
          const todo: { m: MountEntry; mountPoint: string }[] = [];
          const stats: Stat[] = [];
          for (const m of await readMounts()) {
            const mountPoint = stripRootfs(s.rootfs, m.mountPoint);
            if (mountFilter.ignored(mountPoint)) {
              ctx.logger.debug("Ignoring mount point", "mountpoint", mountPoint);
              continue;
            }
            if (fsTypeFilter.ignored(m.fsType)) {
              ctx.logger.debug("Ignoring fs type", "type", m.fsType);
              continue;
            }
            if (stuck.has(mountPoint)) {
              ctx.logger.debug("Mount point is in an unresponsive state", "mountpoint", mountPoint);
              stats.push({ device: m.device, mountPoint, fsType: m.fsType, major: m.major, minor: m.minor, deviceError: "mountpoint timeout", ro: 0, stat: null });
              continue;
            }
            todo.push({ m, mountPoint });
          }
          // A pool of `workers` statfs calls in flight, as upstream's stat workers.
          let next = 0;
          await Promise.all(
            Array.from({ length: Math.min(workers, todo.length) }, async () => {
              while (next < todo.length) {
                const t = todo[next++]!;
                stats.push(await statOne(t.m, t.mountPoint));
              }
            }),
          );
          emitStats(stats, emit);
        },
      };
    },
  };
}

/**
 * Emits each (device, mount point, fstype, error) once: upstream dedups on the
 * whole label struct, and the client library then rejects sets that differ
 * only in major:minor; we keep the first.
 */
function emitStats(stats: readonly Stat[], emit: Emit): void {
  const seen = new Set<string>();
  for (const st of stats) {
    const l = [st.device, st.mountPoint, st.fsType, st.deviceError] as const;
    const key = l.join("\xff");
    if (seen.has(key)) continue;
    seen.add(key);
    emit(deviceErrorDesc, st.stat === null ? 1 : 0, ...l);
    emit(roDesc, st.ro, ...l);
    if (st.stat === null) continue;
    const bs = st.stat.bsize;
    emit(sizeDesc, st.stat.blocks * bs, ...l);
    emit(freeDesc, st.stat.bfree * bs, ...l);
    emit(availDesc, st.stat.bavail * bs, ...l);
    emit(filesDesc, st.stat.files, ...l);
    emit(filesFreeDesc, st.stat.ffree, ...l);
    emit(mountInfoDesc, 1, st.device, st.major, st.minor, st.mountPoint);
  }
}

/** Registers as upstream: "filesystem", enabled by default, on the real statfs(2). */
export const filesystemCollector: CollectorFactory = newFilesystemCollector((p) => fsStatfs(p));
