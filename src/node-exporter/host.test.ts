/**
 * On this host, next to Debian's node_exporter (1.5, /usr/bin/prometheus-node-exporter):
 * both run with their default collectors on free ports, both are scraped,
 * and every family Debian's exposes from a collector we implement must be
 * exposed by ours with the same label names on its series. Stable families
 * (uname, os, CPUs, mounts, network and disk devices) must also carry the
 * same label values. Prints the families that match, differ, are missing,
 * exist only in ours, and those skipped with the reason.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { nopLogger } from "../util/index.ts";
import { COLLECTORS, DEFAULT_SETTINGS, NODE_EXPORTER_VERSION, UNIMPLEMENTED_COLLECTORS, UNSUPPORTED_COLLECTORS, createNodeExporter, parseNodeExporterFlags } from "./index.ts";

const DEBIAN_BIN = "/usr/bin/prometheus-node-exporter";
const noDebian = existsSync(DEBIAN_BIN) ? false : `${DEBIAN_BIN} is not installed (Debian package prometheus-node-exporter)`;

/** Owner of the exporter's own families (process_*, promhttp_*, build info, per-collector scrape gauges). */
const EXPORTER = "(exporter)";
/** Owner of the Go runtime's families. */
const GO_RUNTIME = "(go runtime)";

/** Families whose names do not follow node_<collector>_..., checked before the naming rule. */
const IRREGULAR: readonly [RegExp, string][] = [
  [/^go_/, GO_RUNTIME],
  [/^(process_|promhttp_|node_exporter_build_info$|node_scrape_collector_)/, EXPORTER],
  [/^node_load(1|5|15)$/, "loadavg"],
  [/^node_memory_/, "meminfo"],
  [/^node_(boot_time_seconds|context_switches_total|forks_total|intr_total|procs_running|procs_blocked|softirqs_total)$/, "stat"],
  [/^node_disk_/, "diskstats"],
  [/^node_network_transmit_queue_length$/, "netclass"],
  [/^node_network_(receive|transmit)_/, "netdev"],
  [/^node_network_/, "netclass"],
  [/^node_nf_conntrack_/, "conntrack"],
  [/^node_md_/, "mdadm"],
  [/^node_cooling_device_/, "thermal_zone"],
  [/^node_power_supply_/, "powersupplyclass"],
  [/^node_tape_/, "tapestats"],
  [/^node_cpu_(scaling_|frequency_)/, "cpufreq"],
];

/** Every upstream collector name, longest first (so cpu_vulnerabilities wins over cpu). */
const COLLECTOR_NAMES = [...new Set([...COLLECTORS.map((c) => c.name), ...Object.keys(UNIMPLEMENTED_COLLECTORS)])].sort((a, b) => b.length - a.length);

/** The collector that produces a family, or null when no rule knows it. */
function ownerOf(family: string): string | null {
  for (const [re, owner] of IRREGULAR) if (re.test(family)) return owner;
  for (const c of COLLECTOR_NAMES) if (family === `node_${c}` || family.startsWith(`node_${c}_`)) return c;
  return null;
}

/** Families of implemented collectors that Debian's exposes and ours cannot, with the reason. */
const NOT_COMPARABLE: Readonly<Record<string, string>> = {
  node_network_receive_nohandler_total: "netlink-only statistic (rtnl_link_stats64.rx_nohandler): /proc/net/dev, which promstack's netdev reads, has no such column",
};

/**
 * Families that node_exporter added after 1.5 (ours follows 1.7 and later
 * releases), so ours may expose them and Debian's does not: the release
 * and change that added them.
 */
const ADDED_SINCE_1_5: readonly [RegExp, string][] = [
  [/^node_softnet_(backlog_len|cpu_collision_total|flow_limit_count_total|received_rps_total)$/, "after 1.5: softnet reads the later columns of /proc/net/softnet_stat"],
  [/^node_netstat_TcpExt_TCPOFOQueue$/, "1.8: added to the default --collector.netstat.fields (#2867)"],
  [/^node_netstat_TcpExt_TCPRcvQDrop$/, "1.9: added to the default --collector.netstat.fields (#3021)"],
  [/^node_filesystem_mount_info$/, "1.9: filesystem reports node_filesystem_mount_info (#2970)"],
  [/^node_pressure_irq_stalled_seconds_total$/, "1.9: pressure reads /proc/pressure/irq (#3048)"],
  [/^node_watchdog_/, "1.8: the watchdog collector (#2880)"],
  [/^node_cpu_vulnerabilities_info$/, "1.7: the cpu_vulnerabilities collector (#2721)"],
];

/** Label names families gained after 1.5: ours has them, Debian's does not. */
const LABELS_ADDED_SINCE_1_5: readonly [RegExp, readonly string[], string][] = [
  [/^node_exporter_build_info$/, ["tags"], "after 1.5: prometheus/common's build info gained the tags label"],
  [/^node_network_info$/, ["adminstate"], "1.6: administrative state of network interfaces (#2515)"],
  [/^node_filesystem_(avail_bytes|device_error|files|files_free|free_bytes|readonly|size_bytes)$/, ["device_error"], "1.8: filesystem surfaces device errors as a label (#2923)"],
  [/^node_disk_info$/, ["rotational"], "1.9: diskstats adds the block device's rotational flag (#3022)"],
];

/**
 * Flags whose defaults differ between Debian's 1.5 and ours: Debian's
 * exporter gets our (upstream's current) value so both look at the same
 * devices and mounts.
 */
const DEFAULTS_GIVEN_TO_DEBIAN = [
  // Debian's packaging adds run, mnt and media to the excluded mount points.
  `--collector.filesystem.mount-points-exclude=${DEFAULT_SETTINGS.filesystemMountPointsExclude}`,
  // Debian's packaging excludes lo from netdev; upstream excludes nothing.
  "--collector.netdev.device-exclude=",
  // 1.8 ignores zram devices (#2898).
  `--collector.diskstats.device-exclude=${DEFAULT_SETTINGS.diskstatsDeviceExclude}`,
  // Later releases also exclude erofs.
  `--collector.filesystem.fs-types-exclude=${DEFAULT_SETTINGS.filesystemFsTypesExclude}`,
];

/**
 * Families whose series must carry exactly the same label values in both
 * (the host does not change them between two scrapes): the names of the
 * labels compared.
 */
const STABLE_VALUES: Readonly<Record<string, readonly string[]>> = {
  node_uname_info: ["sysname", "release", "version", "machine", "nodename", "domainname"],
  node_os_info: ["build_id", "id", "id_like", "image_id", "image_version", "name", "pretty_name", "variant", "variant_id", "version", "version_codename", "version_id"],
  node_os_version: ["id", "id_like", "name"],
  node_cpu_seconds_total: ["cpu", "mode"],
  node_cpu_guest_seconds_total: ["cpu", "mode"],
  node_filesystem_size_bytes: ["device", "fstype", "mountpoint"],
  node_network_info: ["device", "address", "broadcast", "duplex", "operstate", "ifalias"],
  node_network_receive_bytes_total: ["device"],
  node_disk_read_bytes_total: ["device"],
};

/** One family of an exposition: its type and the label sets of its samples (names with suffixes folded in). */
interface Family {
  type: string;
  series: Map<string, string>[];
  /** The sample value of series[i]. */
  values: number[];
}

/** Parses the text format enough to compare families: TYPE lines, the labels (empty values kept) and value of every sample. */
function parseExposition(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t !== null) {
      out.set(t[1]!, { type: t[2]!, series: [], values: [] });
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^]*\})? (\S+)/.exec(line);
    if (m === null) throw new Error(`unparsable sample line: ${line}`);
    let name = m[1]!;
    if (!out.has(name)) {
      const base = name.replace(/_(sum|count|bucket)$/, "");
      if (out.has(base)) name = base;
      else out.set(name, { type: "untyped", series: [], values: [] });
    }
    const labels = new Map<string, string>();
    for (const l of (m[2] ?? "").matchAll(label)) labels.set(l[1]!, l[2]!);
    out.get(name)!.series.push(labels);
    out.get(name)!.values.push(Number(m[3]));
  }
  return out;
}

/** The distinct sorted label-name lists of a family's series, e.g. ["cpu,mode"]. */
function labelNameSets(f: Family, ignore: readonly string[] = []): string[] {
  return [...new Set(f.series.map((s) => [...s.keys()].filter((n) => n !== "le" && n !== "quantile" && !ignore.includes(n)).sort().join(",")))].sort();
}

/** The distinct label-value tuples of a family's series for the given label names. */
function labelValues(f: Family, names: readonly string[]): string[] {
  return [...new Set(f.series.map((s) => names.map((n) => `${n}=${JSON.stringify(s.get(n) ?? null)}`).join(",")))].sort();
}

/** A free TCP port on 127.0.0.1 (closed again before returning). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** GETs url until it answers 200 or timeoutMs passes (the exporter is starting). */
async function scrapeWhenUp(url: string, child: ChildProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${DEBIAN_BIN} exited with code ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.status === 200) return await r.text();
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let debian: ChildProcess | null = null;
let theirs = new Map<string, Family>();
let ours = new Map<string, Family>();
/** The collectors ours runs by default. */
let enabled = new Set<string>();

before(async () => {
  if (noDebian !== false) return;
  const cmd = parseNodeExporterFlags(["--web.listen-address=127.0.0.1:0"], NODE_EXPORTER_VERSION);
  if (cmd.kind !== "run") throw new Error("BUG: default flags do not run");
  enabled = new Set(cmd.collectors.map((c) => c.name));
  const ne = createNodeExporter({
    listenAddress: cmd.listenAddress,
    telemetryPath: cmd.telemetryPath,
    settings: cmd.settings,
    collectors: cmd.collectors,
    disableExporterMetrics: false,
    maxRequests: cmd.maxRequests,
    webConfigFile: null,
    logger: nopLogger,
  });
  const port = await freePort();
  debian = spawn(DEBIAN_BIN, [`--web.listen-address=127.0.0.1:${port}`, ...DEFAULTS_GIVEN_TO_DEBIAN], { stdio: "ignore" });
  const { port: ourPort } = await ne.start();
  try {
    // The machine is shared and may be loaded: give Debian's exporter time to start.
    theirs = parseExposition(await scrapeWhenUp(`http://127.0.0.1:${port}/metrics`, debian, 30_000));
    ours = parseExposition(await (await fetch(`http://127.0.0.1:${ourPort}/metrics`)).text());
  } finally {
    await ne.stop();
  }
});

after(() => {
  debian?.kill("SIGTERM");
});

test("host: every family of Debian's node_exporter from a collector we implement is in ours, with the same label names", { skip: noDebian }, () => {
  const matched: string[] = [];
  const differ: string[] = [];
  const missing: string[] = [];
  const unowned: string[] = [];
  const skipped = new Map<string, string[]>();
  const skip = (reason: string, family: string): void => {
    skipped.set(reason, [...(skipped.get(reason) ?? []), family]);
  };
  for (const [name, want] of theirs) {
    const owner = ownerOf(name);
    if (owner === null) {
      unowned.push(name);
      continue;
    }
    if (owner === GO_RUNTIME) {
      skip("Go runtime metrics: promstack runs on Node.js, there is no Go runtime to report", name);
      continue;
    }
    if (owner !== EXPORTER && !enabled.has(owner)) {
      const why = UNSUPPORTED_COLLECTORS[owner];
      if (why !== undefined) skip(`collector ${owner}: ${why}`, name);
      else if (owner in UNIMPLEMENTED_COLLECTORS) skip(`collector ${owner}: not implemented yet`, name);
      else skip(`collector ${owner}: disabled by default in node_exporter 1.7`, name);
      continue;
    }
    const reason = NOT_COMPARABLE[name];
    if (reason !== undefined) {
      skip(reason, name);
      continue;
    }
    const have = ours.get(name);
    if (have === undefined) {
      missing.push(`${name} (collector ${owner})`);
      continue;
    }
    const added = LABELS_ADDED_SINCE_1_5.find(([re]) => re.test(name))?.[1] ?? [];
    const a = labelNameSets(want);
    const b = labelNameSets(have, added);
    if (JSON.stringify(a) !== JSON.stringify(b) || have.type !== want.type) {
      differ.push(`${name}: theirs ${want.type} {${a.join("} {")}}, ours ${have.type} {${b.join("} {")}}`);
      continue;
    }
    matched.push(name);
  }
  const onlyOurs = [...ours.keys()].filter((n) => !theirs.has(n));
  const addedWhy = (n: string): string | null => ADDED_SINCE_1_5.find(([re]) => re.test(n))?.[1] ?? null;
  const unexplained = onlyOurs.filter((n) => addedWhy(n) === null);

  const report = [`host comparison with Debian's node_exporter 1.5: ${matched.length} families match, ${differ.length} differ, ${missing.length} missing`];
  report.push(`match (${matched.length}): ${matched.join(" ")}`);
  for (const d of differ) report.push(`differ: ${d}`);
  for (const m of missing) report.push(`missing: ${m}`);
  for (const n of onlyOurs) report.push(`only ours: ${n} (${addedWhy(n) ?? "not explained"})`);
  for (const [re, labels, why] of LABELS_ADDED_SINCE_1_5) report.push(`labels added since 1.5: ${re.source} +${labels.join(",")} (${why})`);
  for (const [reason, families] of skipped) report.push(`skipped ${families.length} (${reason}): ${families.join(" ")}`);
  for (const n of unowned) report.push(`no owner: ${n}`);
  console.log(report.join("\n"));

  assert.ok(matched.length > 100, `only ${matched.length} families matched`);
  assert.deepEqual(unowned, [], "families no rule of IRREGULAR or node_<collector>_ assigns to a collector");
  assert.deepEqual(missing, []);
  assert.deepEqual(differ, []);
  assert.deepEqual(unexplained, [], "families only ours exposes, not listed in ADDED_SINCE_1_5");
});

test("host: stable families carry the same label values", { skip: noDebian }, () => {
  for (const [name, labels] of Object.entries(STABLE_VALUES)) {
    const want = theirs.get(name);
    if (want === undefined) continue; // this host has none (e.g. no disk matching the default excludes)
    const have = ours.get(name);
    assert.ok(have !== undefined, `${name} missing`);
    assert.deepEqual(labelValues(have, labels), labelValues(want, labels), name);
  }
});

test("host: every collector that succeeds in Debian's succeeds in ours", { skip: noDebian }, () => {
  const success = (f: Map<string, Family>): Map<string, number> => {
    const fam = f.get("node_scrape_collector_success");
    return new Map((fam?.series ?? []).map((s, i) => [s.get("collector") ?? "", fam!.values[i]!]));
  };
  const theirsOk = success(theirs);
  const oursOk = success(ours);
  assert.ok(theirsOk.size > 0 && oursOk.size > 0);
  const failing = [...theirsOk].filter(([c, v]) => v === 1 && oursOk.has(c) && oursOk.get(c) !== 1).map(([c]) => c);
  assert.deepEqual(failing, []);
});
