import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { FamilyBuilder, writeText } from "../../exposition/index.ts";
import { nopLogger } from "../../util/index.ts";
import { DEFAULT_SETTINGS, type CollectorSettings, newCollectorContext } from "./collector.ts";
import { type StatfsFn, type StatfsResult, filesystemCollector, newFilesystemCollector, parseMountInfo } from "./filesystem.ts";

const FIXTURE_PROC = path.resolve(process.cwd(), "../shared/reference/node-exporter/proc");
const ONE_GIB: StatfsResult = { bsize: 4096, blocks: 262144, bfree: 131072, bavail: 65536, files: 1000, ffree: 400 };

async function scrape(statfs: StatfsFn, settings: Partial<CollectorSettings>): Promise<string[]> {
  const ctx = newCollectorContext({ ...DEFAULT_SETTINGS, procfs: FIXTURE_PROC, ...settings }, nopLogger);
  const b = new FamilyBuilder();
  await newFilesystemCollector(statfs).create(ctx).collect(b.emit);
  assert.deepEqual(b.errors, []);
  return writeText(b.families()).split("\n");
}

test("filesystem: parses mountinfo with escapes, major:minor, options", () => {
  const mounts = parseMountInfo(readFileSync(path.join(FIXTURE_PROC, "1/mountinfo"), "utf8"));
  assert.equal(mounts.length, 32);
  const root = mounts.find((m) => m.mountPoint === "/")!;
  assert.deepEqual(root, { device: "/dev/dm-2", mountPoint: "/", fsType: "ext4", mountOptions: ["rw", "relatime"], superOptions: ["errors=remount-ro", "data=ordered"], major: "259", minor: "2" });
  assert.ok(mounts.some((m) => m.mountPoint.includes("[vsanDatastore] bafb9e5a")));
  assert.ok(mounts.some((m) => m.mountPoint.includes("[vsanDatastore]\tbafb9e5a")));
  assert.throws(() => parseMountInfo("1 2 3:4 / /x rw - ext4\n"), /too few fields/);
});

const filterCases = [
  {
    name: "default excludes keep only real filesystems",
    settings: {},
    want: ["/", "/boot", "/run", "/run/lock", "/run/user/1000", "/run/user/1000/gvfs", "/dev/shm"].filter((m) => !/^\/(dev|proc|sys)($|\/)/.test(m)),
    alsoKubelet: true,
  },
  { name: "fs-types-include replaces the default exclude", settings: { filesystemFsTypesInclude: "^ext[24]$" }, want: ["/", "/boot"], alsoKubelet: true },
  { name: "mount-points-include replaces the default exclude", settings: { filesystemMountPointsInclude: "^/boot$" }, want: ["/boot"], alsoKubelet: false },
];
for (const c of filterCases) {
  test(`filesystem: ${c.name}`, async () => {
    const lines = await scrape(async () => ONE_GIB, c.settings);
    const mps = lines.filter((l) => l.startsWith("node_filesystem_device_error{")).map((l) => /mountpoint="([^"]*)"/.exec(l)![1]!);
    const kubelet = mps.filter((m) => m.startsWith("/var/lib/kubelet"));
    assert.deepEqual(mps.filter((m) => !m.startsWith("/var/lib/kubelet")).sort(), [...c.want].sort());
    assert.equal(kubelet.length, c.alsoKubelet ? 2 : 0);
  });
}

test("filesystem: values, labels and mount_info of a healthy mount", async () => {
  const lines = await scrape(async () => ONE_GIB, { filesystemMountPointsInclude: "^/$" });
  const l = 'device="/dev/dm-2",device_error="",fstype="ext4",mountpoint="/"';
  for (const want of [
    `node_filesystem_size_bytes{${l}} 1.073741824e+09`,
    `node_filesystem_free_bytes{${l}} 5.36870912e+08`,
    `node_filesystem_avail_bytes{${l}} 2.68435456e+08`,
    `node_filesystem_files{${l}} 1000`,
    `node_filesystem_files_free{${l}} 400`,
    `node_filesystem_readonly{${l}} 0`,
    `node_filesystem_device_error{${l}} 0`,
    'node_filesystem_mount_info{device="/dev/dm-2",major="259",minor="2",mountpoint="/"} 1',
  ]) {
    assert.ok(lines.includes(want), `missing ${want}`);
  }
});

test("filesystem: --path.rootfs is joined for statfs and stripped from labels", async () => {
  const seen: string[] = [];
  const lines = await scrape(async (p) => (seen.push(p), ONE_GIB), { rootfs: "/run", filesystemFsTypesInclude: "^tmpfs$" });
  assert.ok(seen.includes("/run/lock"), `statfs paths: ${seen.join()}`);
  // /run itself becomes "/", /run/lock becomes "/lock".
  assert.ok(lines.some((l) => l.startsWith("node_filesystem_size_bytes{") && l.includes('mountpoint="/"') && l.includes('fstype="tmpfs"')));
  assert.ok(lines.some((l) => l.includes('mountpoint="/lock"')));
});

test("filesystem: a failing statfs is a device error with the errno text, and read-only comes from options", async () => {
  const lines = await scrape(
    async () => {
      throw Object.assign(new Error("EACCES: permission denied, statfs '/boot'"), { code: "EACCES", errno: -13 });
    },
    { filesystemMountPointsInclude: "^/(boot|sys/fs/cgroup)$", filesystemFsTypesInclude: "^(ext2|tmpfs)$" },
  );
  assert.ok(lines.includes('node_filesystem_device_error{device="/dev/sda3",device_error="permission denied",fstype="ext2",mountpoint="/boot"} 1'));
  assert.ok(lines.includes('node_filesystem_readonly{device="tmpfs",device_error="permission denied",fstype="tmpfs",mountpoint="/sys/fs/cgroup"} 1'));
  assert.ok(!lines.some((l) => l.startsWith("node_filesystem_size_bytes{")));
});

test("filesystem: a hung statfs times out, is skipped while stuck, and recovers", async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    let release: (r: StatfsResult) => void = () => {};
    let called: () => void = () => {};
    let calls = 0;
    const statfs: StatfsFn = () => {
      calls++;
      called();
      return calls === 1 ? new Promise((resolve) => (release = resolve)) : Promise.resolve(ONE_GIB);
    };
    const ctx = newCollectorContext({ ...DEFAULT_SETTINGS, procfs: FIXTURE_PROC, filesystemMountPointsInclude: "^/boot$", filesystemMountTimeoutMs: 5000 }, nopLogger);
    const collector = newFilesystemCollector(statfs).create(ctx);
    const run = async (hangs: boolean): Promise<string[]> => {
      const b = new FamilyBuilder();
      const inStatfs = new Promise<void>((r) => (called = r));
      const p = collector.collect(b.emit);
      if (hangs) {
        // Once statfs is in flight, fire the mount timeout on the mocked clock.
        await inStatfs;
        mock.timers.tick(5000);
      }
      await p;
      return writeText(b.families()).split("\n");
    };
    const stuck = 'node_filesystem_device_error{device="/dev/sda3",device_error="mountpoint timeout",fstype="ext2",mountpoint="/boot"} 1';
    assert.ok((await run(true)).includes(stuck));
    assert.ok((await run(false)).includes(stuck));
    assert.equal(calls, 1, "a stuck mount point is not statted again");
    release(ONE_GIB);
    await new Promise((r) => setImmediate(r));
    const after = await run(false);
    assert.ok(after.includes('node_filesystem_device_error{device="/dev/sda3",device_error="",fstype="ext2",mountpoint="/boot"} 0'));
    assert.equal(calls, 2);
  } finally {
    mock.timers.reset();
  }
});

test("filesystem: mutually exclusive include and exclude flags are rejected", () => {
  const ctx = newCollectorContext({ ...DEFAULT_SETTINGS, filesystemMountPointsExclude: "^/x", filesystemMountPointsInclude: "^/y" }, nopLogger);
  assert.throws(() => filesystemCollector.create(ctx), /mount-points-exclude and --collector.filesystem.mount-points-include are mutually exclusive/);
});

test("filesystem: this machine's mounts with the real statfs", async () => {
  const ctx = newCollectorContext({ ...DEFAULT_SETTINGS }, nopLogger);
  const mounts = parseMountInfo(readFileSync("/proc/1/mountinfo", "utf8"));
  const b = new FamilyBuilder();
  await filesystemCollector.create(ctx).collect(b.emit);
  assert.deepEqual(b.errors, []);
  const lines = writeText(b.families()).split("\n");
  const root = mounts.find((m) => m.mountPoint === "/");
  if (root === undefined || /^(overlay|rootfs)$/.test(root.fsType)) {
    // In a container whose / is an overlay, / is excluded by default: only check the output parses.
    assert.ok(lines.some((l) => l.startsWith("# TYPE node_filesystem_device_error gauge")) || lines.length <= 1);
    return;
  }
  const size = lines.find((l) => l.startsWith("node_filesystem_size_bytes{") && l.includes('mountpoint="/"'));
  assert.ok(size !== undefined, "no size for /");
  assert.ok(Number(size.split(" ").at(-1)) > 0);
  const avail = Number(lines.find((l) => l.startsWith("node_filesystem_avail_bytes{") && l.includes('mountpoint="/"'))!.split(" ").at(-1));
  const free = Number(lines.find((l) => l.startsWith("node_filesystem_free_bytes{") && l.includes('mountpoint="/"'))!.split(" ").at(-1));
  assert.ok(avail <= free && free <= Number(size.split(" ").at(-1)));
});
