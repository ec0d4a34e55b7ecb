/**
 * Service discovery blocks of scrape and Alertmanager configs
 * (`<mechanism>_sd_configs`, `static_configs`). static, file, http, dns and
 * kubernetes are decoded and validated field by field like upstream; the
 * other mechanisms Prometheus knows are accepted as opaque mappings (kept
 * as plain data, not validated) until promstack implements them.
 */

import { isMap } from "yaml";
import { parseDuration } from "../model/index.ts";
import {
  decodeStringList,
  decodeURL,
  httpClientFields,
  httpClientSetDirectory,
  isDefaultHTTPClientConfig,
  joinDir,
  newHTTPClientConfig,
  parseURL,
  validateHTTPClientConfig,
} from "./http-client.ts";
import type { ConfigURL, HTTPClientConfig } from "./http-client.ts";
import { ConfigError, goQuote } from "./yaml-decode.ts";
import type { Decoder, YNode } from "./yaml-decode.ts";

/** One `static_configs` entry. `targets` are `__address__` values. */
export interface TargetGroup {
  targets: string[];
  labels: Map<string, string>;
  /** Index of the group within its static_configs list, as a string. */
  source: string;
}

/** `static_configs`: one per scrape/Alertmanager config. */
export interface StaticSDConfig {
  mechanism: "static";
  groups: TargetGroup[];
}

/** `file_sd_configs` entry. */
export interface FileSDConfig {
  mechanism: "file";
  files: string[];
  refreshIntervalMs: number;
}

/** `http_sd_configs` entry. */
export interface HTTPSDConfig {
  mechanism: "http";
  httpClientConfig: HTTPClientConfig;
  refreshIntervalMs: number;
  url: string;
}

/** `dns_sd_configs` entry. */
export interface DNSSDConfig {
  mechanism: "dns";
  names: string[];
  refreshIntervalMs: number;
  type: string;
  port: number;
}

/** `kubernetes_sd_configs` entry. */
export interface KubernetesSDConfig {
  mechanism: "kubernetes";
  apiServer: ConfigURL | null;
  role: string;
  kubeconfigFile: string;
  httpClientConfig: HTTPClientConfig;
  namespaces: { ownNamespace: boolean; names: string[] | null };
  selectors: Array<{ role: string; label: string; field: string }> | null;
  attachMetadata: { node: boolean; namespace: boolean };
}

/** An entry of a mechanism promstack does not model yet: kept verbatim. */
export interface OpaqueSDConfig {
  mechanism: string;
  opaque: unknown;
}

/** Any service discovery configuration. */
export type SDConfig = StaticSDConfig | FileSDConfig | HTTPSDConfig | DNSSDConfig | KubernetesSDConfig | OpaqueSDConfig;

/** The `_sd_configs` keys of Prometheus 3.x that promstack keeps opaque. */
export const OPAQUE_SD_MECHANISMS: readonly string[] = [
  "aws",
  "azure",
  "consul",
  "digitalocean",
  "docker",
  "dockerswarm",
  "ec2",
  "eureka",
  "gce",
  "hetzner",
  "ionos",
  "kuma",
  "lightsail",
  "linode",
  "marathon",
  "nerve",
  "nomad",
  "oci",
  "openstack",
  "outscale",
  "ovhcloud",
  "puppetdb",
  "scaleway",
  "serverset",
  "stackit",
  "triton",
  "uyuni",
  "vultr",
];

/** The YAML key of a mechanism. */
export function sdKey(mechanism: string): string {
  return mechanism === "static" ? "static_configs" : `${mechanism}_sd_configs`;
}

const MODELLED = ["dns", "file", "http", "kubernetes", "static"];

/** Every SD key, sorted: the order configs are kept and printed in. */
export const SD_KEYS: readonly string[] = [...MODELLED, ...OPAQUE_SD_MECHANISMS].map(sdKey).sort();

/** A `model.Duration` field in milliseconds; null gives 0, a bad string aborts. */
export function durationField(d: Decoder, v: YNode): number {
  const s = d.str(v, "model.Duration");
  if (s === null) return 0;
  try {
    return parseDuration(s);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

/**
 * Handlers for every SD key, appending decoded configs to `out` in key
 * order, and a check to run after decoding (null list entries).
 */
export function sdFields(d: Decoder, out: SDConfig[]): { fields: Record<string, (v: YNode) => void>; check: () => void } {
  const byKey = new Map<string, Array<SDConfig | null>>();
  const fields: Record<string, (v: YNode) => void> = {};
  for (const key of SD_KEYS) {
    fields[key] = (v) => {
      const items = d.seq(v, "[]discovery.Config");
      if (items === null) return;
      if (key === "static_configs") {
        const groups: Array<TargetGroup | null> = items.map((it, i) => decodeTargetGroup(d, it, String(i)));
        byKey.set(key, groups.includes(null) ? [null] : [{ mechanism: "static", groups: groups as TargetGroup[] }]);
        return;
      }
      byKey.set(
        key,
        items.map((it) => (d.isNull(it) ? null : decodeSD(d, key.slice(0, -"_sd_configs".length), it))),
      );
    };
  }
  const check = (): void => {
    for (const key of SD_KEYS) {
      const cfgs = byKey.get(key);
      if (cfgs === undefined) continue;
      for (const c of cfgs) {
        if (c === null) throw new ConfigError(`empty or null section in ${key}`);
        out.push(c);
      }
    }
  };
  return { fields, check };
}

function decodeTargetGroup(d: Decoder, n: YNode, source: string): TargetGroup | null {
  if (d.isNull(n)) return null;
  const g: TargetGroup = { targets: [], labels: new Map(), source };
  d.struct(n, "struct { Targets []string; Labels model.LabelSet }", {
    targets: (v) => (g.targets = decodeStringList(d, v) ?? []),
    labels: (v) => {
      const es = d.entries(v, "model.LabelSet");
      if (es === null) return;
      const m = new Map<string, string>();
      for (const [k, , lv] of es) m.set(k, d.str(lv, "model.LabelValue") ?? "");
      d.checked(
        () => m,
        (m) => {
          for (const k of m.keys()) {
            if (k === "" || !k.isWellFormed()) throw new ConfigError(`${goQuote(k)} is not a valid label name`);
          }
        },
      );
      g.labels = m;
    },
  });
  return g;
}

// File SD: at most one `*` in the last path element, a known extension.
const FILE_SD_NAME = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

function decodeSD(d: Decoder, mechanism: string, n: YNode): SDConfig {
  switch (mechanism) {
    case "file": {
      const c: FileSDConfig = { mechanism: "file", files: [], refreshIntervalMs: 5 * 60_000 };
      return d.checked(
        () => {
          d.struct(n, "file.plain", {
            files: (v) => (c.files = decodeStringList(d, v) ?? []),
            refresh_interval: (v) => (c.refreshIntervalMs = durationField(d, v)),
          });
          return c;
        },
        (c) => {
          if (c.files.length === 0) throw new ConfigError("file service discovery config must contain at least one path name");
          for (const f of c.files) {
            if (!FILE_SD_NAME.test(f)) throw new ConfigError(`path name ${goQuote(f)} is not valid for file discovery`);
          }
        },
      );
    }
    case "http": {
      const c: HTTPSDConfig = { mechanism: "http", httpClientConfig: newHTTPClientConfig(), refreshIntervalMs: 60_000, url: "" };
      return d.checked(
        () => {
          d.struct(n, "http.plain", {
            ...httpClientFields(d, c.httpClientConfig),
            refresh_interval: (v) => (c.refreshIntervalMs = durationField(d, v)),
            url: (v) => (c.url = d.str(v) ?? ""),
          });
          return c;
        },
        (c) => {
          if (c.url === "") throw new ConfigError("URL is missing");
          const u = parseURL(c.url);
          if (u.scheme !== "http" && u.scheme !== "https") throw new ConfigError("URL scheme must be 'http' or 'https'");
          if (u.host === "") throw new ConfigError("host is missing in URL");
          validateHTTPClientConfig(c.httpClientConfig);
        },
      );
    }
    case "dns": {
      const c: DNSSDConfig = { mechanism: "dns", names: [], refreshIntervalMs: 30_000, type: "SRV", port: 0 };
      return d.checked(
        () => {
          d.struct(n, "dns.plain", {
            names: (v) => (c.names = decodeStringList(d, v) ?? []),
            refresh_interval: (v) => (c.refreshIntervalMs = durationField(d, v)),
            type: (v) => (c.type = d.str(v) ?? ""),
            port: (v) => (c.port = d.int(v, "int") ?? 0),
          });
          return c;
        },
        (c) => {
          if (c.names.length === 0) throw new ConfigError("DNS-SD config must contain at least one SRV record name");
          switch (c.type.toUpperCase()) {
            case "SRV":
              break;
            case "A":
            case "AAAA":
            case "MX":
            case "NS":
              if (c.port === 0) throw new ConfigError("a port is required in DNS-SD configs for all record types except SRV");
              break;
            default:
              throw new ConfigError(`invalid DNS-SD records type ${c.type}`);
          }
        },
      );
    }
    case "kubernetes":
      return decodeKubernetes(d, n);
    default:
      if (n === null || !isMap(n)) {
        d.cannot(n, `${mechanism}.SDConfig`);
        return { mechanism, opaque: null };
      }
      return { mechanism, opaque: n.toJSON() as unknown };
  }
}

const K8S_ROLES = ["pod", "service", "endpoints", "endpointslice", "node", "ingress"];
const K8S_ALLOWED_SELECTORS: Readonly<Record<string, readonly string[]>> = {
  // Prometheus 3.x also lets the pod role filter on nodes (node selectors).
  pod: ["pod", "node"],
  service: ["service"],
  endpointslice: ["pod", "service", "endpointslice"],
  endpoints: ["pod", "service", "endpoints"],
  node: ["node"],
  ingress: ["ingress"],
};

function decodeKubernetes(d: Decoder, n: YNode): KubernetesSDConfig {
  const c: KubernetesSDConfig = {
    mechanism: "kubernetes",
    apiServer: null,
    role: "",
    kubeconfigFile: "",
    httpClientConfig: newHTTPClientConfig(),
    namespaces: { ownNamespace: false, names: null },
    selectors: null,
    attachMetadata: { node: false, namespace: false },
  };
  const role = (v: YNode): string => {
    const r = d.str(v, "kubernetes.Role") ?? "";
    if (!K8S_ROLES.includes(r)) throw new ConfigError(`unknown Kubernetes SD role ${goQuote(r)}`);
    return r;
  };
  return d.checked(
    () => {
      d.struct(n, "kubernetes.plain", {
        api_server: (v) => (c.apiServer = decodeURL(d, v)),
        role: (v) => (c.role = d.isNull(v) ? "" : role(v)),
        kubeconfig_file: (v) => (c.kubeconfigFile = d.str(v) ?? ""),
        ...httpClientFields(d, c.httpClientConfig),
        namespaces: (v) => {
          c.namespaces = { ownNamespace: false, names: null };
          d.struct(v, "kubernetes.plain", {
            own_namespace: (x) => (c.namespaces.ownNamespace = d.bool(x) ?? false),
            names: (x) => (c.namespaces.names = decodeStringList(d, x)),
          });
        },
        selectors: (v) =>
          (c.selectors = d.list(v, "[]kubernetes.SelectorConfig", (e) => {
            const s = { role: "", label: "", field: "" };
            d.struct(e, "kubernetes.SelectorConfig", {
              role: (x) => (s.role = d.isNull(x) ? "" : role(x)),
              label: (x) => (s.label = d.str(x) ?? ""),
              field: (x) => (s.field = d.str(x) ?? ""),
            });
            return s;
          })),
        attach_metadata: (v) =>
          d.struct(v, "kubernetes.AttachMetadataConfig", {
            node: (x) => (c.attachMetadata.node = d.bool(x) ?? false),
            namespace: (x) => (c.attachMetadata.namespace = d.bool(x) ?? false),
          }),
      });
      return c;
    },
    (c) => validateKubernetes(c),
  );
}

function validateKubernetes(c: KubernetesSDConfig): void {
  const fail = (m: string): never => {
    throw new ConfigError(m);
  };
  if (c.role === "") fail("role missing (one of: pod, service, endpoints, endpointslice, node, ingress)");
  validateHTTPClientConfig(c.httpClientConfig);
  const customHTTP = !isDefaultHTTPClientConfig(c.httpClientConfig);
  if (c.apiServer !== null && c.kubeconfigFile !== "") fail("cannot use 'kubeconfig_file' and 'api_server' simultaneously");
  if (c.kubeconfigFile !== "" && customHTTP) fail("cannot use a custom HTTP client configuration together with 'kubeconfig_file'");
  if (c.apiServer === null && c.kubeconfigFile === "" && customHTTP) {
    fail("to use custom HTTP client configuration please provide the 'api_server' URL explicitly");
  }
  if (c.apiServer !== null && c.namespaces.ownNamespace) fail("cannot use 'api_server' and 'namespaces.own_namespace' simultaneously");
  if (c.kubeconfigFile !== "" && c.namespaces.ownNamespace) fail("cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously");
  const found = new Set<string>();
  for (const s of c.selectors ?? []) {
    if (found.has(s.role)) fail(`duplicated selector role: ${s.role}`);
    found.add(s.role);
    const allowed = K8S_ALLOWED_SELECTORS[c.role] ?? [];
    if (!allowed.includes(s.role)) fail(`${c.role} role supports only ${allowed.join(", ")} selectors`);
    checkFieldSelector(s.field);
  }
}

/**
 * Kubernetes field selector syntax (`a=b,c!=d`, `==` too). Label selectors
 * (set-based `in (...)` syntax) are accepted unchecked.
 */
function checkFieldSelector(sel: string): void {
  if (sel === "") return;
  for (const term of sel.split(/(?<!\\),/)) {
    if (!/(!=|==|=)/.test(term)) {
      throw new ConfigError(`invalid selector: '${sel}'; can't understand '${term}'`);
    }
  }
}

/** Makes relative file paths of `cfgs` relative to `dir`. */
export function sdSetDirectory(cfgs: SDConfig[], dir: string): void {
  for (const c of cfgs) {
    if (c.mechanism === "file") {
      const f = c as FileSDConfig;
      f.files = f.files.map((p) => joinDir(dir, p));
    } else if (c.mechanism === "http") {
      httpClientSetDirectory((c as HTTPSDConfig).httpClientConfig, dir);
    } else if (c.mechanism === "kubernetes") {
      const k = c as KubernetesSDConfig;
      httpClientSetDirectory(k.httpClientConfig, dir);
      k.kubeconfigFile = joinDir(dir, k.kubeconfigFile);
    }
  }
}

/** Rejects static targets that look like URLs (`"http://x" is not a valid hostname`). */
export function checkStaticTargets(cfgs: readonly SDConfig[]): void {
  for (const c of cfgs) {
    if (c.mechanism !== "static") continue;
    for (const g of (c as StaticSDConfig).groups) {
      for (const t of g.targets) if (t.includes("/")) throw new ConfigError(`${goQuote(t)} is not a valid hostname`);
    }
  }
}
