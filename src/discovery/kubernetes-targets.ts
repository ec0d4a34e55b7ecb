/**
 * Target groups of the Kubernetes roles, with upstream's exact
 * `__meta_kubernetes_*` label sets (discovery/kubernetes/{pod,service,
 * endpoints,endpointslice,node,ingress}.go), built from API objects as the
 * API serves them in JSON.
 */

import { isIPv4, isIPv6 } from "node:net";
import { Labels } from "../model/index.ts";
import type { KubeObject, ObjectMeta } from "./kubernetes-client.ts";
import { AddressLabel, emptyGroup } from "./target-group.ts";
import type { TargetGroup } from "./target-group.ts";

const P = "__meta_kubernetes_";
const NamespaceLabel = `${P}namespace`;
const PRESENT = "true";

type LabelSet = Record<string, string>;

interface ContainerPort {
  name?: string;
  containerPort?: number;
  protocol?: string;
}
interface Container {
  name?: string;
  image?: string;
  ports?: ContainerPort[];
}
interface ContainerStatus {
  name?: string;
  containerID?: string;
}

/** core/v1 Pod (the fields discovery reads). */
export interface Pod extends KubeObject {
  spec?: { nodeName?: string; containers?: Container[]; initContainers?: Container[] };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: Array<{ ip?: string }>;
    hostIP?: string;
    conditions?: Array<{ type?: string; status?: string }>;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

/** core/v1 Service. */
export interface Service extends KubeObject {
  spec?: { type?: string; clusterIP?: string; externalName?: string; loadBalancerIP?: string; ports?: Array<{ name?: string; port?: number; protocol?: string }> };
}

interface ObjectReference {
  kind?: string;
  name?: string;
  namespace?: string;
}
interface EndpointAddress {
  ip?: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}
interface EndpointPort {
  name?: string;
  port?: number;
  protocol?: string;
}

/** core/v1 Endpoints. */
export interface Endpoints extends KubeObject {
  subsets?: Array<{ addresses?: EndpointAddress[]; notReadyAddresses?: EndpointAddress[]; ports?: EndpointPort[] }>;
}

/** discovery.k8s.io/v1 EndpointSlice. */
export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: Array<{
    addresses?: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    hostname?: string;
    targetRef?: ObjectReference;
    nodeName?: string;
    zone?: string;
    deprecatedTopology?: Record<string, string>;
  }>;
  ports?: Array<{ name?: string; protocol?: string; port?: number; appProtocol?: string }>;
}

/** core/v1 Node. */
export interface Node extends KubeObject {
  spec?: { providerID?: string };
  status?: { addresses?: Array<{ type?: string; address?: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

/** networking.k8s.io/v1 Ingress. */
export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    rules?: Array<{ host?: string; http?: { paths?: Array<{ path?: string }> } }>;
    tls?: Array<{ hosts?: string[] }>;
  };
}

/** Looks up related objects when building groups. */
export interface ObjectLookup {
  pod(namespace: string, name: string): Pod | undefined;
  service(namespace: string, name: string): Service | undefined;
  /** Undefined when node metadata is not attached. */
  node?: (name: string) => Node | undefined;
}

/** Replaces every character outside [a-zA-Z0-9_] with `_` (upstream's strutil.SanitizeLabelName). */
export function sanitizeLabelName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_]/gu, "_");
}

function toGroup(source: string, labels: LabelSet, targets: LabelSet[]): TargetGroup {
  return { source, labels: Labels.fromObject(labels), targets: targets.map((t) => Labels.fromObject(t)) };
}

function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function addObjectMetaLabels(ls: LabelSet, meta: ObjectMeta | undefined, role: string): void {
  ls[`${P}${role}_name`] = meta?.name ?? "";
  for (const [k, v] of Object.entries(meta?.labels ?? {})) {
    const ln = sanitizeLabelName(k);
    ls[`${P}${role}_label_${ln}`] = v;
    ls[`${P}${role}_labelpresent_${ln}`] = PRESENT;
  }
  for (const [k, v] of Object.entries(meta?.annotations ?? {})) {
    const ln = sanitizeLabelName(k);
    ls[`${P}${role}_annotation_${ln}`] = v;
    ls[`${P}${role}_annotationpresent_${ln}`] = PRESENT;
  }
}

function addNodeLabels(ls: LabelSet, lookup: ObjectLookup, nodeName: string | undefined): LabelSet {
  if (lookup.node === undefined || nodeName === undefined) return ls;
  const node = lookup.node(nodeName);
  if (node === undefined) return ls;
  const nl: LabelSet = {};
  addObjectMetaLabels(nl, node.metadata, "node");
  return { ...ls, ...nl };
}

/** `namespace/name`. */
function nsName(ns: string | undefined, name: string | undefined): string {
  return `${ns ?? ""}/${name ?? ""}`;
}

// ---- pod -------------------------------------------------------------------

function podReady(pod: Pod): string {
  for (const c of pod.status?.conditions ?? []) if (c.type === "Ready") return (c.status ?? "").toLowerCase();
  return "unknown";
}

/** Labels every target backed by a pod carries (upstream's podLabels). */
export function podLabels(pod: Pod): LabelSet {
  const ls: LabelSet = {
    [`${P}pod_ip`]: pod.status?.podIP ?? "",
    [`${P}pod_ready`]: podReady(pod),
    [`${P}pod_phase`]: pod.status?.phase ?? "",
    [`${P}pod_node_name`]: pod.spec?.nodeName ?? "",
    [`${P}pod_host_ip`]: pod.status?.hostIP ?? "",
    [`${P}pod_uid`]: pod.metadata?.uid ?? "",
  };
  for (const ip of pod.status?.podIPs ?? []) {
    const a = ip.ip ?? "";
    if (a === "") continue;
    if (isIPv4(a) && !(`${P}pod_ipv4` in ls)) ls[`${P}pod_ipv4`] = a;
    else if (isIPv6(a) && !(`${P}pod_ipv6` in ls)) ls[`${P}pod_ipv6`] = a;
  }
  addObjectMetaLabels(ls, pod.metadata, "pod");
  const ctl = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
  if (ctl !== undefined) {
    if ((ctl.kind ?? "") !== "") ls[`${P}pod_controller_kind`] = ctl.kind!;
    if ((ctl.name ?? "") !== "") ls[`${P}pod_controller_name`] = ctl.name!;
  }
  return ls;
}

/** The group of a pod (source `pod/<ns>/<name>`): a target per container port, or per container without ports. */
export function buildPod(pod: Pod, lookup: ObjectLookup): TargetGroup {
  const source = `pod/${nsName(pod.metadata?.namespace, pod.metadata?.name)}`;
  const podIP = pod.status?.podIP ?? "";
  // PodIP can be empty when a pod is starting or has been evicted.
  if (podIP === "") return emptyGroup(source);
  let labels: LabelSet = { ...podLabels(pod), [NamespaceLabel]: pod.metadata?.namespace ?? "" };
  labels = addNodeLabels(labels, lookup, pod.spec?.nodeName);
  const containers = pod.spec?.containers ?? [];
  const all = [...containers, ...(pod.spec?.initContainers ?? [])];
  const targets: LabelSet[] = [];
  all.forEach((c, i) => {
    const isInit = i >= containers.length;
    const statuses = (isInit ? pod.status?.initContainerStatuses : pod.status?.containerStatuses) ?? [];
    const cID = statuses.find((s) => s.name === c.name)?.containerID ?? "";
    const base: LabelSet = {
      [`${P}pod_container_name`]: c.name ?? "",
      [`${P}pod_container_id`]: cID,
      [`${P}pod_container_image`]: c.image ?? "",
      [`${P}pod_container_init`]: String(isInit),
    };
    const ports = c.ports ?? [];
    if (ports.length === 0) {
      // No port: the address is the pod IP; the user adds a port by relabelling.
      targets.push({ [AddressLabel]: isIPv6(podIP) ? `[${podIP}]` : podIP, ...base });
      return;
    }
    for (const p of ports) {
      const port = String(p.containerPort ?? 0);
      targets.push({
        [AddressLabel]: joinHostPort(podIP, port),
        ...base,
        [`${P}pod_container_port_number`]: port,
        [`${P}pod_container_port_name`]: p.name ?? "",
        [`${P}pod_container_port_protocol`]: p.protocol ?? "",
      });
    }
  });
  return toGroup(source, labels, targets);
}

// ---- service ---------------------------------------------------------------

/** Labels of a service (upstream's serviceLabels): namespace, name, labels, annotations. */
export function serviceLabels(svc: Service): LabelSet {
  const ls: LabelSet = { [NamespaceLabel]: svc.metadata?.namespace ?? "" };
  addObjectMetaLabels(ls, svc.metadata, "service");
  return ls;
}

/** The group of a service (source `svc/<ns>/<name>`): a target per port at `<name>.<ns>.svc:<port>`. */
export function buildService(svc: Service): TargetGroup {
  const name = svc.metadata?.name ?? "";
  const ns = svc.metadata?.namespace ?? "";
  const type = svc.spec?.type ?? "";
  const targets = (svc.spec?.ports ?? []).map((port) => {
    const num = String(port.port ?? 0);
    const t: LabelSet = {
      [AddressLabel]: joinHostPort(`${name}.${ns}.svc`, num),
      [`${P}service_port_name`]: port.name ?? "",
      [`${P}service_port_number`]: num,
      [`${P}service_port_protocol`]: port.protocol ?? "",
      [`${P}service_type`]: type,
    };
    if (type === "ExternalName") t[`${P}service_external_name`] = svc.spec?.externalName ?? "";
    else t[`${P}service_cluster_ip`] = svc.spec?.clusterIP ?? "";
    if (type === "LoadBalancer") t[`${P}service_loadbalancer_ip`] = svc.spec?.loadBalancerIP ?? "";
    return t;
  });
  return toGroup(`svc/${nsName(ns, name)}`, serviceLabels(svc), targets);
}

// ---- endpoints -------------------------------------------------------------

interface SeenPod {
  pod: Pod;
  ports: number[];
}

/**
 * Adds the container-port labels of the container port equal to `port`.
 * NOTE: matches Prometheus, whose `break` leaves only the port loop, so a
 * later container with the same port number wins.
 */
function addContainerPortLabels(target: LabelSet, pod: Pod, port: number, protocol: string): void {
  const containers = pod.spec?.containers ?? [];
  [...containers, ...(pod.spec?.initContainers ?? [])].forEach((c, i) => {
    for (const cport of c.ports ?? []) {
      if (cport.containerPort === port) {
        target[`${P}pod_container_name`] = c.name ?? "";
        target[`${P}pod_container_image`] = c.image ?? "";
        target[`${P}pod_container_port_name`] = cport.name ?? "";
        target[`${P}pod_container_port_number`] = String(port);
        target[`${P}pod_container_port_protocol`] = protocol;
        target[`${P}pod_container_init`] = String(i >= containers.length);
        break;
      }
    }
  });
}

/** Targets for the container ports of seen pods that no endpoint port covered. */
function extraPodTargets(seen: Map<string, SeenPod>): LabelSet[] {
  const out: LabelSet[] = [];
  for (const { pod, ports } of seen.values()) {
    const podIP = pod.status?.podIP ?? "";
    if (podIP === "") continue;
    const containers = pod.spec?.containers ?? [];
    [...containers, ...(pod.spec?.initContainers ?? [])].forEach((c, i) => {
      for (const cport of c.ports ?? []) {
        if (ports.includes(cport.containerPort ?? 0)) continue;
        const num = String(cport.containerPort ?? 0);
        out.push({
          [AddressLabel]: joinHostPort(podIP, num),
          [`${P}pod_container_name`]: c.name ?? "",
          [`${P}pod_container_image`]: c.image ?? "",
          [`${P}pod_container_port_name`]: cport.name ?? "",
          [`${P}pod_container_port_number`]: num,
          [`${P}pod_container_port_protocol`]: cport.protocol ?? "",
          [`${P}pod_container_init`]: String(i >= containers.length),
          ...podLabels(pod),
        });
      }
    });
  }
  return out;
}

function resolvePod(ref: ObjectReference | undefined, lookup: ObjectLookup): Pod | undefined {
  if (ref === undefined || ref.kind !== "Pod") return undefined;
  return lookup.pod(ref.namespace ?? "", ref.name ?? "");
}

/** The group of an Endpoints object (source `endpoints/<ns>/<name>`). */
export function buildEndpoints(eps: Endpoints, lookup: ObjectLookup): TargetGroup {
  const ns = eps.metadata?.namespace ?? "";
  const name = eps.metadata?.name ?? "";
  let labels: LabelSet = { [NamespaceLabel]: ns };
  const svc = lookup.service(ns, name);
  if (svc !== undefined) labels = { ...labels, ...serviceLabels(svc) };
  addObjectMetaLabels(labels, eps.metadata, "endpoints");

  const seen = new Map<string, SeenPod>();
  const targets: LabelSet[] = [];
  const add = (addr: EndpointAddress, port: EndpointPort, ready: string): void => {
    const portNum = port.port ?? 0;
    let target: LabelSet = {
      [AddressLabel]: joinHostPort(addr.ip ?? "", portNum),
      [`${P}endpoint_port_name`]: port.name ?? "",
      [`${P}endpoint_port_protocol`]: port.protocol ?? "",
      [`${P}endpoint_ready`]: ready,
    };
    if (addr.targetRef !== undefined) {
      target[`${P}endpoint_address_target_kind`] = addr.targetRef.kind ?? "";
      target[`${P}endpoint_address_target_name`] = addr.targetRef.name ?? "";
    }
    if (addr.nodeName !== undefined) target[`${P}endpoint_node_name`] = addr.nodeName;
    if ((addr.hostname ?? "") !== "") target[`${P}endpoint_hostname`] = addr.hostname!;
    if (addr.nodeName !== undefined) target = addNodeLabels(target, lookup, addr.nodeName);
    else if (addr.targetRef?.kind === "Node") target = addNodeLabels(target, lookup, addr.targetRef.name);
    const pod = resolvePod(addr.targetRef, lookup);
    if (pod === undefined) {
      targets.push(target);
      return;
    }
    const key = nsName(pod.metadata?.namespace, pod.metadata?.name);
    let sp = seen.get(key);
    if (sp === undefined) {
      sp = { pod, ports: [] };
      seen.set(key, sp);
    }
    target = { ...target, ...podLabels(pod) };
    addContainerPortLabels(target, pod, portNum, port.protocol ?? "");
    sp.ports.push(portNum);
    targets.push(target);
  };
  for (const ss of eps.subsets ?? []) {
    for (const port of ss.ports ?? []) {
      for (const addr of ss.addresses ?? []) add(addr, port, "true");
      // This generates the same target again, with the ready label false.
      for (const addr of ss.notReadyAddresses ?? []) add(addr, port, "false");
    }
  }
  targets.push(...extraPodTargets(seen));
  return toGroup(`endpoints/${nsName(ns, name)}`, labels, targets);
}

// ---- endpointslice ---------------------------------------------------------

/** The label of an EndpointSlice naming its service. */
export const ServiceNameLabel = "kubernetes.io/service-name";

/** The group of an EndpointSlice (source `endpointslice/<ns>/<name>`). */
export function buildEndpointSlice(eps: EndpointSlice, lookup: ObjectLookup): TargetGroup {
  const ns = eps.metadata?.namespace ?? "";
  const name = eps.metadata?.name ?? "";
  let labels: LabelSet = { [NamespaceLabel]: ns, [`${P}endpointslice_address_type`]: eps.addressType ?? "" };
  addObjectMetaLabels(labels, eps.metadata, "endpointslice");
  const svcName = eps.metadata?.labels?.[ServiceNameLabel];
  if (svcName !== undefined) {
    const svc = lookup.service(ns, svcName);
    if (svc !== undefined) labels = { ...labels, ...serviceLabels(svc) };
  }
  const seen = new Map<string, SeenPod>();
  const targets: LabelSet[] = [];
  for (const ep of eps.endpoints ?? []) {
    for (const port of eps.ports ?? []) {
      for (const addr of ep.addresses ?? []) {
        let target: LabelSet = { [AddressLabel]: port.port !== undefined ? joinHostPort(addr, port.port) : addr };
        if (port.name !== undefined) target[`${P}endpointslice_port_name`] = port.name;
        if (port.protocol !== undefined) target[`${P}endpointslice_port_protocol`] = port.protocol;
        if (port.port !== undefined) target[`${P}endpointslice_port`] = String(port.port);
        if (port.appProtocol !== undefined) target[`${P}endpointslice_port_app_protocol`] = port.appProtocol;
        const cond = ep.conditions ?? {};
        if (cond.ready !== undefined) target[`${P}endpointslice_endpoint_conditions_ready`] = String(cond.ready);
        if (cond.serving !== undefined) target[`${P}endpointslice_endpoint_conditions_serving`] = String(cond.serving);
        if (cond.terminating !== undefined) target[`${P}endpointslice_endpoint_conditions_terminating`] = String(cond.terminating);
        if (ep.hostname !== undefined) target[`${P}endpointslice_endpoint_hostname`] = ep.hostname;
        if (ep.targetRef !== undefined) {
          target[`${P}endpointslice_address_target_kind`] = ep.targetRef.kind ?? "";
          target[`${P}endpointslice_address_target_name`] = ep.targetRef.name ?? "";
        }
        if (ep.nodeName !== undefined) target[`${P}endpointslice_endpoint_node_name`] = ep.nodeName;
        if (ep.zone !== undefined) target[`${P}endpointslice_endpoint_zone`] = ep.zone;
        for (const [k, v] of Object.entries(ep.deprecatedTopology ?? {})) {
          const ln = sanitizeLabelName(k);
          target[`${P}endpointslice_endpoint_topology_${ln}`] = v;
          target[`${P}endpointslice_endpoint_topology_present_${ln}`] = PRESENT;
        }
        target = addNodeLabels(target, lookup, ep.targetRef?.kind === "Node" ? ep.targetRef.name : ep.nodeName);
        const pod = resolvePod(ep.targetRef, lookup);
        if (pod === undefined) {
          targets.push(target);
          continue;
        }
        const key = nsName(pod.metadata?.namespace, pod.metadata?.name);
        let sp = seen.get(key);
        if (sp === undefined) {
          sp = { pod, ports: [] };
          seen.set(key, sp);
        }
        target = { ...target, ...podLabels(pod) };
        if (port.port !== undefined) addEndpointSliceContainerLabels(target, pod, port.port);
        if (port.port !== undefined) sp.ports.push(port.port);
        targets.push(target);
      }
    }
  }
  targets.push(...extraPodTargets(seen));
  return toGroup(`endpointslice/${nsName(ns, name)}`, labels, targets);
}

/** Like addContainerPortLabels, with the container port's protocol (as upstream's endpointslice.go). */
function addEndpointSliceContainerLabels(target: LabelSet, pod: Pod, port: number): void {
  const containers = pod.spec?.containers ?? [];
  [...containers, ...(pod.spec?.initContainers ?? [])].forEach((c, i) => {
    for (const cport of c.ports ?? []) {
      if (cport.containerPort === port) {
        target[`${P}pod_container_name`] = c.name ?? "";
        target[`${P}pod_container_image`] = c.image ?? "";
        target[`${P}pod_container_port_name`] = cport.name ?? "";
        target[`${P}pod_container_port_number`] = String(port);
        target[`${P}pod_container_port_protocol`] = cport.protocol ?? "";
        target[`${P}pod_container_init`] = String(i >= containers.length);
        break;
      }
    }
  });
}

// ---- node ------------------------------------------------------------------

const NODE_ADDRESS_ORDER = ["InternalIP", "InternalDNS", "ExternalIP", "ExternalDNS", "LegacyHostIP", "Hostname"];

/**
 * The group of a node (source `node/<name>`): one target at the kubelet
 * port of its preferred address, with `instance` set to the node name.
 * Null when the node has no usable address (upstream sends nothing then).
 */
export function buildNode(node: Node): TargetGroup | null {
  const name = node.metadata?.name ?? "";
  const labels: LabelSet = { [`${P}node_provider_id`]: node.spec?.providerID ?? "" };
  addObjectMetaLabels(labels, node.metadata, "node");
  const byType = new Map<string, string[]>();
  for (const a of node.status?.addresses ?? []) {
    const t = a.type ?? "";
    byType.set(t, [...(byType.get(t) ?? []), a.address ?? ""]);
  }
  const type = NODE_ADDRESS_ORDER.find((t) => byType.has(t));
  if (type === undefined) return null;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  const target: LabelSet = { [AddressLabel]: joinHostPort(byType.get(type)![0]!, port), instance: name };
  for (const [t, addrs] of byType) target[sanitizeLabelName(`${P}node_address_${t}`)] = addrs[0]!;
  return toGroup(`node/${name}`, labels, [target]);
}

// ---- ingress ---------------------------------------------------------------

function matchesHostnamePattern(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  const pp = pattern.split(".");
  const hp = host.split(".");
  if (pp[0] !== "*" || pp.length !== hp.length) return false;
  for (let i = 1; i < pp.length; i++) if (pp[i] !== hp[i]) return false;
  return true;
}

/** The group of an ingress (source `ingress/<ns>/<name>`): a target per rule and path. */
export function buildIngress(ing: Ingress): TargetGroup {
  const ns = ing.metadata?.namespace ?? "";
  const labels: LabelSet = { [NamespaceLabel]: ns };
  if (ing.spec?.ingressClassName !== undefined) labels[`${P}ingress_class_name`] = ing.spec.ingressClassName;
  addObjectMetaLabels(labels, ing.metadata, "ingress");
  const tlsHosts = (ing.spec?.tls ?? []).flatMap((t) => t.hosts ?? []);
  const targets: LabelSet[] = [];
  for (const rule of ing.spec?.rules ?? []) {
    const host = rule.host ?? "";
    const scheme = tlsHosts.some((p) => matchesHostnamePattern(p, host)) ? "https" : "http";
    const rawPaths = rule.http === undefined ? null : (rule.http.paths ?? []).map((p) => p.path ?? "");
    const paths = rawPaths === null ? ["/"] : rawPaths.map((p) => (p === "" ? "/" : p));
    for (const path of paths) {
      targets.push({ [AddressLabel]: host, [`${P}ingress_scheme`]: scheme, [`${P}ingress_host`]: host, [`${P}ingress_path`]: path });
    }
  }
  return toGroup(`ingress/${nsName(ns, ing.metadata?.name)}`, labels, targets);
}
