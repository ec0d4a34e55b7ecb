/**
 * What every node exporter collector shares: the context it is built with
 * (paths, flags, logger), the NoDataError outcome, and small file helpers.
 */
import { closeSync, openSync, readSync } from "node:fs";
import path from "node:path";
import type { Emit } from "../../exposition/index.ts";
import { compileAnchoredRE2 } from "../../model/index.ts";
import type { Logger } from "../../util/index.ts";

/** The namespace of every node exporter metric. */
export const NAMESPACE = "node";

/**
 * Collector settings that come from flags. Every field has the upstream
 * default; null means "flag not set".
 */
export interface CollectorSettings {
  /** --path.procfs, default /proc. */
  procfs: string;
  /** --path.sysfs, default /sys. */
  sysfs: string;
  /** --path.rootfs, default /. */
  rootfs: string;
  /** --path.udev.data, default /run/udev/data. */
  udevData: string;
  /** --collector.textfile.directory, default "" (collector emits only its error gauge). */
  textfileDirectory: string;
  /** --collector.cpu.guest, default true. */
  cpuGuest: boolean;
  /** --collector.cpu.info, default false. */
  cpuInfo: boolean;
  /** --collector.cpu.info.flags-include (Go regexp, unanchored), default none. */
  cpuInfoFlagsInclude: string | null;
  /** --collector.cpu.info.bugs-include (Go regexp, unanchored), default none. */
  cpuInfoBugsInclude: string | null;
  /** --collector.stat.softirq, default false. */
  statSoftirq: boolean;
  /** --collector.netdev.device-include / -exclude (anchored Go regexps). */
  netdevDeviceInclude: string | null;
  netdevDeviceExclude: string | null;
  /** --collector.netstat.fields (anchored Go regexp). */
  netstatFields: string;
  /** --collector.vmstat.fields (anchored Go regexp). */
  vmstatFields: string;
  /** --collector.arp.device-include / -exclude (Go regexps), default none. */
  arpDeviceInclude: string | null;
  arpDeviceExclude: string | null;
  /** --collector.arp.netlink, default true (promstack reads /proc/net/arp either way). */
  arpNetlink: boolean;
  /** --collector.ipvs.backend-labels: comma-separated backend labels. */
  ipvsBackendLabels: string;
  /** --collector.interrupts.name-include / -exclude (Go regexps), default none. */
  interruptsNameInclude: string | null;
  interruptsNameExclude: string | null;
  /** --collector.interrupts.include-zeros, default true. */
  interruptsIncludeZeros: boolean;
  /** --collector.slabinfo.slabs-include / -exclude (Go regexps), defaults ".*" and "". */
  slabinfoSlabsInclude: string;
  slabinfoSlabsExclude: string;
  /** --collector.sysctl.include (repeatable): "name" or "name:field0,field1,...". */
  sysctlInclude: readonly string[];
  /** --collector.sysctl.include-info (repeatable): sysctls reported as info metrics. */
  sysctlIncludeInfo: readonly string[];
  /** --collector.diskstats.device-exclude / -include (anchored Go regexps). */
  diskstatsDeviceExclude: string;
  diskstatsDeviceInclude: string | null;
  /** --collector.filesystem.mount-points-exclude / fs-types-exclude (anchored Go regexps). */
  filesystemMountPointsExclude: string;
  filesystemFsTypesExclude: string;
  /** --collector.filesystem.mount-timeout in ms, default 5 s. */
  filesystemMountTimeoutMs: number;
  /** --collector.filesystem.mount-points-include / fs-types-include (Go regexps), default none. */
  filesystemMountPointsInclude: string | null;
  filesystemFsTypesInclude: string | null;
  /** --collector.filesystem.stat-workers: statfs calls in flight at once, default 4. */
  filesystemStatWorkers: number;
  /** --collector.netclass.ignored-devices (Go regexp), default "^$". */
  netclassIgnoredDevices: string;
  /** --collector.netclass.ignore-invalid-speed, default false. */
  netclassIgnoreInvalidSpeed: boolean;
  /** --collector.netclass.netlink, default false (promstack reads /sys/class/net either way). */
  netclassNetlink: boolean;
  /** --collector.hwmon.chip-include / chip-exclude (Go regexps), default none. */
  hwmonChipInclude: string | null;
  hwmonChipExclude: string | null;
  /** --collector.hwmon.sensor-include / sensor-exclude (Go regexps on "<chip>;<sensor>"), default none. */
  hwmonSensorInclude: string | null;
  hwmonSensorExclude: string | null;
  /** --collector.powersupply.ignored-supplies (Go regexp), default "^$". */
  powersupplyIgnoredSupplies: string;
  /** --collector.bcache.priorityStats, default false. */
  bcachePriorityStats: boolean;
  /** --collector.rapl.enable-zone-label, default false. */
  raplEnableZoneLabel: boolean;
  /** --collector.tapestats.ignored-devices (Go regexp), default "^$". */
  tapestatsIgnoredDevices: string;
}

/** The upstream defaults of every collector flag (node_exporter 1.x on Linux). */
export const DEFAULT_SETTINGS: Readonly<CollectorSettings> = {
  procfs: "/proc",
  sysfs: "/sys",
  rootfs: "/",
  udevData: "/run/udev/data",
  textfileDirectory: "",
  cpuGuest: true,
  cpuInfo: false,
  cpuInfoFlagsInclude: null,
  cpuInfoBugsInclude: null,
  statSoftirq: false,
  netdevDeviceInclude: null,
  netdevDeviceExclude: null,
  netstatFields:
    "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$",
  vmstatFields: "^(oom_kill|pgpg|pswp|pg.*fault).*",
  arpDeviceInclude: null,
  arpDeviceExclude: null,
  arpNetlink: true,
  ipvsBackendLabels: "local_address,local_port,remote_address,remote_port,proto,local_mark",
  interruptsNameInclude: null,
  interruptsNameExclude: null,
  interruptsIncludeZeros: true,
  slabinfoSlabsInclude: ".*",
  slabinfoSlabsExclude: "",
  sysctlInclude: [],
  sysctlIncludeInfo: [],
  diskstatsDeviceExclude: "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$",
  diskstatsDeviceInclude: null,
  filesystemMountPointsExclude: "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)",
  filesystemFsTypesExclude:
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$",
  filesystemMountTimeoutMs: 5000,
  filesystemMountPointsInclude: null,
  filesystemFsTypesInclude: null,
  filesystemStatWorkers: 4,
  netclassIgnoredDevices: "^$",
  netclassIgnoreInvalidSpeed: false,
  netclassNetlink: false,
  hwmonChipInclude: null,
  hwmonChipExclude: null,
  hwmonSensorInclude: null,
  hwmonSensorExclude: null,
  powersupplyIgnoredSupplies: "^$",
  bcachePriorityStats: false,
  raplEnableZoneLabel: false,
  tapestatsIgnoredDevices: "^$",
};

/** What a collector factory gets: settings, path helpers and a logger. */
export interface CollectorContext {
  readonly settings: Readonly<CollectorSettings>;
  readonly logger: Logger;
  /** Joins parts under --path.procfs. */
  procPath(...parts: string[]): string;
  /** Joins parts under --path.sysfs. */
  sysPath(...parts: string[]): string;
  /** Joins parts under --path.rootfs. */
  rootfsPath(...parts: string[]): string;
}

/** Builds a CollectorContext from settings. */
export function newCollectorContext(settings: Readonly<CollectorSettings>, logger: Logger): CollectorContext {
  return {
    settings,
    logger,
    procPath: (...parts) => path.join(settings.procfs, ...parts),
    sysPath: (...parts) => path.join(settings.sysfs, ...parts),
    rootfsPath: (...parts) => path.join(settings.rootfs, ...parts),
  };
}

/** One node exporter collector: emits its families once per scrape; rejects on failure. */
export interface NodeCollector {
  collect(emit: Emit): Promise<void>;
}

/** A named collector kind, enabled by default or not, as upstream registers it. */
export interface CollectorFactory {
  readonly name: string;
  readonly defaultEnabled: boolean;
  /** Builds the collector; throws on bad settings (e.g. an invalid regexp). */
  create(ctx: CollectorContext): NodeCollector;
}

/**
 * The collector found nothing to report on this host (upstream's ErrNoData):
 * logged at debug level and reported as node_scrape_collector_success 0.
 */
export class NoDataError extends Error {
  constructor(message = "collector returned no data") {
    super(message);
    this.name = "NoDataError";
  }
}

/** True when e is a "file or directory does not exist" error from node:fs. */
export function isNotExist(e: unknown): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === "ENOENT";
}

/** readText's buffer, reused across reads and doubled when a file does not fit. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads a whole file as UTF-8. The read itself is synchronous (open, read
 * until EOF, close): the files under /proc and /sys are generated by the
 * kernel when read and never wait on a disk, and one synchronous read costs
 * a fraction of node:fs/promises' open/fstat/read/close round trips through
 * the thread pool, which dominated a scrape's CPU time
 * (node-exporter.bench.ts). Files that may live on a hung mount (textfile
 * directories, statfs of mount points) are read asynchronously by their
 * collectors instead. Rejects with the node:fs error (ENOENT, EACCES, ...).
 */
export async function readText(p: string): Promise<string> {
  const fd = openSync(p, "r");
  try {
    let n = 0;
    for (;;) {
      if (n === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger, 0, 0, n);
        scratch = bigger;
      }
      const r = readSync(fd, scratch, n, scratch.length - n, null);
      if (r === 0) break;
      n += r;
    }
    return scratch.toString("utf8", 0, n);
  } finally {
    closeSync(fd);
  }
}

/** Reads a file holding one unsigned integer (trailing newline allowed), like upstream's readUintFromFile. */
export async function readUint(p: string): Promise<number> {
  const s = (await readText(p)).trim();
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

/** Splits on runs of whitespace, dropping empty fields (Go's strings.Fields). */
export function fields(s: string): string[] {
  const t = s.trim();
  return t === "" ? [] : t.split(/\s+/);
}

/** Parses a Go float (accepts what strconv.ParseFloat accepts for kernel files); throws on garbage. */
export function parseFloatStrict(s: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  }
  return Number(s);
}

/**
 * Compiles a Go regexp for Go's MatchString semantics (unanchored: the
 * pattern may match anywhere). Throws RegexError on invalid syntax.
 */
export function compileGoRegexp(pattern: string): RegExp {
  return compileAnchoredRE2(`.*?(?:${pattern}).*`);
}
