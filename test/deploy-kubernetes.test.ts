/**
 * The production kit on Kubernetes (deploy/kubernetes) and the Operator path
 * (deploy/helm): every object validates against the Kubernetes API schemas
 * (kubernetes-models), the manifests keep the guide's specs with
 * promstack's image, and they fit together: Service selectors match pod
 * labels, mounts match volumes, the ConfigMaps carry exactly the files the
 * args and rule_files name (and stay in sync with config/), the Alertmanager
 * peers resolve through the headless Service (G3), the RBAC covers what the
 * discovery roles in use list and watch.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, posix } from "node:path";
import { promisify } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { loadConfig } from "../src/config/index.ts";
import { relabel } from "../src/model/index.ts";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";

const run = promisify(execFile);
const repo = process.cwd();
const k8sDir = resolve(repo, "deploy/kubernetes");

/** The fields of Kubernetes objects the cross-checks read. */
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  resources?: unknown;
  livenessProbe?: { httpGet: { path: string; port: number } };
  readinessProbe?: { httpGet: { path: string; port: number } };
}
interface PodSpec {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: Array<{ name: string; configMap?: { name: string }; hostPath?: { path: string } }>;
}
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    serviceName?: string;
    replicas?: number;
    selector?: { matchLabels: Record<string, string> } & Record<string, string>;
    template?: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: Array<{ metadata: { name: string }; spec: unknown }>;
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
    ports?: Array<{ name: string; port: number; targetPort: number; protocol?: string }>;
    tls?: Array<{ hosts: string[]; secretName: string }>;
    rules?: Array<{ host: string; http: { paths: Array<{ backend: { service: { name: string; port: { number: number } } } }> } }>;
    groups?: Array<{ name: string; interval?: string; rules: Array<Record<string, unknown>> }>;
  };
  data?: Record<string, string>;
  rules?: Array<{ apiGroups?: string[]; resources?: string[]; verbs: string[]; nonResourceURLs?: string[] }>;
  roleRef?: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace: string }>;
}

interface Validatable {
  validate(): void;
}
const models: Record<string, new (data: never) => Validatable> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/StatefulSet": StatefulSet,
  "apps/v1/DaemonSet": DaemonSet,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "networking.k8s.io/v1/Ingress": Ingress,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

function docs(path: string): KubeObject[] {
  return parseAllDocuments(readFileSync(path, "utf8"))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}
const kustomization = parse(readFileSync(join(k8sDir, "kustomization.yaml"), "utf8")) as { resources: string[] };
const objects = kustomization.resources.flatMap((f) => docs(join(k8sDir, f)));
const find = (kind: string, name: string): KubeObject => {
  const o = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(o, `${kind}/${name} is in the kit`);
  return o;
};
const workloads = objects.filter((o) => o.kind === "StatefulSet" || o.kind === "DaemonSet");
const podSpec = (o: KubeObject): PodSpec => {
  assert.ok(o.spec?.template);
  return o.spec.template.spec;
};
const main = (o: KubeObject): Container => podSpec(o).containers[0];

/** The first ```yaml block after `marker` in the deployment guide, all its documents. */
function guideDocs(marker: string): KubeObject[] {
  const guide = readFileSync(resolve(repo, "../shared/deployment-guide.md"), "utf8");
  const at = guide.indexOf(marker);
  const m = /```yaml\n([\s\S]*?)```/.exec(guide.slice(at));
  assert.ok(at >= 0 && m, `the guide's block after ${marker}`);
  return parseAllDocuments(m[1]).map((d) => d.toJS() as KubeObject);
}

test("kubernetes: every object of the kustomization validates against the API schema (kubernetes-models)", () => {
  assert.equal(objects.length, 15);
  for (const o of objects) {
    const Model = models[`${o.apiVersion}/${o.kind}`];
    assert.ok(Model, `no model for ${o.apiVersion} ${o.kind}`);
    assert.doesNotThrow(() => new Model(o as never).validate(), `${o.kind}/${o.metadata.name}`);
    if (o.kind !== "Namespace" && o.kind !== "ClusterRole" && o.kind !== "ClusterRoleBinding") assert.equal(o.metadata.namespace, "monitoring", `${o.kind}/${o.metadata.name}`);
  }
});

test("kubernetes: the validation catches a schema violation (it is not vacuous)", () => {
  const broken = structuredClone(find("StatefulSet", "prometheus")) as unknown as { spec: { replicas: unknown } };
  broken.spec.replicas = "two";
  assert.throws(() => new StatefulSet(broken as never).validate(), /replicas/);
});

const kubectl = "/usr/bin/kubectl";
test("kubernetes: `kubectl kustomize` renders the same objects (apply -k works offline)", { skip: existsSync(kubectl) ? false : `${kubectl} is not installed` }, async () => {
  const r = await run(kubectl, ["kustomize", k8sDir], { maxBuffer: 16 << 20 });
  const rendered = parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject);
  const key = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
  assert.deepEqual(rendered.map(key).sort(), objects.map(key).sort());
});

test("kubernetes: the staging and production overlays render, validate, and change only what they say", { skip: existsSync(kubectl) ? false : `${kubectl} is not installed` }, async () => {
  const render = async (overlay: string): Promise<KubeObject[]> => {
    const r = await run(kubectl, ["kustomize", join(k8sDir, "..", "kubernetes-overlays", overlay)], { maxBuffer: 16 << 20 });
    const out = parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject);
    for (const o of out) assert.doesNotThrow(() => new models[`${o.apiVersion}/${o.kind}`]!(o as never).validate(), `${overlay}: ${o.kind}/${o.metadata.name}`);
    return out;
  };
  const get = (objs: KubeObject[], kind: string, name: string): KubeObject => objs.find((o) => o.kind === kind && o.metadata.name === name)!;
  const production = await render("production");
  assert.deepEqual(production, objects.map((o) => parse(JSON.stringify(o)) as KubeObject).sort((a, b) => production.findIndex((p) => p.kind === a.kind && p.metadata.name === a.metadata.name) - production.findIndex((p) => p.kind === b.kind && p.metadata.name === b.metadata.name)));
  const staging = await render("staging");
  assert.equal(staging.length, objects.length);
  const sts = get(staging, "StatefulSet", "prometheus");
  assert.equal(sts.spec?.replicas, 1);
  assert.ok(main(sts).args?.includes("--storage.tsdb.retention.time=15d"));
  assert.equal(get(staging, "Ingress", "prometheus").spec?.rules?.[0]?.host, "prometheus-staging.company.com");
  assert.equal(get(staging, "StatefulSet", "alertmanager").spec?.replicas, 3);
});

test("kubernetes: the ConfigMaps and the PrometheusRule are in sync with config/ (render.mjs --check)", async () => {
  await run(process.execPath, [join(k8sDir, "render.mjs"), "--check"]);
});

test("kubernetes: the guide's StatefulSet spec is kept: args, probes, resources, security context, volume claims", () => {
  const [g] = guideDocs("**Prometheus StatefulSet**");
  const ours = find("StatefulSet", "prometheus");
  assert.equal(ours.spec?.replicas, 2);
  assert.deepEqual(ours.spec?.selector, g.spec?.selector);
  const gc = main(g);
  const c = main(ours);
  for (const k of ["args", "ports", "volumeMounts", "resources", "livenessProbe", "readinessProbe"] as const) assert.deepEqual(c[k], gc[k], k);
  assert.deepEqual(podSpec(ours).securityContext, podSpec(g).securityContext);
  assert.equal(podSpec(ours).serviceAccountName, "prometheus");
  assert.deepEqual(ours.spec?.volumeClaimTemplates, g.spec?.volumeClaimTemplates);
  assert.match(c.image, /^promstack\/promstack:/);
});

test("kubernetes: the guide's Alertmanager StatefulSet is kept, with the component set by environment", () => {
  const [g] = guideDocs("### Deploy Alertmanager (HA)");
  const ours = find("StatefulSet", "alertmanager");
  assert.equal(ours.spec?.replicas, 3);
  const c = main(ours);
  assert.deepEqual(c.args, main(g).args);
  assert.deepEqual(c.volumeMounts, main(g).volumeMounts);
  assert.deepEqual(c.resources, main(g).resources);
  assert.deepEqual(ours.spec?.volumeClaimTemplates, g.spec?.volumeClaimTemplates);
  assert.deepEqual(c.env, [{ name: "PROMSTACK_COMPONENT", value: "alertmanager" }]);
});

test("kubernetes: the guide's Service, Ingress and RBAC are kept", () => {
  const [gs] = guideDocs("**Service (for Grafana");
  assert.deepEqual(find("Service", "prometheus").spec, gs.spec);
  const [gi] = guideDocs("**Ingress (for external access)**");
  const ing = find("Ingress", "prometheus");
  assert.deepEqual(ing.spec, gi.spec);
  for (const [k, v] of Object.entries(gi.metadata.annotations ?? {})) assert.equal(ing.metadata.annotations?.[k], v, k);
  const [gRole, gBinding] = guideDocs("**`k8s/rbac.yaml`**");
  assert.deepEqual(find("ClusterRole", "prometheus").rules, gRole.rules);
  assert.deepEqual(find("ClusterRoleBinding", "prometheus").subjects, gBinding.subjects);
  assert.deepEqual(find("ClusterRoleBinding", "prometheus").roleRef, gBinding.roleRef);
});

test("kubernetes: every Service selects the pods of a workload and targets their container ports", () => {
  for (const svc of objects.filter((o) => o.kind === "Service")) {
    const sel = svc.spec?.selector as Record<string, string>;
    const matches = workloads.filter((w) => Object.entries(sel).every(([k, v]) => w.spec?.template?.metadata.labels[k] === v));
    assert.equal(matches.length, 1, `Service ${svc.metadata.name} selects exactly one workload`);
    const ports = podSpec(matches[0]).containers.flatMap((c) => c.ports ?? []);
    for (const p of svc.spec?.ports ?? []) {
      assert.ok(ports.some((cp) => cp.containerPort === p.targetPort && (cp.protocol ?? "TCP") === (p.protocol ?? "TCP")), `Service ${svc.metadata.name} port ${p.name}`);
    }
  }
  for (const pdb of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
    const sel = pdb.spec?.selector?.matchLabels ?? {};
    assert.ok(workloads.some((w) => Object.entries(sel).every(([k, v]) => w.spec?.template?.metadata.labels[k] === v)), `PDB ${pdb.metadata.name}`);
  }
  for (const w of workloads) assert.deepEqual(w.spec?.selector?.matchLabels, w.spec?.template?.metadata.labels, `${w.metadata.name} selector`);
});

test("kubernetes: StatefulSets name headless Services; the Alertmanager peers resolve through it (G3)", () => {
  for (const s of objects.filter((o) => o.kind === "StatefulSet")) {
    const svc = find("Service", s.spec?.serviceName ?? "");
    assert.equal(svc.spec?.clusterIP, "None", `${s.metadata.name}'s serviceName ${svc.metadata.name} is headless (G10)`);
  }
  const am = find("StatefulSet", "alertmanager");
  const svc = find("Service", am.spec?.serviceName ?? "");
  assert.equal(svc.metadata.name, "alertmanager");
  assert.equal(svc.spec?.publishNotReadyAddresses, true, "peers find each other before they are ready");
  const args = main(am).args ?? [];
  const listen = args.find((a) => a.startsWith("--cluster.listen-address="))?.split(":").at(-1);
  const peers = args.filter((a) => a.startsWith("--cluster.peer=")).map((a) => a.slice("--cluster.peer=".length));
  const want = Array.from({ length: am.spec?.replicas ?? 0 }, (_, i) => `alertmanager-${i}.${svc.metadata.name}.${svc.metadata.namespace}.svc:${listen}`);
  assert.deepEqual(peers, want);
  assert.ok(svc.spec?.ports?.some((p) => String(p.port) === listen && (p.protocol ?? "TCP") === "TCP"));
  assert.ok(svc.spec?.ports?.some((p) => String(p.port) === listen && p.protocol === "UDP"), "gossip over UDP too");
});

test("kubernetes: every mount names a volume or claim; every ConfigMap volume names a ConfigMap of the kit", () => {
  for (const w of workloads) {
    const spec = podSpec(w);
    const names = new Set([...(spec.volumes ?? []).map((v) => v.name), ...(w.spec?.volumeClaimTemplates ?? []).map((v) => v.metadata.name)]);
    for (const c of spec.containers) for (const m of c.volumeMounts ?? []) assert.ok(names.has(m.name), `${w.metadata.name}/${c.name} mounts ${m.name}`);
    for (const v of spec.volumes ?? []) if (v.configMap) find("ConfigMap", v.configMap.name);
  }
});

/** The directory a container mounts the named ConfigMap at. */
function configMountPath(w: KubeObject, c: Container, configMap: string): string {
  const vol = podSpec(w).volumes?.find((v) => v.configMap?.name === configMap);
  assert.ok(vol, `${w.metadata.name} mounts ${configMap}`);
  const m = c.volumeMounts?.find((m) => m.name === vol.name);
  assert.ok(m);
  return m.mountPath;
}
const flagValue = (c: Container, flag: string) => c.args?.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);

test("kubernetes: --config.file and the rule files resolve to keys of the mounted ConfigMaps; data paths to the claims", () => {
  const prom = find("StatefulSet", "prometheus");
  const pc = main(prom);
  const promCM = find("ConfigMap", "prometheus-config");
  const configFile = flagValue(pc, "config.file") ?? "";
  assert.equal(posix.dirname(configFile), configMountPath(prom, pc, "prometheus-config"));
  assert.deepEqual(Object.keys(promCM.data ?? {}).sort(), ["alerting_rules.yml", "prometheus.yml", "recording_rules.yml"]);
  assert.ok(posix.basename(configFile) in (promCM.data ?? {}));
  const cfg = parse(promCM.data?.["prometheus.yml"] ?? "") as { rule_files: string[] };
  for (const r of cfg.rule_files) assert.ok(r in (promCM.data ?? {}), `rule file ${r} is a key of prometheus-config`);
  assert.equal(flagValue(pc, "storage.tsdb.path"), pc.volumeMounts?.find((m) => m.name === "data")?.mountPath);

  const am = find("StatefulSet", "alertmanager");
  const ac = main(am);
  const amFile = flagValue(ac, "config.file") ?? "";
  assert.equal(posix.dirname(amFile), configMountPath(am, ac, "alertmanager-config"));
  assert.deepEqual(Object.keys(find("ConfigMap", "alertmanager-config").data ?? {}), [posix.basename(amFile)]);
  assert.equal(flagValue(ac, "storage.path"), ac.volumeMounts?.find((m) => m.name === "data")?.mountPath);

  // The reloader sidecars watch the same directories and reload their own daemon (G7).
  for (const [w, port, cm] of [[prom, 9090, "prometheus-config"], [am, 9093, "alertmanager-config"]] as const) {
    const r = podSpec(w).containers.find((c) => c.name === "config-reloader");
    assert.ok(r, `${w.metadata.name} has a config reloader`);
    assert.equal(r.args?.[0], "promstack-config-reloader");
    assert.ok(r.args?.includes(`--watch=${configMountPath(w, main(w), cm)}`));
    assert.ok(r.args?.includes(`--reload-url=http://localhost:${port}/-/reload`));
    assert.ok(main(w).ports?.some((p) => p.containerPort === port));
  }
  assert.ok(pc.args?.includes("--web.enable-lifecycle"), "the reload endpoint is enabled");
});

test("kubernetes: prometheus.yml of the ConfigMap passes promtool check config with its rule files beside it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-k8s-etc-"));
  try {
    for (const [k, v] of Object.entries(find("ConfigMap", "prometheus-config").data ?? {})) writeFileSync(join(dir, k), v);
    const r = await run(process.execPath, ["bin/promstack", "promtool", "check", "config", join(dir, "prometheus.yml")]);
    assert.match(r.stdout, /^ {2}SUCCESS: 2 rule files found$/m);
    assert.match(r.stdout, /^ {2}SUCCESS: 15 rules found$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Debian's promtool is built without Kubernetes discovery, so it cannot check this file.
});

test("kubernetes: each server replica labels its series with its pod name and drops that label from alerts (checks 36, 37)", () => {
  const text = find("ConfigMap", "prometheus-config").data?.["prometheus.yml"] ?? "";
  const env = podSpec(find("StatefulSet", "prometheus")).containers[0]!.env ?? [];
  assert.equal(env.find((e) => e.name === "POD_NAME")?.valueFrom?.fieldRef?.fieldPath, "metadata.name");
  const labels = (pod: string) => loadConfig(text, "prometheus.yml", { env: { POD_NAME: pod } }).global.externalLabels;
  assert.equal(labels("prometheus-0").get("replica"), "prometheus-0");
  assert.equal(labels("prometheus-1").get("replica"), "prometheus-1");
  const cfg = loadConfig(text, "prometheus.yml", { env: { POD_NAME: "prometheus-0" } });
  const alertLabels = relabel(labels("prometheus-0"), cfg.alerting.alertRelabelConfigs);
  assert.ok(alertLabels !== null && !alertLabels.has("replica") && alertLabels.get("environment") === "production");
});

/** The resources each discovery role lists and watches (src/discovery/kubernetes.ts). */
const roleResources: Record<string, string[]> = {
  pod: ["pods"],
  service: ["services"],
  endpoints: ["endpoints", "services", "pods"],
  endpointslice: ["endpointslices", "services", "pods"],
  node: ["nodes"],
  ingress: ["ingresses"],
};

test("kubernetes: the ClusterRole covers the discovery roles in use and grants nothing they do not need beyond the guide's", () => {
  const cm = find("ConfigMap", "prometheus-config");
  const text = cm.data?.["prometheus.yml"] ?? "";
  const roles = new Set([...text.matchAll(/role:\s*(\w+)/g)].map((m) => m[1]));
  assert.deepEqual([...roles].sort(), ["endpoints", "node", "pod"]);
  const rules = find("ClusterRole", "prometheus").rules ?? [];
  const granted = new Set(rules.filter((r) => ["get", "list", "watch"].every((v) => r.verbs.includes(v))).flatMap((r) => r.resources ?? []));
  for (const role of roles) for (const res of roleResources[role]) assert.ok(granted.has(res), `${role} needs ${res}`);
  assert.ok(!granted.has("endpointslices") && !granted.has("ingresses"), "no grants for roles not in use");
  const binding = find("ClusterRoleBinding", "prometheus");
  const sa = find("ServiceAccount", "prometheus");
  assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: sa.metadata.namespace }]);
  assert.equal(podSpec(find("StatefulSet", "prometheus")).serviceAccountName, sa.metadata.name);
});

test("kubernetes: the Ingress terminates TLS for its host and sends it to the prometheus Service with basic auth", () => {
  const ing = find("Ingress", "prometheus");
  assert.deepEqual(ing.spec?.tls?.[0].hosts, [ing.spec?.rules?.[0].host]);
  const backend = ing.spec?.rules?.[0].http.paths[0].backend.service;
  const svc = find("Service", backend?.name ?? "");
  assert.ok(svc.spec?.ports?.some((p) => p.port === backend?.port.number));
  assert.equal(ing.metadata.annotations?.["nginx.ingress.kubernetes.io/auth-type"], "basic");
  assert.equal(ing.metadata.annotations?.["nginx.ingress.kubernetes.io/auth-secret"], "prometheus-basic-auth");
});

test("kubernetes: every container runs promstack's image; probes hit a declared port", () => {
  for (const w of workloads) {
    for (const c of podSpec(w).containers) {
      assert.match(c.image, /^promstack\/promstack:\d+\.\d+\.\d+$/, `${w.metadata.name}/${c.name}`);
      for (const p of [c.livenessProbe, c.readinessProbe]) if (p) assert.ok(c.ports?.some((cp) => cp.containerPort === p.httpGet.port), `${w.metadata.name}/${c.name} probe port`);
    }
  }
  const ne = find("DaemonSet", "node-exporter");
  assert.deepEqual(main(ne).env, [{ name: "PROMSTACK_COMPONENT", value: "node-exporter" }]);
});

// --- Operator path ------------------------------------------------------------------

const rule = docs(join(k8sDir, "prometheusrule-slo-alerts.yaml"));

test("PrometheusRule: the guide's slo-alerts rule with the release label the chart selects on (G2)", () => {
  assert.equal(rule.length, 1);
  const [g] = guideDocs("**Custom PrometheusRule**");
  const ours = rule[0];
  assert.equal(ours.apiVersion, g.apiVersion);
  assert.equal(ours.kind, "PrometheusRule");
  assert.equal(ours.metadata.name, g.metadata.name);
  assert.equal(ours.metadata.namespace, g.metadata.namespace);
  assert.equal(ours.metadata.labels?.release, "kube-prometheus-stack");
  const gGroup = g.spec?.groups?.[0];
  const group = ours.spec?.groups?.find((x) => x.name === gGroup?.name);
  assert.ok(group && gGroup);
  assert.equal(group.interval, gGroup.interval);
  const fast = group.rules.find((r) => r.alert === "SLOAvailabilityFastBurn");
  assert.deepEqual(fast, gGroup.rules[0]);
});

test("PrometheusRule: it records every slo: series its alerts read, and promtool accepts its groups", async () => {
  const groups = rule[0].spec?.groups ?? [];
  const recorded = new Set(groups.flatMap((g) => g.rules.map((r) => r.record)).filter((r) => typeof r === "string"));
  for (const g of groups) {
    for (const r of g.rules) {
      if (typeof r.alert !== "string") continue;
      for (const m of String(r.expr).matchAll(/slo:[\w:]+/g)) assert.ok(recorded.has(m[0]), `${r.alert} reads ${m[0]}`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "promstack-rule-"));
  try {
    const file = join(dir, "slo-alerts.yml");
    writeFileSync(file, JSON.stringify({ groups }));
    const r = await run(process.execPath, ["bin/promstack", "promtool", "check", "rules", file]);
    assert.match(r.stdout, /SUCCESS: 18 rules found/);
    if (existsSync("/usr/bin/promtool")) await run("/usr/bin/promtool", ["check", "rules", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface ImageValues {
  image: { registry: string; repository: string; tag: string };
}
const values = parse(readFileSync(resolve(repo, "deploy/helm/values-promstack.yaml"), "utf8")) as {
  prometheus: { prometheusSpec: ImageValues & { ruleSelectorNilUsesHelmValues: boolean } };
  alertmanager: { alertmanagerSpec: ImageValues };
  "prometheus-node-exporter": ImageValues;
};
const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version;

const helmCases = [
  { name: "prometheus", v: () => values.prometheus.prometheusSpec, repository: "promstack/prometheus", upstream: "v2.48.0" },
  { name: "alertmanager", v: () => values.alertmanager.alertmanagerSpec, repository: "promstack/alertmanager", upstream: "v0.26.0" },
  { name: "node exporter", v: () => values["prometheus-node-exporter"], repository: "promstack/node-exporter", upstream: "v1.7.0" },
];
for (const c of helmCases) {
  test(`helm values: the ${c.name} image is promstack's drop-in, tagged <upstream version>-promstack.<version>`, () => {
    const img = c.v().image;
    assert.equal(img.repository, c.repository);
    // The chart hands the tag to the Operator as the version it generates flags for.
    assert.equal(img.tag, `${c.upstream}-promstack.${version}`);
    assert.match(img.tag, /^v\d+\.\d+\.\d+-[0-9A-Za-z.-]+$/, "a semantic version the Operator parses");
  });
}

test("helm: values select rules without the release label too, and the README has the guide's install command", () => {
  assert.equal(values.prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues, false);
  const readme = readFileSync(resolve(repo, "deploy/helm/README.md"), "utf8");
  for (const needle of [
    "helm install kube-prometheus-stack prometheus-community/kube-prometheus-stack",
    "--set prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues=false",
    "--set prometheus.prometheusSpec.retention=30d",
    "--set prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage=500Gi",
    "--set alertmanager.enabled=true",
    "--set grafana.enabled=true",
    "-f deploy/helm/values-promstack.yaml",
    "--set prometheus.prometheusSpec.image.repository=promstack/prometheus",
    "kubectl apply -f deploy/kubernetes/prometheusrule-slo-alerts.yaml",
  ]) {
    assert.ok(readme.includes(needle), `README has ${needle}`);
  }
});
