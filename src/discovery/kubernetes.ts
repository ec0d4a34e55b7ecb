/**
 * `kubernetes_sd_configs` (upstream's discovery/kubernetes): informers on
 * the resources a role needs, per namespace, and a queue of changed
 * objects whose groups are rebuilt and sent once the informers have synced.
 */

import type { KubernetesSDConfig } from "../config/index.ts";
import type { Discoverer, DiscovererOptions, SendFunc } from "./discoverer.ts";
import { Informer, objectKey, resolveConnection } from "./kubernetes-client.ts";
import type { InformerEventType, KubeObject, KubernetesConnection, KubernetesEnvironment, ResourceRef } from "./kubernetes-client.ts";
import { ServiceNameLabel, buildEndpointSlice, buildEndpoints, buildIngress, buildNode, buildPod, buildService } from "./kubernetes-targets.ts";
import type { EndpointSlice, Endpoints, Ingress, Node, ObjectLookup, Pod, Service } from "./kubernetes-targets.ts";
import { emptyGroup } from "./target-group.ts";
import type { TargetGroup } from "./target-group.ts";

/** A resource kind: its API path and the role name its selectors and metrics use. */
interface Kind {
  role: string;
  apiPrefix: string;
  plural: string;
  namespaced: boolean;
}

const KINDS = {
  pod: { role: "pod", apiPrefix: "/api/v1", plural: "pods", namespaced: true },
  service: { role: "service", apiPrefix: "/api/v1", plural: "services", namespaced: true },
  endpoints: { role: "endpoints", apiPrefix: "/api/v1", plural: "endpoints", namespaced: true },
  endpointslice: { role: "endpointslice", apiPrefix: "/apis/discovery.k8s.io/v1", plural: "endpointslices", namespaced: true },
  node: { role: "node", apiPrefix: "/api/v1", plural: "nodes", namespaced: false },
  ingress: { role: "ingress", apiPrefix: "/apis/networking.k8s.io/v1", plural: "ingresses", namespaced: true },
} as const satisfies Record<string, Kind>;

type KindName = keyof typeof KINDS;

/** The source of the group of an object of the role's main kind. */
function sourceOf(role: string, key: string): string {
  return role === "service" ? `svc/${key}` : `${role}/${key}`;
}

/**
 * Discovers one role. The API server and credentials are resolved when the
 * discoverer is created (throws KubernetesConfigError); list and watch
 * failures are retried with backoff and logged.
 */
export class KubernetesDiscoverer implements Discoverer {
  readonly #cfg: KubernetesSDConfig;
  readonly #opts: DiscovererOptions;
  readonly #conn: KubernetesConnection;
  /** Informers by kind; one per namespace (or one for all). */
  readonly #informers: Map<KindName, Informer[]>;
  readonly #queue: Set<string>;
  #send: SendFunc | null;
  #flushScheduled: boolean;

  constructor(cfg: KubernetesSDConfig, opts: DiscovererOptions, env?: KubernetesEnvironment) {
    this.#cfg = cfg;
    this.#opts = opts;
    this.#conn = resolveConnection(cfg, env);
    this.#informers = new Map();
    this.#queue = new Set();
    this.#send = null;
    this.#flushScheduled = false;
  }

  /** The namespaces to watch ("" = all), as upstream's getNamespaces. */
  namespaces(): string[] {
    const names = this.#cfg.namespaces.names ?? [];
    const own = this.#cfg.namespaces.ownNamespace;
    if (names.length === 0 && !own) return [""];
    if (own && this.#conn.ownNamespace !== "") return [...names, this.#conn.ownNamespace];
    return names;
  }

  async run(signal: AbortSignal, send: SendFunc): Promise<void> {
    this.#send = send;
    const role = this.#cfg.role as KindName;
    const kinds: KindName[] = {
      pod: ["pod"],
      service: ["service"],
      endpoints: ["endpoints", "service", "pod"],
      endpointslice: ["endpointslice", "service", "pod"],
      node: ["node"],
      ingress: ["ingress"],
    }[role] as KindName[];
    const withNode = this.#cfg.attachMetadata.node && (role === "pod" || role === "endpoints" || role === "endpointslice");
    if (withNode) kinds.push("node");
    const runs: Array<Promise<void>> = [];
    for (const k of kinds) {
      const kind: Kind = KINDS[k];
      const nss = kind.namespaced ? this.namespaces() : [""];
      const sel = (this.#cfg.selectors ?? []).find((s) => s.role === k);
      const list = nss.map((namespace) => {
        const resource: ResourceRef = {
          apiPrefix: kind.apiPrefix,
          plural: kind.plural,
          namespace,
          labelSelector: sel?.label ?? "",
          fieldSelector: sel?.field ?? "",
        };
        return new Informer({
          conn: this.#conn,
          resource,
          clock: this.#opts.clock,
          logger: this.#opts.logger.with("role", role, "resource", kind.plural),
          onEvent: (type, obj) => this.#onEvent(k, type, obj),
          onSynced: () => this.#schedule(),
        });
      });
      this.#informers.set(k, list);
      for (const inf of list) runs.push(inf.run(signal));
    }
    await Promise.all(runs);
    this.#send = null;
  }

  #all(kind: KindName): Informer[] {
    return this.#informers.get(kind) ?? [];
  }

  #get<T extends KubeObject>(kind: KindName, key: string): T | undefined {
    for (const inf of this.#all(kind)) {
      const o = inf.store.get(key);
      if (o !== undefined) return o as T;
    }
    return undefined;
  }

  #lookup(): ObjectLookup {
    const l: ObjectLookup = {
      pod: (ns, name) => this.#get<Pod>("pod", `${ns}/${name}`),
      service: (ns, name) => this.#get<Service>("service", `${ns}/${name}`),
    };
    if (this.#informers.has("node") && this.#cfg.role !== "node") l.node = (name) => this.#get<Node>("node", name);
    return l;
  }

  /** Maps an informer event to the keys of main-kind objects to rebuild. */
  #onEvent(kind: KindName, type: InformerEventType, obj: KubeObject): void {
    this.#opts.metrics.kubernetesEvent(kind, type);
    const role = this.#cfg.role as KindName;
    const key = objectKey(obj);
    if (kind === role) {
      this.#queue.add(key);
    } else if (kind === "service") {
      // A service's labels go onto its endpoints / endpoint slices.
      const ns = obj.metadata?.namespace ?? "";
      const name = obj.metadata?.name ?? "";
      for (const inf of this.#all(role)) {
        for (const [k, o] of inf.store) {
          if (role === "endpoints" ? k === key : o.metadata?.namespace === ns && o.metadata?.labels?.[ServiceNameLabel] === name) this.#queue.add(k);
        }
      }
    } else if (kind === "pod") {
      for (const inf of this.#all(role)) for (const [k, o] of inf.store) if (referencesPod(role, o, key)) this.#queue.add(k);
    } else if (kind === "node") {
      const name = obj.metadata?.name ?? "";
      for (const inf of this.#all(role)) for (const [k, o] of inf.store) if (onNode(role, o, name)) this.#queue.add(k);
    }
    this.#schedule();
  }

  /** Rebuilds queued objects once every informer has synced, batching a burst of events into one send. */
  #schedule(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => {
      this.#flushScheduled = false;
      const send = this.#send;
      if (send === null || this.#queue.size === 0) return;
      for (const list of this.#informers.values()) for (const inf of list) if (!inf.synced) return;
      const role = this.#cfg.role as KindName;
      const lookup = this.#lookup();
      const groups: TargetGroup[] = [];
      for (const key of this.#queue) {
        const obj = this.#get<KubeObject>(role, key);
        const source = sourceOf(role, key);
        if (obj === undefined) {
          groups.push(emptyGroup(source));
          continue;
        }
        const g = this.#build(role, obj, lookup);
        if (g !== null) groups.push(g);
      }
      this.#queue.clear();
      if (groups.length > 0) send(groups);
    });
  }

  #build(role: KindName, obj: KubeObject, lookup: ObjectLookup): TargetGroup | null {
    switch (role) {
      case "pod":
        return buildPod(obj as Pod, lookup);
      case "service":
        return buildService(obj as Service);
      case "endpoints":
        return buildEndpoints(obj as Endpoints, lookup);
      case "endpointslice":
        return buildEndpointSlice(obj as EndpointSlice, lookup);
      case "node":
        return buildNode(obj as Node);
      case "ingress":
        return buildIngress(obj as Ingress);
    }
  }
}

function referencesPod(role: KindName, o: KubeObject, podKey: string): boolean {
  const refs =
    role === "endpoints"
      ? ((o as Endpoints).subsets ?? []).flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]).map((a) => a.targetRef)
      : ((o as EndpointSlice).endpoints ?? []).map((e) => e.targetRef);
  return refs.some((r) => r?.kind === "Pod" && `${r.namespace ?? ""}/${r.name ?? ""}` === podKey);
}

function onNode(role: KindName, o: KubeObject, node: string): boolean {
  switch (role) {
    case "pod":
      return (o as Pod).spec?.nodeName === node;
    case "endpoints":
      return ((o as Endpoints).subsets ?? [])
        .flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])])
        .some((a) => a.nodeName === node || (a.targetRef?.kind === "Node" && a.targetRef.name === node));
    case "endpointslice":
      return ((o as EndpointSlice).endpoints ?? []).some((e) => e.nodeName === node || (e.targetRef?.kind === "Node" && e.targetRef.name === node));
    default:
      return false;
  }
}
