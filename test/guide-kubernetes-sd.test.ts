/**
 * FEATURES.md section 4, checks 21 and 30 (and the replica label of 36/37)
 * in loopback form: the server process runs the Kubernetes kit's own
 * prometheus.yml (deploy/kubernetes/config/prometheus.yml, the file of the
 * `prometheus-config` ConfigMap) against a fake Kubernetes API server that
 * grants exactly what the kit's ClusterRole (deploy/kubernetes/rbac.yaml)
 * grants and answers 403 to anything else, as the real API server does for
 * the `prometheus` ServiceAccount.
 *
 * - check 21: the server discovers nodes, pods, services and endpoints, and
 *   no request of its gets a 403 (no EndpointSlice, Ingress or namespace
 *   list calls);
 * - check 30: the Alertmanagers come from the endpoints of the `alertmanager`
 *   Service (three pod addresses, never a load-balanced VIP): three active
 *   Alertmanagers, and each receives the alerts (the shipped Watchdog);
 * - the `replica: ${POD_NAME}` external label is expanded from the pod's
 *   environment and dropped from the alerts (checks 36 and 37).
 *
 * What a real cluster adds and this cannot: the API server's authentication
 * of the ServiceAccount token and RBAC evaluation itself (the fake applies
 * the ClusterRole's rules to the resource paths), in-cluster configuration
 * from /var/run/secrets (the test sets api_server instead; the in-cluster
 * path is a unit test of src/discovery), pod networking. The three
 * Alertmanager "pods" are three HTTP receivers on 127.0.0.1, 127.0.0.2 and
 * 127.0.0.3 (all loopback on Linux), on one port as pods of a StatefulSet are.
 *
 * The config's changes: `api_server` added to every kubernetes_sd_config
 * (the roles asserted to be the kit's), the scrape and evaluation intervals
 * and the rule groups' intervals 1s instead of 15s. The server runs with
 * --rules.alert.resend-delay=2s: the Watchdog fires at the first evaluation,
 * before discovery has delivered the Alertmanagers (at most every 5s, as
 * upstream), and would otherwise be sent again only after the default 1m.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { Daemon, answers200, freePorts, getJSON, waitFor } from "./fixtures/ha/processes.ts";

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
}

/** Resources of the core API group the kit's ClusterRole lets the server list and watch. */
function listWatchGrants(): Set<string> {
  const docs = parseAllDocuments(readFileSync("deploy/kubernetes/rbac.yaml", "utf8")).map((d) => d.toJS() as { kind: string; rules?: PolicyRule[] });
  const role = docs.find((d) => d.kind === "ClusterRole");
  assert.ok(role?.rules !== undefined, "the ClusterRole of rbac.yaml");
  return new Set(role.rules.filter((r) => (r.apiGroups ?? []).includes("") && ["list", "watch"].every((v) => r.verbs.includes(v))).flatMap((r) => r.resources ?? []));
}

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> & { name: string; namespace?: string } };

/** One request the fake API server got, with the status it answered. */
interface APIRequest {
  url: string;
  status: number;
}

/**
 * A Kubernetes API server for list and watch of the core group: lists give
 * the stored objects, watches stay open without events; a resource the
 * ClusterRole does not grant, or another API group, answers 403 Forbidden.
 */
async function fakeAPIServer(objects: Record<string, Obj[]>, grants: Set<string>): Promise<{ server: Server; url: string; requests: APIRequest[] }> {
  const requests: APIRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? "/", "http://x");
    const m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/([a-z]+)$/.exec(u.pathname);
    const answer = (status: number, body: unknown): void => {
      requests.push({ url: req.url ?? "", status });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (m === null || !grants.has(m[2]!)) {
      answer(403, { kind: "Status", apiVersion: "v1", status: "Failure", reason: "Forbidden", code: 403, message: `forbidden: User "system:serviceaccount:monitoring:prometheus" cannot list resource at ${u.pathname}` });
      return;
    }
    const namespace = m[1];
    const items = (objects[m[2]!] ?? []).filter((o) => namespace === undefined || o.metadata.namespace === namespace);
    const watch = u.searchParams.get("watch");
    if (watch === "1" || watch === "true") {
      requests.push({ url: req.url ?? "", status: 200 });
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      res.write("");
      return;
    }
    answer(200, { kind: "List", apiVersion: "v1", metadata: { resourceVersion: "100" }, items });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** A pod of a StatefulSet, running and ready at `ip`, with one container port. */
function pod(name: string, app: string, ip: string, portName: string, port: number, annotations: Record<string, string> = {}): Obj {
  return {
    metadata: { name, namespace: "monitoring", uid: `uid-${name}`, labels: { "app.kubernetes.io/name": app }, annotations },
    spec: { nodeName: "node-1", containers: [{ name: app, image: "promstack", ports: [{ name: portName, containerPort: port, protocol: "TCP" }] }] },
    status: { phase: "Running", podIP: ip, hostIP: "127.0.0.1", conditions: [{ type: "Ready", status: "True" }] },
  };
}

/** A Service and its Endpoints object over the given pods. */
function service(name: string, portName: string, port: number, pods: Obj[]): { svc: Obj; eps: Obj } {
  return {
    svc: { metadata: { name, namespace: "monitoring", labels: { "app.kubernetes.io/name": name } }, spec: { clusterIP: "None", ports: [{ name: portName, port, protocol: "TCP" }] } },
    eps: {
      metadata: { name, namespace: "monitoring", labels: { "app.kubernetes.io/name": name } },
      subsets: [
        {
          addresses: pods.map((p) => ({ ip: (p.status as { podIP: string }).podIP, nodeName: "node-1", targetRef: { kind: "Pod", name: p.metadata.name, namespace: "monitoring", uid: `uid-${p.metadata.name}` } })),
          ports: [{ name: portName, port, protocol: "TCP" }],
        },
      ],
    },
  };
}

/** An Alertmanager stand-in on `host`: takes alerts on /api/v2/alerts and serves /metrics. */
async function alertReceiver(host: string, port: number, got: Array<{ host: string; labels: Record<string, string> }>): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/api/v2/alerts") {
        for (const a of JSON.parse(body) as Array<{ labels: Record<string, string> }>) got.push({ host, labels: a.labels });
        res.writeHead(200).end();
      } else if (req.url === "/metrics") {
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end("# TYPE alertmanager_cluster_members gauge\nalertmanager_cluster_members 3\n");
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return server;
}

interface Targets {
  data: { activeTargets: Array<{ labels: Record<string, string>; scrapeUrl: string; health: string }> };
}

test("checks 21 and 30: the Kubernetes kit's config against an API server enforcing the kit's ClusterRole: no 403, three Alertmanagers from the headless Service's endpoints", { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-guide-k8s-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [serverPort, amPort, appPort] = await freePorts(3);

  // Three Alertmanager pods on one port, as a StatefulSet's.
  const got: Array<{ host: string; labels: Record<string, string> }> = [];
  const amHosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3"];
  const receivers = await Promise.all(amHosts.map((h) => alertReceiver(h, amPort!, got)));
  // An application pod annotated for scraping (the kubernetes-pods job), served by a receiver too.
  receivers.push(await alertReceiver("127.0.0.1", appPort!, got));
  t.after(() => receivers.forEach((r) => r.close()));

  const promPod = pod("prometheus-0", "prometheus", "127.0.0.1", "http", serverPort!);
  const amPods = amHosts.map((ip, i) => pod(`alertmanager-${i}`, "alertmanager", ip, "web", amPort!));
  const appPod = pod("demo-0", "demo", "127.0.0.1", "metrics", appPort!, { "prometheus.io/scrape": "true", "prometheus.io/port": String(appPort), "prometheus.io/path": "/metrics" });
  const headless = service("prometheus-headless", "http", serverPort!, [promPod]);
  const ams = service("alertmanager", "web", amPort!, amPods);
  const node = { metadata: { name: "node-1", labels: { "kubernetes.io/hostname": "node-1" } }, spec: {}, status: { addresses: [{ type: "InternalIP", address: "127.0.0.1" }, { type: "Hostname", address: "node-1" }] } };
  const grants = listWatchGrants();
  const api = await fakeAPIServer({ pods: [promPod, ...amPods, appPod], services: [headless.svc, ams.svc], endpoints: [headless.eps, ams.eps], nodes: [node] }, grants);
  t.after(() => {
    api.server.closeAllConnections();
    api.server.close();
  });

  // The kit's prometheus.yml with the API server's address and 1s intervals, next to the rule files.
  type SD = { kubernetes_sd_configs?: Array<Record<string, unknown>> };
  const kit = parse(readFileSync("deploy/kubernetes/config/prometheus.yml", "utf8")) as { global: Record<string, string>; alerting: { alertmanagers: SD[] }; scrape_configs: SD[] };
  const sds = [...kit.alerting.alertmanagers, ...kit.scrape_configs].flatMap((x) => x.kubernetes_sd_configs ?? []);
  assert.deepEqual(sds.map((c) => c.role), ["endpoints", "endpoints", "endpoints", "node", "pod"], "the kit's discovery roles");
  for (const c of sds) c.api_server = api.url;
  assert.deepEqual([kit.global.scrape_interval, kit.global.evaluation_interval], ["15s", "15s"]);
  kit.global.scrape_interval = "1s";
  kit.global.evaluation_interval = "1s";
  const cfg = stringify(kit);
  writeFileSync(join(dir, "prometheus.yml"), cfg);
  for (const f of ["recording_rules.yml", "alerting_rules.yml"]) {
    copyFileSync(join("config/prometheus", f), join(dir, f));
    writeFileSync(join(dir, f), readFileSync(join(dir, f), "utf8").replace(/(interval:\s*)15s/g, "$11s"));
  }

  const base = `http://127.0.0.1:${serverPort}`;
  const server = new Daemon(
    "prometheus-0",
    process.execPath,
    ["bin/promstack", "prometheus", `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${serverPort}`, "--web.enable-lifecycle", "--rules.alert.resend-delay=2s"],
    { PROMSTACK_HEAP_SIZED: "1", POD_NAME: "prometheus-0" },
  );
  t.after(() => server.stop("SIGKILL"));
  await waitFor("the server ready", () => answers200(`${base}/-/ready`), 60_000, [server]);

  await t.test("check 30: three active Alertmanagers, the pods behind the alertmanager Service", async () => {
    const want = amHosts.map((h) => `http://${h}:${amPort}/api/v2/alerts`).sort();
    await waitFor("three Alertmanagers discovered", async () => {
      const body = await getJSON<{ data: { activeAlertmanagers: Array<{ url: string }> } }>(`${base}/api/v1/alertmanagers`);
      return JSON.stringify(body.data.activeAlertmanagers.map((a) => a.url).sort()) === JSON.stringify(want);
    }, 30_000, [server]);
  });

  await t.test("check 21: targets of every role discovered, scraped with the kit's relabelling", async () => {
    await waitFor("every discovered target scraped", async () => {
      const ts = (await getJSON<Targets>(`${base}/api/v1/targets`)).data.activeTargets;
      const jobs = new Map<string, number>();
      for (const x of ts) jobs.set(x.labels.job!, (jobs.get(x.labels.job!) ?? 0) + 1);
      return jobs.get("prometheus") === 1 && jobs.get("alertmanager") === 3 && jobs.get("node-exporter") === 1 && jobs.get("kubernetes-pods") === 1 && ts.filter((x) => x.labels.job !== "node-exporter").every((x) => x.health === "up");
    }, 30_000, [server]);
    const ts = (await getJSON<Targets>(`${base}/api/v1/targets`)).data.activeTargets;
    const byJob = (job: string): Array<Targets["data"]["activeTargets"][number]> => ts.filter((x) => x.labels.job === job);
    assert.deepEqual(byJob("prometheus").map((x) => [x.labels.pod, x.scrapeUrl]), [["prometheus-0", `${base}/metrics`]]);
    assert.deepEqual(byJob("alertmanager").map((x) => x.labels.pod).sort(), ["alertmanager-0", "alertmanager-1", "alertmanager-2"]);
    assert.deepEqual(byJob("node-exporter").map((x) => [x.labels.node, x.scrapeUrl]), [["node-1", "http://127.0.0.1:9100/metrics"]]);
    assert.deepEqual(byJob("kubernetes-pods").map((x) => [x.labels.namespace, x.labels.pod, x.scrapeUrl]), [["monitoring", "demo-0", `http://127.0.0.1:${appPort}/metrics`]]);
  });

  await t.test("check 21: every API call is a list or watch the ClusterRole grants (no 403: no endpointslices, ingresses or namespaces)", () => {
    assert.ok(api.requests.length > 0);
    const forbidden = api.requests.filter((r) => r.status === 403);
    assert.deepEqual(forbidden, []);
    const resources = new Set(api.requests.map((r) => /\/([a-z]+)(?:\?|$)/.exec(r.url)![1]!));
    assert.deepEqual([...resources].sort(), ["endpoints", "nodes", "pods", "services"]);
    for (const r of resources) assert.ok(grants.has(r), r);
    assert.ok(api.requests.some((r) => /[?&]watch=(1|true)/.test(r.url)), "the server watches after listing");
  });

  await t.test("checks 30, 36, 37: the Watchdog reaches each Alertmanager pod, with the environment label and without the replica label", async () => {
    await waitFor("the Watchdog at all three Alertmanagers", () => amHosts.every((h) => got.some((a) => a.host === h && a.labels.alertname === "Watchdog")), 30_000, [server]);
    for (const a of got.filter((x) => x.labels.alertname === "Watchdog")) {
      assert.equal(a.labels.environment, "production");
      assert.equal(a.labels.replica, undefined, "replica dropped by alert_relabel_configs");
    }
    // The external label itself is the pod's name, expanded from POD_NAME.
    const flagsCfg = await getJSON<{ data: { yaml: string } }>(`${base}/api/v1/status/config`);
    assert.match(flagsCfg.data.yaml, /\n {4}replica: prometheus-0\n/);
  });
});
