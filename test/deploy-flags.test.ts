/**
 * Every flag the deployment kits pass to a daemon is one that promstack's
 * daemon accepts: the flags of the compose file, the ECS task definition,
 * the Kubernetes manifests, the image's default arguments, and the
 * arguments the Prometheus Operator and the node exporter chart generate
 * (kube-prometheus-stack path, DP12), checked against each command's --help.
 * A command that does not exist yet is skipped with the reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parse, parseAllDocuments } from "yaml";

const run = promisify(execFile);
const repo = process.cwd();
const deploy = resolve(repo, "deploy");

interface Usage {
  /** Where the arguments come from. */
  source: string;
  component: string;
  args: string[];
}
const usages: Usage[] = [];

// docker compose: the component is the image default (prometheus) unless PROMSTACK_COMPONENT says otherwise.
interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
}
const compose = parse(readFileSync(join(deploy, "compose/docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, ComposeService> };
for (const [name, s] of Object.entries(compose.services)) {
  // A service without a command runs the image's defaults, checked below.
  if (s.command === undefined) continue;
  usages.push({ source: `compose service ${name}`, component: s.environment?.PROMSTACK_COMPONENT ?? "prometheus", args: s.command });
}

// ECS
const task = JSON.parse(readFileSync(join(deploy, "ecs/ecs-prometheus-staging.json"), "utf8")) as {
  containerDefinitions: Array<{ name: string; command: string[]; environment?: Array<{ name: string; value: string }> }>;
};
for (const c of task.containerDefinitions) {
  const component = c.environment?.find((e) => e.name === "PROMSTACK_COMPONENT")?.value ?? "prometheus";
  usages.push({ source: `ECS container ${c.name}`, component, args: c.command });
}

// Kubernetes: the daemons' containers (the config reloader sidecars run another command, tested with the image).
interface Container {
  name: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
}
for (const f of ["prometheus.yaml", "alertmanager.yaml", "node-exporter.yaml"]) {
  for (const d of parseAllDocuments(readFileSync(join(deploy, "kubernetes", f), "utf8"))) {
    const o = d.toJS() as { kind: string; metadata: { name: string }; spec?: { template?: { spec: { containers: Container[] } } } };
    for (const c of o.spec?.template?.spec.containers ?? []) {
      if (c.args?.[0] === "promstack-config-reloader") continue;
      const component = c.env?.find((e) => e.name === "PROMSTACK_COMPONENT")?.value ?? "prometheus";
      usages.push({ source: `Kubernetes ${o.kind}/${o.metadata.name} container ${c.name}`, component, args: c.args ?? [] });
    }
  }
}

// The image's default arguments (entrypoint.sh: `<component>) set -- <flags> ;;`).
const entrypoint = readFileSync(join(deploy, "docker/entrypoint.sh"), "utf8");
for (const m of entrypoint.matchAll(/^\s*(prometheus|alertmanager)\) set -- (.*) ;;$/gm)) {
  usages.push({ source: `image defaults of ${m[1]}`, component: m[1], args: m[2].split(/\s+/) });
}

// What the Operator generates for a v2.48 Prometheus and a v0.26 Alertmanager, and the
// node exporter chart's DaemonSet arguments (kube-prometheus-stack path).
usages.push(
  {
    source: "Prometheus Operator (Prometheus v2.48)",
    component: "prometheus",
    args: [
      "--web.console.templates=/etc/prometheus/consoles",
      "--web.console.libraries=/etc/prometheus/console_libraries",
      "--config.file=/etc/prometheus/config_out/prometheus.env.yaml",
      "--web.enable-lifecycle",
      "--web.external-url=http://kube-prometheus-stack-prometheus.monitoring:9090",
      "--web.route-prefix=/",
      "--storage.tsdb.retention.time=30d",
      "--storage.tsdb.path=/prometheus",
      "--web.config.file=/etc/prometheus/web_config/web-config.yaml",
    ],
  },
  {
    source: "Prometheus Operator (Alertmanager v0.26)",
    component: "alertmanager",
    args: [
      "--config.file=/etc/alertmanager/config_out/alertmanager.env.yaml",
      "--storage.path=/alertmanager",
      "--data.retention=120h",
      "--cluster.listen-address=",
      "--web.listen-address=:9093",
      "--web.external-url=http://kube-prometheus-stack-alertmanager.monitoring:9093",
      "--web.route-prefix=/",
      "--cluster.label=monitoring/kube-prometheus-stack-alertmanager",
      "--cluster.peer=alertmanager-kube-prometheus-stack-alertmanager-0.alertmanager-operated:9094",
      "--cluster.reconnect-timeout=5m",
      "--web.config.file=/etc/alertmanager/web_config/web-config.yaml",
    ],
  },
  {
    source: "prometheus-node-exporter chart",
    component: "node-exporter",
    args: [
      "--path.procfs=/host/proc",
      "--path.sysfs=/host/sys",
      "--path.rootfs=/host/root",
      "--path.udev.data=/host/root/run/udev/data",
      "--web.listen-address=[$(HOST_IP)]:9100",
    ],
  },
);

/** The flag names a command's --help lists (`--[no-]name` lists both forms), or the reason it cannot be asked. */
const helpCache = new Map<string, Promise<Set<string> | string>>();
function flagsOf(component: string): Promise<Set<string> | string> {
  let p = helpCache.get(component);
  if (p === undefined) {
    p = run(process.execPath, ["bin/promstack", component, "--help"]).then(
      (r) => {
        const names = new Set<string>();
        for (const m of (r.stdout + r.stderr).matchAll(/--(\[no-\])?([A-Za-z0-9][\w.-]*)/g)) {
          names.add(m[2]);
          if (m[1] !== undefined) names.add("no-" + m[2]);
        }
        return names;
      },
      (e: { stderr?: string }) => `\`promstack ${component} --help\` fails (${(e.stderr ?? "").split("\n")[0]}): the command is not there yet`,
    );
    helpCache.set(component, p);
  }
  return p;
}

test("flags: the kits use the three daemons", () => {
  assert.deepEqual([...new Set(usages.map((u) => u.component))].sort(), ["alertmanager", "node-exporter", "prometheus"]);
  assert.ok(usages.every((u) => u.args.every((a) => a.startsWith("--"))), "daemon arguments are flags only");
});

for (const u of usages) {
  const flags = await flagsOf(u.component);
  test(`flags: ${u.source} → promstack ${u.component} accepts ${u.args.length} flags`, { skip: typeof flags === "string" ? flags : false }, () => {
    assert.ok(typeof flags !== "string");
    const unknown = u.args.map((a) => a.slice(2).split("=")[0]).filter((name) => !flags.has(name));
    assert.deepEqual(unknown, [], `flags not in \`promstack ${u.component} --help\``);
  });
}
