/**
 * The table of collectors this node exporter implements, and the names of
 * upstream's other Linux collectors (accepted in --collector.<name> flags
 * so that existing command lines keep working; they log that they are not
 * implemented).
 */
import type { CollectorFactory } from "./collector.ts";
import { arpCollector } from "./arp.ts";
import { bcacheCollector } from "./bcache.ts";
import { btrfsCollector } from "./btrfs.ts";
import { drbdCollector } from "./drbd.ts";
import { fibrechannelCollector } from "./fibrechannel.ts";
import { infinibandCollector } from "./infiniband.ts";
import { lnstatCollector } from "./lnstat.ts";
import { mdadmCollector } from "./mdadm.ts";
import { mountstatsCollector } from "./mountstats.ts";
import { tapestatsCollector } from "./tapestats.ts";
import { zoneinfoCollector } from "./zoneinfo.ts";
import { bondingCollector } from "./bonding.ts";
import { buddyinfoCollector } from "./buddyinfo.ts";
import { cgroupsCollector } from "./cgroups.ts";
import { conntrackCollector } from "./conntrack.ts";
import { cpuCollector } from "./cpu.ts";
import { cpuVulnerabilitiesCollector } from "./cpu-vulnerabilities.ts";
import { cpufreqCollector } from "./cpufreq.ts";
import { diskstatsCollector } from "./diskstats.ts";
import { dmiCollector } from "./dmi.ts";
import { edacCollector } from "./edac.ts";
import { entropyCollector } from "./entropy.ts";
import { filefdCollector } from "./filefd.ts";
import { filesystemCollector } from "./filesystem.ts";
import { hwmonCollector } from "./hwmon.ts";
import { interruptsCollector } from "./interrupts.ts";
import { ipvsCollector } from "./ipvs.ts";
import { ksmdCollector } from "./ksmd.ts";
import { loadavgCollector } from "./loadavg.ts";
import { meminfoCollector } from "./meminfo.ts";
import { meminfoNumaCollector } from "./meminfo-numa.ts";
import { netclassCollector } from "./netclass.ts";
import { netdevCollector } from "./netdev.ts";
import { netstatCollector } from "./netstat.ts";
import { nfsCollector } from "./nfs.ts";
import { nfsdCollector } from "./nfsd.ts";
import { nvmeCollector } from "./nvme.ts";
import { osCollector } from "./os.ts";
import { powersupplyclassCollector } from "./powersupplyclass.ts";
import { pressureCollector } from "./pressure.ts";
import { processesCollector } from "./processes.ts";
import { raplCollector } from "./rapl.ts";
import { schedstatCollector } from "./schedstat.ts";
import { selinuxCollector } from "./selinux.ts";
import { slabinfoCollector } from "./slabinfo.ts";
import { sockstatCollector } from "./sockstat.ts";
import { softirqsCollector } from "./softirqs.ts";
import { softnetCollector } from "./softnet.ts";
import { statCollector } from "./stat.ts";
import { sysctlCollector } from "./sysctl.ts";
import { textfileCollector } from "./textfile.ts";
import { thermalZoneCollector } from "./thermal-zone.ts";
import { timeCollector } from "./time.ts";
import { udpQueuesCollector } from "./udp-queues.ts";
import { unameCollector } from "./uname.ts";
import { vmstatCollector } from "./vmstat.ts";
import { watchdogCollector } from "./watchdog.ts";
import { xfsCollector } from "./xfs.ts";
import { zfsCollector } from "./zfs.ts";

/** Every implemented collector, sorted by name. */
export const COLLECTORS: readonly CollectorFactory[] = [
  arpCollector,
  bcacheCollector,
  bondingCollector,
  btrfsCollector,
  buddyinfoCollector,
  cgroupsCollector,
  conntrackCollector,
  cpuCollector,
  cpuVulnerabilitiesCollector,
  cpufreqCollector,
  diskstatsCollector,
  dmiCollector,
  drbdCollector,
  edacCollector,
  entropyCollector,
  fibrechannelCollector,
  filefdCollector,
  filesystemCollector,
  hwmonCollector,
  infinibandCollector,
  interruptsCollector,
  ipvsCollector,
  ksmdCollector,
  lnstatCollector,
  loadavgCollector,
  mdadmCollector,
  meminfoCollector,
  meminfoNumaCollector,
  mountstatsCollector,
  netclassCollector,
  netdevCollector,
  netstatCollector,
  nfsCollector,
  nfsdCollector,
  nvmeCollector,
  osCollector,
  powersupplyclassCollector,
  pressureCollector,
  processesCollector,
  raplCollector,
  schedstatCollector,
  selinuxCollector,
  slabinfoCollector,
  sockstatCollector,
  softirqsCollector,
  softnetCollector,
  statCollector,
  sysctlCollector,
  tapestatsCollector,
  textfileCollector,
  thermalZoneCollector,
  timeCollector,
  udpQueuesCollector,
  unameCollector,
  vmstatCollector,
  watchdogCollector,
  xfsCollector,
  zfsCollector,
  zoneinfoCollector,
];

/**
 * Upstream collectors that cannot work in promstack, with the reason: they
 * need a system interface Node.js has no access to. They stay in
 * UNIMPLEMENTED_COLLECTORS; enabling one logs this reason as an error at start.
 */
export const UNSUPPORTED_COLLECTORS: Readonly<Record<string, string>> = {
  timex: "it needs the adjtimex(2) system call, which Node.js cannot make",
  wifi: "it needs nl80211 generic netlink sockets, which Node.js cannot open",
  network_route: "it needs rtnetlink sockets, which Node.js cannot open",
  tcpstat: "it needs sock_diag netlink sockets, which Node.js cannot open",
  ethtool: "it needs the SIOCETHTOOL ioctl, which Node.js cannot make",
  perf: "it needs the perf_event_open(2) system call, which Node.js cannot make",
  systemd: "it needs the systemd D-Bus API, which promstack does not speak",
  logind: "it needs the logind D-Bus API, which promstack does not speak",
  qdisc: "it needs rtnetlink sockets, which Node.js cannot open",
};

/** Upstream Linux collectors not implemented yet, with upstream's default state. */
export const UNIMPLEMENTED_COLLECTORS: Readonly<Record<string, boolean>> = {
  bcachefs: false,
  dmmultipath: false,
  ethtool: false,
  kernel_hung: false,
  logind: false,
  network_route: false,
  ntp: false,
  pcidevice: false,
  perf: false,
  qdisc: false,
  runit: false,
  supervisord: false,
  systemd: false,
  tcpstat: false,
  timex: true,
  wifi: false,
  xfrm: false,
};
