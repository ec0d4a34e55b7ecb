/**
 * The container kit (deploy/docker): the entrypoint script's dispatch and
 * heap sizing, run with sh against a fake CLI; the real CLI through the
 * entrypoint (the guide's `... <image> promtool check rules ...`, gap G1);
 * the config reloader against a local HTTP server; and a lint of the
 * Dockerfile (sources exist and are in the build context, the entrypoint is
 * executable, the image conventions of the upstream images). The image
 * itself is built and run by test/deploy-image.test.ts where a Docker
 * engine answers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const repo = process.cwd();
const dockerDir = resolve(repo, "deploy/docker");
const entrypoint = join(dockerDir, "entrypoint.sh");
const reloader = join(dockerDir, "config-reloader.sh");

const tmp = mkdtempSync(join(tmpdir(), "promstack-deploy-docker-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

/** A fake `promstack` that prints its arguments and NODE_OPTIONS, one per line. */
const fakeBin = join(tmp, "fake-promstack");
writeFileSync(fakeBin, '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\necho "NODE_OPTIONS=${NODE_OPTIONS:-}"\n');
chmodSync(fakeBin, 0o755);

/** A cgroup root with the given files (relative path -> content). */
function cgroup(name: string, files: Record<string, string>): string {
  const dir = join(tmp, "cgroup-" + name);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}
const noLimit = cgroup("none", {});

interface EntrypointCase {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** The program name the script runs under (a symlink), default the script itself. */
  as?: string;
  want: string[];
  code?: number;
}

const gi = (n: number) => String(n * 1024 * 1024 * 1024);
const cases: EntrypointCase[] = [
  {
    name: "no arguments: the server with the upstream image's CMD",
    args: [],
    want: ["prometheus", "--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "NODE_OPTIONS="],
  },
  {
    name: "flags only (the guide's compose command): the server with exactly these flags",
    args: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.retention.time=7d", "--web.enable-lifecycle"],
    want: ["prometheus", "--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.retention.time=7d", "--web.enable-lifecycle", "NODE_OPTIONS="],
  },
  {
    name: "a leading promtool runs promtool (gap G1)",
    args: ["promtool", "check", "rules", "/etc/prometheus/recording_rules.yml"],
    want: ["promtool", "check", "rules", "/etc/prometheus/recording_rules.yml", "NODE_OPTIONS="],
  },
  {
    name: "a leading amtool runs amtool",
    args: ["amtool", "check-config", "/etc/alertmanager/alertmanager.yml"],
    want: ["amtool", "check-config", "/etc/alertmanager/alertmanager.yml", "NODE_OPTIONS="],
  },
  {
    name: "a leading node_exporter (upstream binary name) runs the node exporter",
    args: ["node_exporter", "--path.rootfs=/host"],
    want: ["node-exporter", "--path.rootfs=/host", "NODE_OPTIONS="],
  },
  {
    name: "PROMSTACK_COMPONENT=alertmanager, no arguments: the upstream Alertmanager image's CMD",
    args: [],
    env: { PROMSTACK_COMPONENT: "alertmanager" },
    want: ["alertmanager", "--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager", "NODE_OPTIONS="],
  },
  {
    name: "PROMSTACK_COMPONENT=alertmanager with the guide's flag-only args",
    args: ["--config.file=/etc/alertmanager/alertmanager.yml", "--cluster.peer=alertmanager-0.alertmanager.monitoring.svc:9094"],
    env: { PROMSTACK_COMPONENT: "alertmanager" },
    want: ["alertmanager", "--config.file=/etc/alertmanager/alertmanager.yml", "--cluster.peer=alertmanager-0.alertmanager.monitoring.svc:9094", "NODE_OPTIONS="],
  },
  {
    name: "PROMSTACK_COMPONENT=node-exporter, no arguments: no default flags (as upstream)",
    args: [],
    env: { PROMSTACK_COMPONENT: "node-exporter" },
    want: ["node-exporter", "NODE_OPTIONS="],
  },
  {
    name: "a leading component wins over PROMSTACK_COMPONENT",
    args: ["promtool", "--version"],
    env: { PROMSTACK_COMPONENT: "alertmanager" },
    want: ["promtool", "--version", "NODE_OPTIONS="],
  },
  {
    name: "another command runs as is (sh, wget, the config reloader)",
    args: ["echo", "hello", "world"],
    want: ["hello world"],
  },
  {
    name: "called as /bin/promtool: promtool with exactly these arguments",
    args: ["check", "config", "/etc/prometheus/prometheus.yml"],
    as: "promtool",
    want: ["promtool", "check", "config", "/etc/prometheus/prometheus.yml", "NODE_OPTIONS="],
  },
  {
    name: "called as /bin/prometheus without arguments: no image defaults (the binary's own)",
    args: [],
    as: "prometheus",
    want: ["prometheus", "NODE_OPTIONS="],
  },
  {
    name: "an unknown PROMSTACK_COMPONENT is an error",
    args: [],
    env: { PROMSTACK_COMPONENT: "grafana" },
    want: [],
    code: 2,
  },
  {
    name: "cgroup v2 limit of 32 GiB: old space 75 % (24 GiB)",
    args: ["--web.enable-lifecycle"],
    env: { PROMSTACK_CGROUP_ROOT: cgroup("v2-32g", { "memory.max": gi(32) + "\n" }) },
    want: ["prometheus", "--web.enable-lifecycle", "NODE_OPTIONS=--max-old-space-size=24576"],
  },
  {
    name: "cgroup v2 without a limit (max): V8's default",
    args: ["--web.enable-lifecycle"],
    env: { PROMSTACK_CGROUP_ROOT: cgroup("v2-max", { "memory.max": "max\n" }) },
    want: ["prometheus", "--web.enable-lifecycle", "NODE_OPTIONS="],
  },
  {
    name: "cgroup v1 limit of 16 GiB with PROMSTACK_HEAP_PERCENT=50",
    args: ["--web.enable-lifecycle"],
    env: { PROMSTACK_CGROUP_ROOT: cgroup("v1-16g", { "memory/memory.limit_in_bytes": gi(16) + "\n" }), PROMSTACK_HEAP_PERCENT: "50" },
    want: ["prometheus", "--web.enable-lifecycle", "NODE_OPTIONS=--max-old-space-size=8192"],
  },
  {
    name: "cgroup v1 unlimited (about 2^63): V8's default",
    args: ["--web.enable-lifecycle"],
    env: { PROMSTACK_CGROUP_ROOT: cgroup("v1-unlimited", { "memory/memory.limit_in_bytes": "9223372036854771712\n" }) },
    want: ["prometheus", "--web.enable-lifecycle", "NODE_OPTIONS="],
  },
  {
    name: "other NODE_OPTIONS are kept, the heap size appended",
    args: ["--web.enable-lifecycle"],
    env: { PROMSTACK_CGROUP_ROOT: cgroup("v2-1g", { "memory.max": gi(1) }), NODE_OPTIONS: "--enable-source-maps" },
    want: ["prometheus", "--web.enable-lifecycle", "NODE_OPTIONS=--enable-source-maps --max-old-space-size=768"],
  },
  {
    name: "an explicit --max-old-space-size in NODE_OPTIONS wins",
    args: ["--web.enable-lifecycle"],
    env: { PROMSTACK_CGROUP_ROOT: cgroup("v2-2g", { "memory.max": gi(2) }), NODE_OPTIONS: "--max-old-space-size=100" },
    want: ["prometheus", "--web.enable-lifecycle", "NODE_OPTIONS=--max-old-space-size=100"],
  },
  {
    name: "the heap is sized when called by an upstream binary name too",
    args: ["--version"],
    as: "node_exporter",
    env: { PROMSTACK_CGROUP_ROOT: cgroup("v2-256m", { "memory.max": String(256 * 1024 * 1024) }) },
    want: ["node-exporter", "--version", "NODE_OPTIONS=--max-old-space-size=192"],
  },
];

/** Runs the entrypoint with sh (dash on Debian, as in the image), under the program name `as`. */
async function entry(args: string[], env: Record<string, string>, as?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  let script = entrypoint;
  if (as !== undefined) {
    const dir = join(tmp, "as-" + as);
    mkdirSync(dir, { recursive: true });
    script = join(dir, as);
    if (!existsSync(script)) symlinkSync(entrypoint, script);
  }
  const base: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", PROMSTACK_BIN: fakeBin, PROMSTACK_CGROUP_ROOT: noLimit };
  // Invoke through the symlink itself (not `sh script`), as the image does.
  try {
    const r = await run(script, args, { env: { ...base, ...env } });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

for (const c of cases) {
  test(`entrypoint: ${c.name}`, async () => {
    const r = await entry(c.args, c.env ?? {}, c.as);
    assert.equal(r.code, c.code ?? 0, r.stderr);
    const lines = r.stdout === "" ? [] : r.stdout.replace(/\n$/, "").split("\n");
    assert.deepEqual(lines, c.want);
  });
}

test("entrypoint: the unknown-component error names the valid ones", async () => {
  const r = await entry([], { PROMSTACK_COMPONENT: "grafana" });
  assert.match(r.stderr, /unknown PROMSTACK_COMPONENT "grafana" \(one of prometheus, alertmanager, node-exporter, promtool, amtool, up\)/);
});

test("entrypoint with the real CLI: the guide's `<image> promtool check rules` line succeeds", async () => {
  const wrapper = join(tmp, "real-promstack");
  writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(repo, "bin/promstack"))} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const r = await run(entrypoint, ["promtool", "check", "rules", "config/prometheus/recording_rules.yml"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PROMSTACK_BIN: wrapper, PROMSTACK_CGROUP_ROOT: noLimit },
  });
  assert.match(r.stdout, /^Checking config\/prometheus\/recording_rules.yml$/m);
  assert.match(r.stdout, /^ {2}SUCCESS: 15 rules found$/m);
});

const localBuild = join(dockerDir, "build-local-base.sh");

test("scripts: POSIX sh syntax, executable in the repository", async () => {
  for (const s of [entrypoint, reloader, localBuild]) {
    await run("sh", ["-n", s]);
    assert.ok((statSync(s).mode & 0o111) !== 0, `${s} is not executable`);
  }
});

// --- config reloader -----------------------------------------------------------

/** A local /-/reload endpoint: answers with `status()` and resolves waiters on each POST. */
async function reloadEndpoint(status: () => number) {
  const posts: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    posts.push(`${req.method} ${req.url}`);
    res.statusCode = status();
    res.end();
    for (const w of waiters.filter((w) => posts.length >= w.n)) w.resolve();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const waitFor = (n: number, timeoutMs: number) =>
    new Promise<void>((resolvePromise, reject) => {
      if (posts.length >= n) return resolvePromise();
      const timer = setTimeout(() => reject(new Error(`${posts.length} reload requests after ${timeoutMs} ms, want ${n}`)), timeoutMs);
      waiters.push({ n, resolve: () => { clearTimeout(timer); resolvePromise(); } });
    });
  return { url: `http://127.0.0.1:${port}/-/reload`, posts, waitFor, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A directory laid out as the kubelet mounts a ConfigMap: files -> ..data/ -> ..<version>/. */
function configMapDir(name: string, files: Record<string, string>): { dir: string; update: (files: Record<string, string>) => void } {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  let version = 0;
  const update = (contents: Record<string, string>) => {
    version++;
    const v = `..2026_11_24_00_00_0${version}`;
    mkdirSync(join(dir, v));
    for (const [k, content] of Object.entries(contents)) writeFileSync(join(dir, v, k), content);
    // Atomic swap of ..data, as the kubelet does.
    symlinkSync(v, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    for (const k of Object.keys(contents)) if (!existsSync(join(dir, k))) symlinkSync(join("..data", k), join(dir, k));
  };
  update(files);
  return { dir, update };
}

test("config reloader: a ConfigMap update POSTs /-/reload once; a failed reload is retried", async () => {
  let answers = [200, 500, 200];
  const ep = await reloadEndpoint(() => answers.shift() ?? 200);
  const cm = configMapDir("cm-reload", { "prometheus.yml": "a: 1\n", "recording_rules.yml": "groups: []\n" });
  const child = spawn("sh", [reloader, `--watch=${cm.dir}`, `--reload-url=${ep.url}`, "--interval=0.2"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  try {
    await new Promise<void>((r) => child.stdout.once("data", () => r()));
    assert.match(out, /watching /);
    assert.equal(ep.posts.length, 0, "no reload before a change");
    cm.update({ "prometheus.yml": "a: 2\n", "recording_rules.yml": "groups: []\n" });
    await ep.waitFor(1, 30_000);
    assert.deepEqual(ep.posts, ["POST /-/reload"]);
    // The next change meets a 500 (say, an invalid file): retried until it succeeds.
    cm.update({ "prometheus.yml": "a: 3\n", "recording_rules.yml": "groups: []\n" });
    await ep.waitFor(3, 30_000);
    assert.deepEqual(ep.posts, ["POST /-/reload", "POST /-/reload", "POST /-/reload"]);
    assert.match(out, /reload failed, retrying/);
    assert.match(out, /configuration changed, reloaded/);
  } finally {
    child.kill("SIGTERM");
    await ep.close();
  }
});

const reloaderUsage = [
  { name: "no --watch", args: ["--reload-url=http://127.0.0.1:1/-/reload"], want: /at least one --watch/ },
  { name: "an unknown flag", args: ["--watch=/tmp", "--bogus"], want: /^usage: promstack-config-reloader/ },
];
for (const c of reloaderUsage) {
  test(`config reloader: ${c.name} is a usage error (exit 2)`, async () => {
    await assert.rejects(run("sh", [reloader, ...c.args]), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr, c.want);
      return true;
    });
  });
}

// --- Dockerfile lint -------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let cur = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (cur === "" && (line === "" || line.startsWith("#"))) continue;
    if (cur !== "" && line.startsWith("#")) continue;
    cur += (cur === "" ? "" : " ") + line.replace(/\\$/, "").trim();
    if (line.endsWith("\\")) continue;
    const m = /^(\w+)\s+(.*)$/.exec(cur);
    assert.ok(m, `not an instruction: ${cur}`);
    out.push({ op: m[1].toUpperCase(), args: m[2] });
    cur = "";
  }
  return out;
}

const dockerfile = instructions(readFileSync(join(dockerDir, "Dockerfile"), "utf8"));
const ignored = readFileSync(join(dockerDir, "Dockerfile.dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));
/** The instructions of the last (runtime) stage. */
const runtime = dockerfile.slice(dockerfile.map((i) => i.op).lastIndexOf("FROM"));

/** [sources, destination] of a COPY from the build context (not --from). */
function contextCopies(): Array<{ sources: string[]; dest: string }> {
  const out = [];
  for (const i of dockerfile.filter((i) => i.op === "COPY" && !i.args.startsWith("--from="))) {
    const parts = i.args.split(/\s+/).filter((p) => !p.startsWith("--"));
    out.push({ sources: parts.slice(0, -1), dest: parts[parts.length - 1] });
  }
  return out;
}

test("Dockerfile: every COPY source exists in the build context (the repository) and is not ignored", () => {
  const copies = contextCopies();
  assert.ok(copies.length >= 8);
  for (const c of copies) {
    for (const s of c.sources) {
      assert.ok(existsSync(join(repo, s)), `COPY source ${s} does not exist`);
      const top = s.replace(/\/$/, "").split("/")[0];
      assert.ok(!ignored.includes(top) && !ignored.includes(s.replace(/\/$/, "")), `COPY source ${s} is excluded by Dockerfile.dockerignore`);
    }
  }
});

test("Dockerfile: the entrypoint is a copied, executable script, and the reloader too", () => {
  const ep = runtime.find((i) => i.op === "ENTRYPOINT");
  assert.ok(ep, "no ENTRYPOINT");
  const argv = JSON.parse(ep.args) as string[];
  assert.deepEqual(argv, ["/usr/local/bin/promstack-entrypoint"]);
  const copies = contextCopies();
  for (const dest of [argv[0], "/usr/local/bin/promstack-config-reloader"]) {
    const c = copies.find((c) => c.dest === dest);
    assert.ok(c, `${dest} is not copied from the context`);
    assert.ok((statSync(join(repo, c.sources[0])).mode & 0o111) !== 0, `${c.sources[0]} is not executable`);
    assert.ok(runtime.some((i) => i.op === "RUN" && i.args.includes("chmod 0755") && i.args.includes(dest)), `${dest} is not made executable in the image`);
  }
});

test("Dockerfile: conventions of the upstream images (Debian/Node 20 base, UID 65534, WORKDIR /prometheus, wget, ports)", () => {
  const arg = dockerfile.find((i) => i.op === "ARG" && i.args.startsWith("NODE_IMAGE="));
  assert.equal(arg?.args, "NODE_IMAGE=node:20-slim");
  assert.equal(dockerfile.filter((i) => i.op === "FROM").length, 2, "multi-stage: build and runtime");
  assert.equal(runtime[0].args, "${NODE_IMAGE}");
  const last = (op: string) => runtime.filter((i) => i.op === op).at(-1)?.args;
  assert.equal(last("USER"), "65534:65534");
  assert.equal(last("WORKDIR"), "/prometheus");
  assert.equal(last("VOLUME"), '["/prometheus"]');
  assert.deepEqual(last("EXPOSE")?.split(/\s+/), ["9090", "9093", "9094", "9100"]);
  assert.ok(runtime.some((i) => i.op === "RUN" && /apt-get install .*\bwget\b/.test(i.args)), "wget is installed");
  assert.ok(runtime.some((i) => i.op === "RUN" && /npm install --global --omit=dev .*promstack\.tgz/.test(i.args)), "the npm package is installed");
  assert.ok(runtime.some((i) => i.op === "RUN" && /chown -R 65534:65534 \/prometheus \/alertmanager/.test(i.args)), "data directories are owned by 65534");
  const env = runtime.filter((i) => i.op === "ENV").map((i) => i.args).join(" ");
  assert.match(env, /PROMSTACK_COMPONENT=\$\{PROMSTACK_COMPONENT\}/);
  assert.equal(dockerfile.find((i) => i.op === "ARG" && i.args.startsWith("PROMSTACK_COMPONENT="))?.args, "PROMSTACK_COMPONENT=prometheus");
  // The upstream binaries' names, for --entrypoint /bin/promtool and kubectl exec.
  const links = runtime.find((i) => i.op === "RUN" && i.args.includes("ln -s /usr/local/bin/promstack-entrypoint"));
  assert.ok(links);
  for (const name of ["prometheus", "promtool", "alertmanager", "amtool", "node_exporter"]) assert.match(links.args, new RegExp(`\\b${name}\\b`));
});

test("Dockerfile: the build stage uses the package's own build and publishes what `npm pack` keeps", () => {
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { scripts: Record<string, string>; files: string[]; bin: Record<string, string> };
  assert.ok(pkg.scripts.build, "package.json has a build script");
  assert.ok(pkg.files.includes("bin/") && pkg.files.includes("dist/"));
  assert.equal(pkg.bin.promstack, "bin/promstack");
  assert.ok(dockerfile.some((i) => i.op === "RUN" && /npm ci --ignore-scripts/.test(i.args)));
  assert.ok(dockerfile.some((i) => i.op === "RUN" && /npm run build/.test(i.args) && /npm pack --ignore-scripts/.test(i.args)));
  // The shipped configuration lands at the upstream default paths.
  const copies = contextCopies();
  assert.ok(copies.some((c) => c.sources[0] === "config/prometheus/" && c.dest === "/etc/prometheus/"));
  assert.ok(copies.some((c) => c.sources[0] === "config/alertmanager/" && c.dest === "/etc/alertmanager/"));
});

test("build-local-base.sh: builds this Dockerfile on the local base through its NODE_IMAGE argument, and rejects unknown arguments", async () => {
  const text = readFileSync(localBuild, "utf8");
  assert.ok(dockerfile.some((i) => i.op === "ARG" && i.args.startsWith("NODE_IMAGE=")));
  assert.match(text, /-f deploy\/docker\/Dockerfile/);
  assert.match(text, /--build-arg "NODE_IMAGE=\$BASE_IMAGE"/);
  // The context it sends is the one Dockerfile.dockerignore describes.
  assert.match(text, /deploy\/docker\/Dockerfile\.dockerignore/);
  const r = await run("sh", [localBuild, "--bogus"]).then(
    () => assert.fail("accepted --bogus"),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^usage: .*build-local-base\.sh \[--base\]$/m);
});
