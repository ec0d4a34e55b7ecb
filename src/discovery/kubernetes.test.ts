import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newHTTPClientConfig, parseURL } from "../config/index.ts";
import type { KubernetesSDConfig } from "../config/index.ts";
import { VirtualClock, nopLogger } from "../util/index.ts";
import { KubernetesDiscoverer } from "./kubernetes.ts";
import { DiscoveryMetrics } from "./index.ts";
import type { TargetGroup } from "./index.ts";

// ---- a fake API server speaking the list/watch protocol -----------------------

type Obj = { metadata: { name: string; namespace?: string; resourceVersion?: string } & Record<string, unknown> } & Record<string, unknown>;

interface Watch {
  plural: string;
  namespace: string;
  res: ServerResponse;
}

/**
 * Serves /api/v1 and /apis/<group>/<version> lists (with limit/continue
 * pages) and watches (`watch=1&resourceVersion=N`, one JSON event per
 * line). `expire()` ends every watch with a 410 ERROR event and makes
 * resource versions older than now answer 410 Gone, forcing a re-list.
 */
async function apiServer() {
  let rv = 100;
  let oldestRV = 0;
  const store = new Map<string, Map<string, Obj>>();
  const watches: Watch[] = [];
  const requests: Array<{ url: string; auth: string }> = [];
  const keyOf = (o: Obj): string => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", auth: req.headers.authorization ?? "" });
    const u = new URL(req.url ?? "/", "http://x");
    const m = /^\/(?:api\/v1|apis\/[^/]+\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)$/.exec(u.pathname);
    if (m === null) {
      res.writeHead(404).end();
      return;
    }
    const namespace = m[1] ?? "";
    const plural = m[2]!;
    const items = [...(store.get(plural)?.values() ?? [])].filter((o) => namespace === "" || o.metadata.namespace === namespace);
    if (u.searchParams.get("watch") === "1") {
      if (Number(u.searchParams.get("resourceVersion")) < oldestRV) {
        res.writeHead(410, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Status", code: 410, reason: "Expired", message: "too old resource version" }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      res.write("");
      const w = { plural, namespace, res };
      watches.push(w);
      res.on("close", () => {
        const i = watches.indexOf(w);
        if (i >= 0) watches.splice(i, 1);
      });
      return;
    }
    const limit = Number(u.searchParams.get("limit") ?? "0") || items.length;
    const start = Number(u.searchParams.get("continue") ?? "0");
    const page = items.slice(start, start + limit);
    const more = start + limit < items.length;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "List", apiVersion: "v1", metadata: { resourceVersion: String(rv), ...(more ? { continue: String(start + limit) } : {}) }, items: page }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const notify = (plural: string, type: string, o: Obj): void => {
    for (const w of watches) {
      if (w.plural === plural && !w.res.writableEnded && (w.namespace === "" || w.namespace === o.metadata.namespace)) w.res.write(`${JSON.stringify({ type, object: o })}\n`);
    }
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    watchCount: () => watches.length,
    /** Creates or replaces an object, as the API would, and tells the watchers. */
    apply(plural: string, obj: Obj): void {
      const o = structuredClone(obj);
      o.metadata.resourceVersion = String(++rv);
      const m = store.get(plural) ?? new Map<string, Obj>();
      store.set(plural, m);
      const type = m.has(keyOf(o)) ? "MODIFIED" : "ADDED";
      m.set(keyOf(o), o);
      notify(plural, type, o);
    },
    remove(plural: string, namespace: string, name: string): void {
      const m = store.get(plural);
      const o = m?.get(`${namespace}/${name}`);
      if (m === undefined || o === undefined) return;
      m.delete(`${namespace}/${name}`);
      o.metadata.resourceVersion = String(++rv);
      notify(plural, "DELETED", o);
    },
    expire(): void {
      oldestRV = rv + 1;
      for (const w of watches.splice(0)) w.res.end(`${JSON.stringify({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired", message: "too old" } })}\n`);
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Resolves once `pred` holds, checking after each turn of the event loop; rejects after 5 s. */
async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setTimeout(r, 2));
  }
}

function config(role: string, over: Partial<KubernetesSDConfig> = {}): KubernetesSDConfig {
  return {
    mechanism: "kubernetes",
    apiServer: null,
    role,
    kubeconfigFile: "",
    httpClientConfig: newHTTPClientConfig(),
    namespaces: { ownNamespace: false, names: null },
    selectors: null,
    attachMetadata: { node: false, namespace: false },
    ...over,
  };
}

/** Runs a discoverer; `groups` is what a consumer keeps: the latest group per source. */
function run(cfg: KubernetesSDConfig) {
  const metrics = new DiscoveryMetrics();
  const d = new KubernetesDiscoverer(cfg, { logger: nopLogger, clock: new VirtualClock(0), metrics, setName: "job" });
  const groups = new Map<string, TargetGroup>();
  let sends = 0;
  const abort = new AbortController();
  const done = d.run(abort.signal, (gs) => {
    sends++;
    for (const g of gs) groups.set(g.source, g);
  });
  return { groups, metrics, sends: () => sends, stop: () => (abort.abort(), done) };
}

function plain(g: TargetGroup | undefined): unknown {
  if (g === undefined) return undefined;
  return { labels: g.labels.toObject(), targets: g.targets.map((t) => t.toObject()) };
}

// ---- fixtures: objects shaped as the API serves them -------------------------

const pod: Obj = {
  metadata: {
    name: "web-0",
    namespace: "default",
    uid: "uid-web-0",
    labels: { "app.kubernetes.io/name": "web", tier: "front" },
    annotations: { "prometheus.io/scrape": "true" },
    ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "uid-sts", controller: true, blockOwnerDeletion: true }],
  },
  spec: {
    nodeName: "node-1",
    containers: [
      {
        name: "app",
        image: "app:1",
        ports: [
          { name: "http", containerPort: 8080, protocol: "TCP" },
          { name: "metrics", containerPort: 9090, protocol: "TCP" },
        ],
      },
      { name: "sidecar", image: "side:1" },
    ],
    initContainers: [{ name: "init", image: "init:1" }],
  },
  status: {
    phase: "Running",
    podIP: "10.1.0.5",
    podIPs: [{ ip: "10.1.0.5" }, { ip: "fd00::5" }],
    hostIP: "192.168.0.10",
    conditions: [
      { type: "Initialized", status: "True" },
      { type: "Ready", status: "True" },
    ],
    containerStatuses: [
      { name: "app", containerID: "containerd://abc", ready: true },
      { name: "sidecar", containerID: "containerd://def", ready: true },
    ],
    initContainerStatuses: [{ name: "init", containerID: "containerd://000" }],
  },
};

/** The labels upstream's podLabels gives the fixture pod. */
const podMeta = {
  __meta_kubernetes_pod_name: "web-0",
  __meta_kubernetes_pod_ip: "10.1.0.5",
  __meta_kubernetes_pod_ipv4: "10.1.0.5",
  __meta_kubernetes_pod_ipv6: "fd00::5",
  __meta_kubernetes_pod_ready: "true",
  __meta_kubernetes_pod_phase: "Running",
  __meta_kubernetes_pod_node_name: "node-1",
  __meta_kubernetes_pod_host_ip: "192.168.0.10",
  __meta_kubernetes_pod_uid: "uid-web-0",
  __meta_kubernetes_pod_label_app_kubernetes_io_name: "web",
  __meta_kubernetes_pod_labelpresent_app_kubernetes_io_name: "true",
  __meta_kubernetes_pod_label_tier: "front",
  __meta_kubernetes_pod_labelpresent_tier: "true",
  __meta_kubernetes_pod_annotation_prometheus_io_scrape: "true",
  __meta_kubernetes_pod_annotationpresent_prometheus_io_scrape: "true",
  __meta_kubernetes_pod_controller_kind: "StatefulSet",
  __meta_kubernetes_pod_controller_name: "web",
};

const service: Obj = {
  metadata: { name: "web", namespace: "default", labels: { "app/name": "web" } },
  spec: { type: "ClusterIP", clusterIP: "10.96.0.10", ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }] },
};

const serviceMeta = {
  __meta_kubernetes_namespace: "default",
  __meta_kubernetes_service_name: "web",
  __meta_kubernetes_service_label_app_name: "web",
  __meta_kubernetes_service_labelpresent_app_name: "true",
};

const endpoints: Obj = {
  metadata: { name: "web", namespace: "default", annotations: { "test.annotation": "test" } },
  subsets: [
    {
      addresses: [
        { ip: "10.1.0.5", nodeName: "node-1", targetRef: { kind: "Pod", name: "web-0", namespace: "default", uid: "uid-web-0" } },
        { ip: "192.168.0.20", targetRef: { kind: "Node", name: "node-2" } },
      ],
      notReadyAddresses: [{ ip: "10.1.0.6", hostname: "web-1" }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    },
  ],
};

const node: Obj = {
  metadata: { name: "node-1", labels: { "kubernetes.io/hostname": "node-1", "topology.kubernetes.io/zone": "z1" } },
  spec: { providerID: "aws:///eu-west-1a/i-1" },
  status: {
    addresses: [
      { type: "InternalIP", address: "192.168.0.10" },
      { type: "Hostname", address: "node-1" },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
  },
};

function inCluster(t: { after: (fn: () => void) => void }): { dir: string; serviceAccountDir: string } {
  const dir = mkdtempSync(join(tmpdir(), "k8s-sa-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "token"), "sa-token\n");
  writeFileSync(join(dir, "namespace"), "default");
  return { dir, serviceAccountDir: dir };
}

// ---- tests ----------------------------------------------------------------------

test("kubernetes_sd: pod role with a bearer token file and a namespace list, list then watch", async (t) => {
  const api = await apiServer();
  t.after(() => api.close());
  api.apply("pods", pod);
  api.apply("pods", { metadata: { name: "pending", namespace: "default" }, spec: { containers: [{ name: "c" }] }, status: { phase: "Pending" } });
  const sa = inCluster(t);
  const hc = newHTTPClientConfig();
  hc.authorization = { type: "Bearer", credentials: "", credentialsFile: join(sa.dir, "token"), credentialsRef: "" };
  const r = run(config("pod", { apiServer: parseURL(api.url), httpClientConfig: hc, namespaces: { ownNamespace: false, names: ["default"] } }));
  await until(() => r.groups.has("pod/default/web-0"), "the listed pod");
  assert.equal(api.requests[0]!.auth, "Bearer sa-token");
  assert.match(api.requests[0]!.url, /^\/api\/v1\/namespaces\/default\/pods\?limit=500$/);
  assert.deepEqual(plain(r.groups.get("pod/default/web-0")), {
    labels: { __meta_kubernetes_namespace: "default", ...podMeta },
    targets: [
      {
        __address__: "10.1.0.5:8080",
        __meta_kubernetes_pod_container_name: "app",
        __meta_kubernetes_pod_container_id: "containerd://abc",
        __meta_kubernetes_pod_container_image: "app:1",
        __meta_kubernetes_pod_container_port_number: "8080",
        __meta_kubernetes_pod_container_port_name: "http",
        __meta_kubernetes_pod_container_port_protocol: "TCP",
        __meta_kubernetes_pod_container_init: "false",
      },
      {
        __address__: "10.1.0.5:9090",
        __meta_kubernetes_pod_container_name: "app",
        __meta_kubernetes_pod_container_id: "containerd://abc",
        __meta_kubernetes_pod_container_image: "app:1",
        __meta_kubernetes_pod_container_port_number: "9090",
        __meta_kubernetes_pod_container_port_name: "metrics",
        __meta_kubernetes_pod_container_port_protocol: "TCP",
        __meta_kubernetes_pod_container_init: "false",
      },
      {
        __address__: "10.1.0.5",
        __meta_kubernetes_pod_container_name: "sidecar",
        __meta_kubernetes_pod_container_id: "containerd://def",
        __meta_kubernetes_pod_container_image: "side:1",
        __meta_kubernetes_pod_container_init: "false",
      },
      {
        __address__: "10.1.0.5",
        __meta_kubernetes_pod_container_name: "init",
        __meta_kubernetes_pod_container_id: "containerd://000",
        __meta_kubernetes_pod_container_image: "init:1",
        __meta_kubernetes_pod_container_init: "true",
      },
    ],
  });
  assert.deepEqual(plain(r.groups.get("pod/default/pending")), { labels: {}, targets: [] }, "a pod without IP has no targets");

  await until(() => api.watchCount() === 1, "the watch");
  assert.match(api.requests.at(-1)!.url, /watch=1&resourceVersion=102/);
  const updated = structuredClone(pod);
  (updated.status as { phase: string }).phase = "Succeeded";
  api.apply("pods", updated);
  await until(() => r.groups.get("pod/default/web-0")?.labels.get("__meta_kubernetes_pod_phase") === "Succeeded", "the update");
  api.remove("pods", "default", "web-0");
  await until(() => r.groups.get("pod/default/web-0")?.targets.length === 0, "the delete");
  assert.equal(r.metrics.value("prometheus_sd_kubernetes_events_total", "pod", "add"), 2);
  assert.equal(r.metrics.value("prometheus_sd_kubernetes_events_total", "pod", "update"), 1);
  assert.equal(r.metrics.value("prometheus_sd_kubernetes_events_total", "pod", "delete"), 1);
  await r.stop();
});

test("kubernetes_sd: in-cluster configuration from the environment and the service account", (t) => {
  const sa = inCluster(t);
  const opts = { logger: nopLogger, clock: new VirtualClock(0), metrics: new DiscoveryMetrics(), setName: "j" };
  const d = new KubernetesDiscoverer(config("pod", { namespaces: { ownNamespace: true, names: ["monitoring"] } }), opts, { ...sa, env: { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" } });
  assert.deepEqual(d.namespaces(), ["monitoring", "default"]);
  assert.throws(
    () => new KubernetesDiscoverer(config("pod"), opts, { serviceAccountDir: sa.dir, env: {} }),
    /unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined/,
  );
});

test("kubernetes_sd: endpoints role joins services and pods, and follows their changes", async (t) => {
  const api = await apiServer();
  t.after(() => api.close());
  api.apply("pods", pod);
  api.apply("services", service);
  api.apply("endpoints", endpoints);
  const r = run(config("endpoints", { apiServer: parseURL(api.url) }));
  await until(() => r.groups.has("endpoints/default/web"), "the endpoints");
  const container = {
    __meta_kubernetes_pod_container_name: "app",
    __meta_kubernetes_pod_container_image: "app:1",
    __meta_kubernetes_pod_container_port_protocol: "TCP",
    __meta_kubernetes_pod_container_init: "false",
  };
  assert.deepEqual(plain(r.groups.get("endpoints/default/web")), {
    labels: {
      ...serviceMeta,
      __meta_kubernetes_endpoints_name: "web",
      __meta_kubernetes_endpoints_annotation_test_annotation: "test",
      __meta_kubernetes_endpoints_annotationpresent_test_annotation: "true",
    },
    targets: [
      {
        __address__: "10.1.0.5:8080",
        __meta_kubernetes_endpoint_port_name: "http",
        __meta_kubernetes_endpoint_port_protocol: "TCP",
        __meta_kubernetes_endpoint_ready: "true",
        __meta_kubernetes_endpoint_address_target_kind: "Pod",
        __meta_kubernetes_endpoint_address_target_name: "web-0",
        __meta_kubernetes_endpoint_node_name: "node-1",
        ...podMeta,
        ...container,
        __meta_kubernetes_pod_container_port_name: "http",
        __meta_kubernetes_pod_container_port_number: "8080",
      },
      {
        __address__: "192.168.0.20:8080",
        __meta_kubernetes_endpoint_port_name: "http",
        __meta_kubernetes_endpoint_port_protocol: "TCP",
        __meta_kubernetes_endpoint_ready: "true",
        __meta_kubernetes_endpoint_address_target_kind: "Node",
        __meta_kubernetes_endpoint_address_target_name: "node-2",
      },
      {
        __address__: "10.1.0.6:8080",
        __meta_kubernetes_endpoint_port_name: "http",
        __meta_kubernetes_endpoint_port_protocol: "TCP",
        __meta_kubernetes_endpoint_ready: "false",
        __meta_kubernetes_endpoint_hostname: "web-1",
      },
      {
        __address__: "10.1.0.5:9090",
        ...podMeta,
        ...container,
        __meta_kubernetes_pod_container_port_name: "metrics",
        __meta_kubernetes_pod_container_port_number: "9090",
      },
    ],
  });
  const lists = api.requests.filter((q) => !q.url.includes("watch=1")).map((q) => q.url.replace(/\?.*/, ""));
  assert.deepEqual(lists.sort(), ["/api/v1/endpoints", "/api/v1/pods", "/api/v1/services"]);

  // A service change re-labels its endpoints; a pod change re-builds the endpoints that point at it.
  await until(() => api.watchCount() === 3, "the watches");
  api.apply("services", { ...service, metadata: { ...service.metadata, labels: { "app/name": "web2" } } });
  await until(() => r.groups.get("endpoints/default/web")?.labels.get("__meta_kubernetes_service_label_app_name") === "web2", "the service change");
  const moved = structuredClone(pod);
  (moved.metadata.labels as Record<string, string>).tier = "back";
  api.apply("pods", moved);
  await until(() => r.groups.get("endpoints/default/web")?.targets[0]?.get("__meta_kubernetes_pod_label_tier") === "back", "the pod change");
  api.remove("endpoints", "default", "web");
  await until(() => r.groups.get("endpoints/default/web")?.targets.length === 0, "the delete");
  await r.stop();
});

test("kubernetes_sd: service role", async (t) => {
  const api = await apiServer();
  t.after(() => api.close());
  api.apply("services", service);
  api.apply("services", { metadata: { name: "ext", namespace: "ns2" }, spec: { type: "ExternalName", externalName: "db.example.com", ports: [{ name: "pg", port: 5432, protocol: "TCP" }] } });
  api.apply("services", { metadata: { name: "lb", namespace: "ns2" }, spec: { type: "LoadBalancer", clusterIP: "10.96.0.11", loadBalancerIP: "1.2.3.4", ports: [{ port: 443, protocol: "TCP" }] } });
  const r = run(config("service", { apiServer: parseURL(api.url) }));
  await until(() => r.groups.size === 3, "the services");
  assert.deepEqual(plain(r.groups.get("svc/default/web")), {
    labels: serviceMeta,
    targets: [
      {
        __address__: "web.default.svc:80",
        __meta_kubernetes_service_port_name: "http",
        __meta_kubernetes_service_port_number: "80",
        __meta_kubernetes_service_port_protocol: "TCP",
        __meta_kubernetes_service_type: "ClusterIP",
        __meta_kubernetes_service_cluster_ip: "10.96.0.10",
      },
    ],
  });
  assert.deepEqual(plain(r.groups.get("svc/ns2/ext"))!, {
    labels: { __meta_kubernetes_namespace: "ns2", __meta_kubernetes_service_name: "ext" },
    targets: [
      {
        __address__: "ext.ns2.svc:5432",
        __meta_kubernetes_service_port_name: "pg",
        __meta_kubernetes_service_port_number: "5432",
        __meta_kubernetes_service_port_protocol: "TCP",
        __meta_kubernetes_service_type: "ExternalName",
        __meta_kubernetes_service_external_name: "db.example.com",
      },
    ],
  });
  assert.deepEqual(plain(r.groups.get("svc/ns2/lb"))!, {
    labels: { __meta_kubernetes_namespace: "ns2", __meta_kubernetes_service_name: "lb" },
    targets: [
      {
        __address__: "lb.ns2.svc:443",
        __meta_kubernetes_service_port_number: "443",
        __meta_kubernetes_service_port_protocol: "TCP",
        __meta_kubernetes_service_type: "LoadBalancer",
        __meta_kubernetes_service_cluster_ip: "10.96.0.11",
        __meta_kubernetes_service_loadbalancer_ip: "1.2.3.4",
      },
    ],
  });
  await r.stop();
});

test("kubernetes_sd: endpointslice role", async (t) => {
  const api = await apiServer();
  t.after(() => api.close());
  api.apply("pods", pod);
  api.apply("services", service);
  api.apply("endpointslices", {
    metadata: { name: "web-abc", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: [
      {
        addresses: ["10.1.0.5"],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: "node-1",
        zone: "z1",
        targetRef: { kind: "Pod", name: "web-0", namespace: "default" },
      },
    ],
    ports: [{ name: "http", port: 8080, protocol: "TCP", appProtocol: "http" }],
  });
  const r = run(config("endpointslice", { apiServer: parseURL(api.url) }));
  await until(() => r.groups.has("endpointslice/default/web-abc"), "the slice");
  const container = { __meta_kubernetes_pod_container_name: "app", __meta_kubernetes_pod_container_image: "app:1", __meta_kubernetes_pod_container_port_protocol: "TCP", __meta_kubernetes_pod_container_init: "false" };
  assert.deepEqual(plain(r.groups.get("endpointslice/default/web-abc")), {
    labels: {
      ...serviceMeta,
      __meta_kubernetes_endpointslice_address_type: "IPv4",
      __meta_kubernetes_endpointslice_name: "web-abc",
      __meta_kubernetes_endpointslice_label_kubernetes_io_service_name: "web",
      __meta_kubernetes_endpointslice_labelpresent_kubernetes_io_service_name: "true",
    },
    targets: [
      {
        __address__: "10.1.0.5:8080",
        __meta_kubernetes_endpointslice_port_name: "http",
        __meta_kubernetes_endpointslice_port_protocol: "TCP",
        __meta_kubernetes_endpointslice_port: "8080",
        __meta_kubernetes_endpointslice_port_app_protocol: "http",
        __meta_kubernetes_endpointslice_endpoint_conditions_ready: "true",
        __meta_kubernetes_endpointslice_endpoint_conditions_serving: "true",
        __meta_kubernetes_endpointslice_endpoint_conditions_terminating: "false",
        __meta_kubernetes_endpointslice_address_target_kind: "Pod",
        __meta_kubernetes_endpointslice_address_target_name: "web-0",
        __meta_kubernetes_endpointslice_endpoint_node_name: "node-1",
        __meta_kubernetes_endpointslice_endpoint_zone: "z1",
        ...podMeta,
        ...container,
        __meta_kubernetes_pod_container_port_name: "http",
        __meta_kubernetes_pod_container_port_number: "8080",
      },
      { __address__: "10.1.0.5:9090", ...podMeta, ...container, __meta_kubernetes_pod_container_port_name: "metrics", __meta_kubernetes_pod_container_port_number: "9090" },
    ],
  });
  assert.ok(api.requests.some((q) => q.url.startsWith("/apis/discovery.k8s.io/v1/endpointslices?")));
  await r.stop();
});

test("kubernetes_sd: node role, and node metadata attached to pods", async (t) => {
  const api = await apiServer();
  t.after(() => api.close());
  api.apply("nodes", node);
  api.apply("pods", pod);
  const r = run(config("node", { apiServer: parseURL(api.url) }));
  await until(() => r.groups.has("node/node-1"), "the node");
  const nodeMeta = {
    __meta_kubernetes_node_name: "node-1",
    __meta_kubernetes_node_label_kubernetes_io_hostname: "node-1",
    __meta_kubernetes_node_labelpresent_kubernetes_io_hostname: "true",
    __meta_kubernetes_node_label_topology_kubernetes_io_zone: "z1",
    __meta_kubernetes_node_labelpresent_topology_kubernetes_io_zone: "true",
  };
  assert.deepEqual(plain(r.groups.get("node/node-1")), {
    labels: { __meta_kubernetes_node_provider_id: "aws:///eu-west-1a/i-1", ...nodeMeta },
    targets: [
      {
        __address__: "192.168.0.10:10250",
        instance: "node-1",
        __meta_kubernetes_node_address_InternalIP: "192.168.0.10",
        __meta_kubernetes_node_address_Hostname: "node-1",
      },
    ],
  });
  await r.stop();

  const p = run(config("pod", { apiServer: parseURL(api.url), attachMetadata: { node: true, namespace: false }, selectors: [{ role: "node", label: "", field: "metadata.name=node-1" }] }));
  await until(() => p.groups.has("pod/default/web-0"), "the pod");
  assert.deepEqual(p.groups.get("pod/default/web-0")!.labels.toObject(), { __meta_kubernetes_namespace: "default", ...podMeta, ...nodeMeta });
  assert.ok(api.requests.some((q) => q.url === "/api/v1/nodes?fieldSelector=metadata.name%3Dnode-1&limit=500"), "the node selector is sent");
  // A node change re-labels the pods on it.
  await until(() => api.watchCount() === 2, "the watches");
  api.apply("nodes", { ...node, metadata: { ...node.metadata, labels: { "kubernetes.io/hostname": "node-1" } } });
  await until(() => !p.groups.get("pod/default/web-0")!.labels.has("__meta_kubernetes_node_label_topology_kubernetes_io_zone"), "the node change");
  await p.stop();
});

test("kubernetes_sd: selectors are sent, and a 410 Gone watch re-lists", async (t) => {
  const api = await apiServer();
  t.after(() => api.close());
  api.apply("pods", pod);
  const r = run(config("pod", { apiServer: parseURL(api.url), selectors: [{ role: "pod", label: "app=web", field: "status.phase=Running" }] }));
  await until(() => r.groups.has("pod/default/web-0") && api.watchCount() === 1, "the list and the watch");
  assert.equal(api.requests[0]!.url, "/api/v1/pods?labelSelector=app%3Dweb&fieldSelector=status.phase%3DRunning&limit=500");

  // The watch expires; changes made meanwhile show up through the re-list, deletions included.
  api.expire();
  api.remove("pods", "default", "web-0");
  api.apply("pods", { ...structuredClone(pod), metadata: { ...structuredClone(pod.metadata), name: "web-1", uid: "uid-web-1" } });
  await until(() => r.groups.has("pod/default/web-1") && r.groups.get("pod/default/web-0")!.targets.length === 0, "the re-list");
  const lists = api.requests.filter((q) => !q.url.includes("watch=1"));
  assert.equal(lists.length, 2, "listed again after 410");
  await r.stop();
});

test("kubernetes_sd: kubeconfig_file gives the server and the credentials of the current context", async (t) => {
  const api = await apiServer();
  t.after(() => api.close());
  api.apply("services", service);
  const dir = mkdtempSync(join(tmpdir(), "kubeconfig-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "config");
  writeFileSync(
    file,
    [
      "apiVersion: v1",
      "kind: Config",
      "current-context: dev",
      "contexts:",
      "- name: other",
      "  context: {cluster: nowhere, user: nobody}",
      "- name: dev",
      "  context: {cluster: local, user: admin}",
      "clusters:",
      "- name: local",
      `  cluster: {server: "${api.url}/"}`,
      "users:",
      "- name: admin",
      "  user: {token: kube-token}",
      "",
    ].join("\n"),
  );
  const r = run(config("service", { kubeconfigFile: file }));
  await until(() => r.groups.has("svc/default/web"), "the service");
  assert.equal(api.requests[0]!.auth, "Bearer kube-token");
  await r.stop();
});
