import { test } from "node:test";
import assert from "node:assert/strict";
import { UNIMPLEMENTED_COLLECTORS, parseNodeExporterFlags } from "./index.ts";
import { FlagError } from "../util/index.ts";

function run(argv: string[]) {
  const c = parseNodeExporterFlags(argv, "1.7.0");
  assert.equal(c.kind, "run");
  if (c.kind !== "run") throw new Error("BUG: not a run command");
  return c;
}

test("flags: upstream defaults", () => {
  const c = run([]);
  assert.equal(c.listenAddress, ":9100");
  assert.equal(c.telemetryPath, "/metrics");
  assert.equal(c.settings.procfs, "/proc");
  assert.equal(c.settings.sysfs, "/sys");
  assert.equal(c.settings.rootfs, "/");
  assert.equal(c.maxRequests, 40);
  assert.ok(c.collectors.some((x) => x.name === "cpu"));
  assert.ok(c.collectors.some((x) => x.name === "uname"));
});

const cases = [
  { name: "value forms", argv: ["--web.listen-address", "127.0.0.1:9200", "--path.procfs=/host/proc"], check: (c: ReturnType<typeof run>) => c.listenAddress === "127.0.0.1:9200" && c.settings.procfs === "/host/proc" },
  { name: "--no-collector.cpu disables cpu", argv: ["--no-collector.cpu"], check: (c: ReturnType<typeof run>) => !c.collectors.some((x) => x.name === "cpu") },
  { name: "--collector.disable-defaults keeps only named ones", argv: ["--collector.disable-defaults", "--collector.loadavg"], check: (c: ReturnType<typeof run>) => c.collectors.map((x) => x.name).join() === "loadavg" && c.unimplemented.length === 0 },
  { name: "last flag wins", argv: ["--no-collector.time", "--collector.time"], check: (c: ReturnType<typeof run>) => c.collectors.some((x) => x.name === "time") },
  { name: "unimplemented default collectors are reported", argv: [], check: (c: ReturnType<typeof run>) => c.unimplemented.join() === Object.entries(UNIMPLEMENTED_COLLECTORS).filter(([, d]) => d).map(([n]) => n).sort().join() },
  { name: "filesystem and diskstats flags", argv: ["--collector.filesystem.mount-timeout=1m30s", "--collector.filesystem.fs-types-include=^ext4$", "--collector.diskstats.device-include=^sd"], check: (c: ReturnType<typeof run>) => c.settings.filesystemMountTimeoutMs === 90_000 && c.settings.filesystemFsTypesInclude === "^ext4$" && c.settings.diskstatsDeviceInclude === "^sd" },
  { name: "textfile directory and log flags", argv: ["--collector.textfile.directory=/var/lib/ne", "--log.level=debug", "--log.format=json"], check: (c: ReturnType<typeof run>) => c.settings.textfileDirectory === "/var/lib/ne" && c.logLevel === "debug" && c.logFormat === "json" },
  { name: "repeatable sysctl includes keep every value", argv: ["--collector.sysctl.include=fs.file-nr", "--collector.sysctl.include", "kernel.threads-max", "--collector.sysctl.include-info=kernel.seccomp.actions_avail"], check: (c: ReturnType<typeof run>) => c.settings.sysctlInclude.join() === "fs.file-nr,kernel.threads-max" && c.settings.sysctlIncludeInfo.join() === "kernel.seccomp.actions_avail" },
  { name: "arp and ipvs flags", argv: ["--no-collector.arp.netlink", "--collector.arp.device-exclude=nope", "--collector.ipvs.backend-labels=proto"], check: (c: ReturnType<typeof run>) => !c.settings.arpNetlink && c.settings.arpDeviceExclude === "nope" && c.settings.ipvsBackendLabels === "proto" },
  { name: "--web.config.file is passed on", argv: ["--web.config.file=/etc/ne/web.yml"], check: (c: ReturnType<typeof run>) => c.webConfigFile === "/etc/ne/web.yml" && run([]).webConfigFile === "" },
  { name: "timex stays unimplemented and is reported", argv: [], check: (c: ReturnType<typeof run>) => c.unimplemented.includes("timex") && c.collectors.some((x) => x.name === "zfs") },
];
for (const c of cases) test(`flags: ${c.name}`, () => assert.ok(c.check(run(c.argv))));

const errors = [
  { name: "unknown flag names it", argv: ["--collector.nope"], msg: "unknown long flag '--collector.nope'" },
  { name: "missing value", argv: ["--path.procfs"], msg: "expected argument for flag '--path.procfs'" },
  { name: "bad log level", argv: ["--log.level=loud"], msg: 'unrecognized log level "loud"' },
  { name: "bad duration", argv: ["--collector.filesystem.mount-timeout=5"], msg: "invalid duration \"5\" for flag '--collector.filesystem.mount-timeout'" },
];
for (const c of errors) {
  test(`flags: ${c.name}`, () => assert.throws(() => parseNodeExporterFlags(c.argv, "1.7.0"), (e: unknown) => e instanceof FlagError && e.message === c.msg));
}

test("flags: --help and --version", () => {
  assert.equal(parseNodeExporterFlags(["--help"], "1.7.0").kind, "help");
  assert.equal(parseNodeExporterFlags(["-h"], "1.7.0").kind, "help");
  const v = parseNodeExporterFlags(["--version"], "1.7.0");
  assert.ok(v.kind === "version" && v.text.startsWith("node_exporter, version 1.7.0"));
});
