/**
 * The table of collectors this node exporter implements, and the names of
 * upstream's other Linux collectors (accepted in --collector.<name> flags
 * so that existing command lines keep working; they log that they are not
 * implemented).
 */
import type { CollectorFactory } from "./collector.ts";
import { conntrackCollector } from "./conntrack.ts";
import { cpuCollector } from "./cpu.ts";
import { entropyCollector } from "./entropy.ts";
import { filefdCollector } from "./filefd.ts";
import { loadavgCollector } from "./loadavg.ts";
import { meminfoCollector } from "./meminfo.ts";
import { netdevCollector } from "./netdev.ts";
import { netstatCollector } from "./netstat.ts";
import { osCollector } from "./os.ts";
import { pressureCollector } from "./pressure.ts";
import { sockstatCollector } from "./sockstat.ts";
import { statCollector } from "./stat.ts";
import { textfileCollector } from "./textfile.ts";
import { timeCollector } from "./time.ts";
import { unameCollector } from "./uname.ts";
import { vmstatCollector } from "./vmstat.ts";

/** Every implemented collector, sorted by name. */
export const COLLECTORS: readonly CollectorFactory[] = [
  conntrackCollector,
  cpuCollector,
  entropyCollector,
  filefdCollector,
  loadavgCollector,
  meminfoCollector,
  netdevCollector,
  netstatCollector,
  osCollector,
  pressureCollector,
  sockstatCollector,
  statCollector,
  textfileCollector,
  timeCollector,
  unameCollector,
  vmstatCollector,
];

/** Upstream Linux collectors not implemented yet, with upstream's default state. */
export const UNIMPLEMENTED_COLLECTORS: Readonly<Record<string, boolean>> = {
  arp: true, bcache: true, bcachefs: false, bonding: true, btrfs: true, buddyinfo: false, cgroups: false,
  cpu_vulnerabilities: false, cpufreq: true, diskstats: true, dmi: true, dmmultipath: false, drbd: false, edac: true,
  ethtool: false, fibrechannel: true, filesystem: true, hwmon: true, infiniband: true, interrupts: false, ipvs: true,
  kernel_hung: false, ksmd: false, lnstat: false, logind: false, mdadm: true, meminfo_numa: false, mountstats: false,
  netclass: true, network_route: false, nfs: true, nfsd: true, ntp: false, nvme: true, pcidevice: false,
  perf: false, powersupplyclass: true, processes: false, qdisc: false, rapl: true, runit: false, schedstat: true,
  selinux: true, slabinfo: false, softirqs: false, softnet: true, supervisord: false, sysctl: false, systemd: false,
  tapestats: true, tcpstat: false, thermal_zone: true, timex: true, udp_queues: true, watchdog: true, wifi: false,
  xfrm: false, xfs: true, zfs: true, zoneinfo: false,
};
