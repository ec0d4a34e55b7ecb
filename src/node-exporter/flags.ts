/**
 * The node exporter's command line, with upstream's flag names and defaults
 * (kingpin style: `--flag=value` or `--flag value`, `--[no-]collector.<name>`).
 */
import { COLLECTORS, type CollectorFactory, type CollectorSettings, DEFAULT_SETTINGS, UNIMPLEMENTED_COLLECTORS } from "./collector/index.ts";
import { FlagError, FlagKind, type FlagSpec, type LogFormat, type LogLevel, flagsHelp, isLogFormat, isLogLevel, parseFlags, parseGoDuration } from "../util/index.ts";

/** What the command line asks for. */
export type NodeExporterCommand =
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | {
      kind: "run";
      listenAddress: string;
      telemetryPath: string;
      disableExporterMetrics: boolean;
      maxRequests: number;
      /** --web.config.file; "" when not given. */
      webConfigFile: string;
      settings: CollectorSettings;
      collectors: CollectorFactory[];
      /** Enabled upstream collectors this exporter does not implement (warned about at start). */
      unimplemented: string[];
      logLevel: LogLevel;
      logFormat: LogFormat;
    };

type StringFlag = { kind: "string"; help: string; def: string; apply?: (s: CollectorSettings, v: string) => void };
type BoolFlag = { kind: "bool"; help: string; def: boolean; apply?: (s: CollectorSettings, v: boolean) => void };

const valueFlags: Record<string, StringFlag> = {
  "web.listen-address": { kind: "string", help: "Addresses on which to expose metrics and web interface.", def: ":9100" },
  "web.telemetry-path": { kind: "string", help: "Path under which to expose metrics.", def: "/metrics" },
  "web.max-requests": { kind: "string", help: "Maximum number of parallel scrape requests. Use 0 to disable.", def: "40" },
  "web.config.file": { kind: "string", help: "Path to configuration file that can enable TLS or authentication.", def: "" },
  "path.procfs": { kind: "string", help: "procfs mountpoint.", def: "/proc", apply: (s, v) => (s.procfs = v) },
  "path.sysfs": { kind: "string", help: "sysfs mountpoint.", def: "/sys", apply: (s, v) => (s.sysfs = v) },
  "path.rootfs": { kind: "string", help: "rootfs mountpoint.", def: "/", apply: (s, v) => (s.rootfs = v) },
  "path.udev.data": { kind: "string", help: "udev data path.", def: "/run/udev/data", apply: (s, v) => (s.udevData = v) },
  "collector.textfile.directory": { kind: "string", help: "Directory to read text files with metrics from.", def: "", apply: (s, v) => (s.textfileDirectory = v) },
  "collector.cpu.info.flags-include": { kind: "string", help: "Filter the `flags` field in cpuInfo with a value that must be a regular expression", def: "", apply: (s, v) => (s.cpuInfoFlagsInclude = v === "" ? null : v) },
  "collector.cpu.info.bugs-include": { kind: "string", help: "Filter the `bugs` field in cpuInfo with a value that must be a regular expression", def: "", apply: (s, v) => (s.cpuInfoBugsInclude = v === "" ? null : v) },
  "collector.netstat.fields": { kind: "string", help: "Regexp of fields to return for netstat collector.", def: DEFAULT_SETTINGS.netstatFields, apply: (s, v) => (s.netstatFields = v) },
  "collector.vmstat.fields": { kind: "string", help: "Regexp of fields to return for vmstat collector.", def: DEFAULT_SETTINGS.vmstatFields, apply: (s, v) => (s.vmstatFields = v) },
  "collector.netdev.device-include": { kind: "string", help: "Regexp of net devices to include (mutually exclusive to device-exclude).", def: "", apply: (s, v) => (s.netdevDeviceInclude = v === "" ? null : v) },
  "collector.netdev.device-exclude": { kind: "string", help: "Regexp of net devices to exclude (mutually exclusive to device-include).", def: "", apply: (s, v) => (s.netdevDeviceExclude = v === "" ? null : v) },
  "collector.arp.device-include": { kind: "string", help: "Regexp of arp devices to include (mutually exclusive to device-exclude).", def: "", apply: (s, v) => (s.arpDeviceInclude = v === "" ? null : v) },
  "collector.arp.device-exclude": { kind: "string", help: "Regexp of arp devices to exclude (mutually exclusive to device-include).", def: "", apply: (s, v) => (s.arpDeviceExclude = v === "" ? null : v) },
  "collector.ipvs.backend-labels": { kind: "string", help: "Comma separated list for IPVS backend stats labels.", def: DEFAULT_SETTINGS.ipvsBackendLabels, apply: (s, v) => (s.ipvsBackendLabels = v) },
  "collector.interrupts.name-include": { kind: "string", help: "Regexp of interrupts name to include (mutually exclusive to --collector.interrupts.name-exclude).", def: "", apply: (s, v) => (s.interruptsNameInclude = v === "" ? null : v) },
  "collector.interrupts.name-exclude": { kind: "string", help: "Regexp of interrupts name to exclude (mutually exclusive to --collector.interrupts.name-include).", def: "", apply: (s, v) => (s.interruptsNameExclude = v === "" ? null : v) },
  "collector.slabinfo.slabs-include": { kind: "string", help: "Regexp of slabs to include in slabinfo collector.", def: ".*", apply: (s, v) => (s.slabinfoSlabsInclude = v) },
  "collector.slabinfo.slabs-exclude": { kind: "string", help: "Regexp of slabs to exclude in slabinfo collector.", def: "", apply: (s, v) => (s.slabinfoSlabsExclude = v) },
  "collector.diskstats.device-exclude": { kind: "string", help: "Regexp of diskstats devices to exclude (mutually exclusive to device-include).", def: DEFAULT_SETTINGS.diskstatsDeviceExclude, apply: (s, v) => (s.diskstatsDeviceExclude = v) },
  "collector.diskstats.device-include": { kind: "string", help: "Regexp of diskstats devices to include (mutually exclusive to device-exclude).", def: "", apply: (s, v) => (s.diskstatsDeviceInclude = v === "" ? null : v) },
  "collector.filesystem.mount-points-exclude": { kind: "string", help: "Regexp of mount points to exclude for filesystem collector. (mutually exclusive to mount-points-include)", def: DEFAULT_SETTINGS.filesystemMountPointsExclude, apply: (s, v) => (s.filesystemMountPointsExclude = v) },
  "collector.filesystem.mount-points-include": { kind: "string", help: "Regexp of mount points to include for filesystem collector. (mutually exclusive to mount-points-exclude)", def: "", apply: (s, v) => (s.filesystemMountPointsInclude = v === "" ? null : v) },
  "collector.filesystem.fs-types-exclude": { kind: "string", help: "Regexp of filesystem types to exclude for filesystem collector. (mutually exclusive to fs-types-include)", def: DEFAULT_SETTINGS.filesystemFsTypesExclude, apply: (s, v) => (s.filesystemFsTypesExclude = v) },
  "collector.filesystem.fs-types-include": { kind: "string", help: "Regexp of filesystem types to exclude for filesystem collector. (mutually exclusive to fs-types-exclude)", def: "", apply: (s, v) => (s.filesystemFsTypesInclude = v === "" ? null : v) },
  "collector.filesystem.mount-timeout": { kind: "string", help: "how long to wait for a mount to respond before marking it as stale", def: "5s", apply: (s, v) => (s.filesystemMountTimeoutMs = parseGoDurationMs("collector.filesystem.mount-timeout", v)) },
  "collector.filesystem.stat-workers": { kind: "string", help: "how many stat calls to process simultaneously", def: "4", apply: (s, v) => (s.filesystemStatWorkers = parseIntFlag(v)) },
  "collector.netclass.ignored-devices": { kind: "string", help: "Regexp of net devices to ignore for netclass collector.", def: "^$", apply: (s, v) => (s.netclassIgnoredDevices = v) },
  "collector.hwmon.chip-include": { kind: "string", help: "Regexp of hwmon chip to include (mutually exclusive to device-exclude).", def: "", apply: (s, v) => (s.hwmonChipInclude = v === "" ? null : v) },
  "collector.hwmon.chip-exclude": { kind: "string", help: "Regexp of hwmon chip to exclude (mutually exclusive to device-include).", def: "", apply: (s, v) => (s.hwmonChipExclude = v === "" ? null : v) },
  "collector.hwmon.sensor-include": { kind: "string", help: "Regexp of hwmon sensor to include (mutually exclusive to sensor-exclude).", def: "", apply: (s, v) => (s.hwmonSensorInclude = v === "" ? null : v) },
  "collector.hwmon.sensor-exclude": { kind: "string", help: "Regexp of hwmon sensor to exclude (mutually exclusive to sensor-include).", def: "", apply: (s, v) => (s.hwmonSensorExclude = v === "" ? null : v) },
  "collector.powersupply.ignored-supplies": { kind: "string", help: "Regexp of power supplies to ignore for powersupplyclass collector.", def: "^$", apply: (s, v) => (s.powersupplyIgnoredSupplies = v) },
  "collector.tapestats.ignored-devices": { kind: "string", help: "Regexp of devices to ignore for tapestats.", def: "^$", apply: (s, v) => (s.tapestatsIgnoredDevices = v) },
  "log.level": { kind: "string", help: "Only log messages with the given severity or above. One of: [debug, info, warn, error]", def: "info" },
  "log.format": { kind: "string", help: "Output format of log messages. One of: [logfmt, json]", def: "logfmt" },
};

const boolFlags: Record<string, BoolFlag> = {
  "web.disable-exporter-metrics": { kind: "bool", help: "Exclude metrics about the exporter itself (promhttp_*, process_*, go_*).", def: false },
  "collector.disable-defaults": { kind: "bool", help: "Set all collectors to disabled by default.", def: false },
  "collector.cpu.guest": { kind: "bool", help: "Enables metric node_cpu_guest_seconds_total", def: true, apply: (s, v) => (s.cpuGuest = v) },
  "collector.cpu.info": { kind: "bool", help: "Enables metric cpu_info", def: false, apply: (s, v) => (s.cpuInfo = v) },
  "collector.stat.softirq": { kind: "bool", help: "Export softirq calls per vector", def: false, apply: (s, v) => (s.statSoftirq = v) },
  "collector.arp.netlink": { kind: "bool", help: "Use netlink to gather stats instead of /proc/net/arp.", def: true, apply: (s, v) => (s.arpNetlink = v) },
  "collector.interrupts.include-zeros": { kind: "bool", help: "Include interrupts that have a zero value", def: true, apply: (s, v) => (s.interruptsIncludeZeros = v) },
  "collector.netclass.ignore-invalid-speed": { kind: "bool", help: "Ignore devices where the speed is invalid. This will be the default behavior in 2.x.", def: false, apply: (s, v) => (s.netclassIgnoreInvalidSpeed = v) },
  "collector.netclass.netlink": { kind: "bool", help: "Use netlink to gather stats instead of /proc/net/dev.", def: false, apply: (s, v) => (s.netclassNetlink = v) },
  "collector.bcache.priorityStats": { kind: "bool", help: "Expose expensive priority stats.", def: false, apply: (s, v) => (s.bcachePriorityStats = v) },
  "collector.rapl.enable-zone-label": { kind: "bool", help: "Enables service unit metric unit_start_time_seconds", def: false, apply: (s, v) => (s.raplEnableZoneLabel = v) },
};

/** Flags that may be given many times (kingpin's Strings()); every value is kept, in order. */
const repeatedFlags: Record<string, { help: string; apply: (s: CollectorSettings, vs: string[]) => void }> = {
  "collector.sysctl.include": { help: "Select sysctl metrics to include", apply: (s, vs) => (s.sysctlInclude = vs) },
  "collector.sysctl.include-info": { help: "Select sysctl metrics to include as info metrics", apply: (s, vs) => (s.sysctlIncludeInfo = vs) },
};

/** Go time.ParseDuration for flag values, in ms; throws FlagError like kingpin. */
function parseGoDurationMs(flag: string, v: string): number {
  const ms = parseGoDuration(v);
  if (ms === null) throw new FlagError(`invalid duration ${JSON.stringify(v)} for flag '--${flag}'`);
  return ms;
}

/** strconv.Atoi for flag values; throws FlagError. */
function parseIntFlag(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new FlagError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Every collector name a --collector.<name> flag accepts, with its default state. */
function collectorDefaults(): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const c of COLLECTORS) m.set(c.name, c.defaultEnabled);
  for (const [n, d] of Object.entries(UNIMPLEMENTED_COLLECTORS)) m.set(n, d);
  return m;
}

/** Every flag as a spec of the shared kingpin-style parser. */
function flagSpecs(): FlagSpec[] {
  const specs: FlagSpec[] = [];
  for (const [name, f] of Object.entries(boolFlags)) specs.push({ name, help: f.help, kind: FlagKind.Bool, def: String(f.def) });
  for (const [n, d] of [...collectorDefaults()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const impl = COLLECTORS.some((c) => c.name === n) ? "" : " (not implemented by promstack)";
    specs.push({ name: `collector.${n}`, help: `Enable the ${n} collector (default: ${d ? "enabled" : "disabled"}).${impl}`, kind: FlagKind.Bool, def: String(d) });
  }
  for (const [name, f] of Object.entries(valueFlags)) specs.push({ name, help: f.help, kind: FlagKind.String, def: f.def });
  for (const [name, f] of Object.entries(repeatedFlags)) specs.push({ name, help: f.help, kind: FlagKind.List, def: "" });
  return specs;
}

/** The --help text: every flag with its help and default, kingpin style. */
export function helpText(): string {
  return flagsHelp("node_exporter", "A metrics exporter for hardware and OS metrics of *NIX kernels (promstack).", flagSpecs());
}

/**
 * Parses node_exporter's flags. Throws FlagError for an unknown flag (naming
 * it), a missing value or a bad value; later flags override earlier ones.
 */
export function parseNodeExporterFlags(argv: readonly string[], version: string): NodeExporterCommand {
  const out = parseFlags(flagSpecs(), argv);
  if (out.kind === "help") return { kind: "help", text: helpText() };
  if (out.kind === "version") {
    return { kind: "version", text: `node_exporter, version ${version} (promstack)\n  node version: ${process.versions.node}\n  platform: ${process.platform}/${process.arch}\n` };
  }
  const flags = out.flags;
  if (flags.args.length > 0) throw new FlagError(`unexpected ${flags.args[0]}`);
  const settings: CollectorSettings = { ...DEFAULT_SETTINGS };
  for (const [n, f] of Object.entries(valueFlags)) f.apply?.(settings, flags.string(n));
  for (const [n, f] of Object.entries(repeatedFlags)) f.apply(settings, flags.list(n));
  for (const [n, f] of Object.entries(boolFlags)) f.apply?.(settings, flags.bool(n));

  const logLevel = flags.string("log.level");
  if (!isLogLevel(logLevel)) throw new FlagError(`unrecognized log level ${JSON.stringify(logLevel)}`);
  const logFormat = flags.string("log.format");
  if (!isLogFormat(logFormat)) throw new FlagError(`unrecognized log format ${JSON.stringify(logFormat)}`);
  const maxRequests = flags.string("web.max-requests");
  if (!/^-?\d+$/.test(maxRequests)) throw new FlagError(`strconv.ParseInt: parsing ${JSON.stringify(maxRequests)}: invalid syntax`);

  const disableDefaults = flags.bool("collector.disable-defaults");
  const enabled = (n: string): boolean => (flags.given(`collector.${n}`) || !disableDefaults) && flags.bool(`collector.${n}`);
  return {
    kind: "run",
    listenAddress: flags.string("web.listen-address"),
    telemetryPath: flags.string("web.telemetry-path"),
    disableExporterMetrics: flags.bool("web.disable-exporter-metrics"),
    maxRequests: Math.max(0, Number(maxRequests)),
    webConfigFile: flags.string("web.config.file"),
    settings,
    collectors: COLLECTORS.filter((c) => enabled(c.name)),
    unimplemented: Object.keys(UNIMPLEMENTED_COLLECTORS).filter(enabled).sort(),
    logLevel,
    logFormat,
  };
}
