/**
 * A small Kubernetes API client for discovery: where the API server is and
 * how to authenticate (in-cluster service account, api_server with the
 * HTTP client config, or a kubeconfig file), and informers that list and
 * then watch one resource (`?watch=1&resourceVersion=...`, one JSON event
 * per line), re-listing when the API answers 410 Gone.
 */

import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { parse as parseYAML } from "yaml";
import { newHTTPClientConfig } from "../config/index.ts";
import type { HTTPClientConfig, KubernetesSDConfig } from "../config/index.ts";
import type { Clock, Logger } from "../util/index.ts";
import { sleep } from "./discoverer.ts";
import { openGet } from "./http-client.ts";

/** Where in-cluster settings come from; the defaults are the real ones. */
export interface KubernetesEnvironment {
  /** KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are read from here. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory with `token`, `ca.crt` and `namespace`. */
  serviceAccountDir?: string;
}

/** The service account directory Kubernetes mounts into pods. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** A Kubernetes client that cannot be configured (missing in-cluster settings, bad kubeconfig). */
export class KubernetesConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubernetesConfigError";
  }
}

/** How to reach the API server. */
export interface KubernetesConnection {
  /** Base URL without a trailing slash, e.g. `https://10.0.0.1:443`. */
  server: string;
  httpClientConfig: HTTPClientConfig;
  /** The pod's own namespace when known (in-cluster), else "". */
  ownNamespace: string;
}

/**
 * Resolves the connection of a kubernetes_sd config, as upstream's New
 * does: kubeconfig_file, else api_server with the config's HTTP client
 * options, else the in-cluster service account. Throws KubernetesConfigError.
 */
export function resolveConnection(cfg: KubernetesSDConfig, envOpts: KubernetesEnvironment = {}): KubernetesConnection {
  const saDir = envOpts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  let ownNamespace = "";
  if (cfg.namespaces.ownNamespace) {
    try {
      ownNamespace = readFileSync(`${saDir}/namespace`, "utf8").trim();
    } catch (e) {
      throw new KubernetesConfigError(`could not determine the pod's namespace: ${(e as Error).message}`);
    }
  }
  if (cfg.kubeconfigFile !== "") return { ...fromKubeconfig(cfg.kubeconfigFile), ownNamespace };
  if (cfg.apiServer !== null) {
    return { server: cfg.apiServer.href.replace(/\/+$/, ""), httpClientConfig: cfg.httpClientConfig, ownNamespace };
  }
  const env = envOpts.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT ?? "";
  if (host === "" || port === "") {
    throw new KubernetesConfigError("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined");
  }
  const token = `${saDir}/token`;
  if (!existsSync(token)) throw new KubernetesConfigError(`open ${token}: no such file or directory`);
  const hc = newHTTPClientConfig();
  hc.authorization = { type: "Bearer", credentials: "", credentialsFile: token, credentialsRef: "" };
  if (existsSync(`${saDir}/ca.crt`)) hc.tlsConfig.caFile = `${saDir}/ca.crt`;
  const h = host.includes(":") ? `[${host}]` : host;
  return { server: `https://${h}:${port}`, httpClientConfig: hc, ownNamespace };
}

type KubeconfigEntry = Record<string, unknown>;

function named(list: unknown, name: string, what: string): KubeconfigEntry {
  const found = Array.isArray(list) ? (list as KubeconfigEntry[]).find((e) => e?.name === name) : undefined;
  const inner = found?.[what];
  if (inner === undefined || inner === null || typeof inner !== "object") throw new KubernetesConfigError(`kubeconfig: ${what} ${JSON.stringify(name)} not found`);
  return inner as KubeconfigEntry;
}

function str(o: KubeconfigEntry, k: string): string {
  const v = o[k];
  return typeof v === "string" ? v : "";
}

/** Reads the current context of a kubeconfig file (token, basic auth, client certificates; no exec plugins). */
function fromKubeconfig(path: string): { server: string; httpClientConfig: HTTPClientConfig } {
  let doc: KubeconfigEntry;
  try {
    doc = parseYAML(readFileSync(path, "utf8")) as KubeconfigEntry;
  } catch (e) {
    throw new KubernetesConfigError(`kubeconfig: ${(e as Error).message}`);
  }
  const ctx = named(doc.contexts, str(doc, "current-context"), "context");
  const cluster = named(doc.clusters, str(ctx, "cluster"), "cluster");
  const user = str(ctx, "user") === "" ? {} : named(doc.users, str(ctx, "user"), "user");
  if (user.exec !== undefined || user["auth-provider"] !== undefined) throw new KubernetesConfigError("kubeconfig: exec and auth-provider credentials are not supported");
  const hc = newHTTPClientConfig();
  const b64 = (s: string): string => Buffer.from(s, "base64").toString("utf8");
  hc.tlsConfig.ca = str(cluster, "certificate-authority-data") !== "" ? b64(str(cluster, "certificate-authority-data")) : "";
  hc.tlsConfig.caFile = str(cluster, "certificate-authority");
  hc.tlsConfig.insecureSkipVerify = cluster["insecure-skip-tls-verify"] === true;
  hc.tlsConfig.serverName = str(cluster, "tls-server-name");
  hc.tlsConfig.cert = str(user, "client-certificate-data") !== "" ? b64(str(user, "client-certificate-data")) : "";
  hc.tlsConfig.certFile = str(user, "client-certificate");
  hc.tlsConfig.key = str(user, "client-key-data") !== "" ? b64(str(user, "client-key-data")) : "";
  hc.tlsConfig.keyFile = str(user, "client-key");
  if (str(user, "token") !== "" || str(user, "tokenFile") !== "") {
    hc.authorization = { type: "Bearer", credentials: str(user, "token"), credentialsFile: str(user, "tokenFile"), credentialsRef: "" };
  } else if (str(user, "username") !== "") {
    hc.basicAuth = { username: str(user, "username"), usernameFile: "", usernameRef: "", password: str(user, "password"), passwordFile: "", passwordRef: "" };
  }
  const server = str(cluster, "server").replace(/\/+$/, "");
  if (server === "") throw new KubernetesConfigError("kubeconfig: cluster has no server");
  return { server, httpClientConfig: hc };
}

/** Object metadata, as the API serves it (only what discovery reads). */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }>;
}

/** Any API object. */
export interface KubeObject {
  metadata?: ObjectMeta;
}

/** The store key of an object: `namespace/name`, or `name` for cluster-scoped ones. */
export function objectKey(o: KubeObject): string {
  const ns = o.metadata?.namespace ?? "";
  const name = o.metadata?.name ?? "";
  return ns === "" ? name : `${ns}/${name}`;
}

/** An API resource to list and watch. */
export interface ResourceRef {
  /** `/api/v1` or `/apis/<group>/<version>`. */
  apiPrefix: string;
  /** Plural resource name: pods, services, endpoints, nodes, endpointslices, ingresses. */
  plural: string;
  /** "" for all namespaces or a cluster-scoped resource. */
  namespace: string;
  labelSelector: string;
  fieldSelector: string;
}

/** Why a list or watch failed. `status` is the HTTP status (0 for network errors). */
export class KubernetesAPIError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "KubernetesAPIError";
    this.status = status;
  }
}

/** An informer event: the object, and the previous version for updates. */
export type InformerEventType = "add" | "update" | "delete";

/** Options of an Informer. */
export interface InformerOptions {
  conn: KubernetesConnection;
  resource: ResourceRef;
  clock: Clock;
  logger: Logger;
  /** Called for each change after it is applied to the store. */
  onEvent: (type: InformerEventType, obj: KubeObject) => void;
  /** Called after every successful list (the store is then complete). */
  onSynced: () => void;
  /** Items per list page (client-go's pager uses 500). */
  pageSize?: number;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Lists a resource, then watches it, keeping `store` (by objectKey) in
 * sync, like client-go's reflector: a watch that ends normally resumes from
 * the last resourceVersion, a 410 Gone (as a status or an ERROR event)
 * re-lists, other failures back off (1 s doubling to 30 s) and re-list.
 */
export class Informer {
  readonly store: Map<string, KubeObject>;
  #synced: boolean;
  readonly #o: InformerOptions;

  constructor(opts: InformerOptions) {
    this.store = new Map();
    this.#synced = false;
    this.#o = opts;
  }

  /** Whether the first list has completed. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Runs until `signal` aborts; never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let backoff = 0;
    while (!signal.aborted) {
      try {
        const rv = await this.#list(signal);
        this.#synced = true;
        this.#o.onSynced();
        backoff = 0;
        await this.#watch(rv, signal);
      } catch (e) {
        if (signal.aborted) return;
        backoff = Math.min(MAX_BACKOFF_MS, backoff === 0 ? 1000 : backoff * 2);
        this.#o.logger.warn("Kubernetes list/watch failed", "resource", this.#o.resource.plural, "err", e);
        await sleep(this.#o.clock, backoff, signal);
      }
    }
  }

  #url(params: Record<string, string>): string {
    const r = this.#o.resource;
    const ns = r.namespace === "" ? "" : `/namespaces/${encodeURIComponent(r.namespace)}`;
    const q = new URLSearchParams();
    if (r.labelSelector !== "") q.set("labelSelector", r.labelSelector);
    if (r.fieldSelector !== "") q.set("fieldSelector", r.fieldSelector);
    for (const [k, v] of Object.entries(params)) q.set(k, v);
    return `${this.#o.conn.server}${r.apiPrefix}${ns}/${r.plural}?${q.toString()}`;
  }

  /** Lists every page, replaces the store (emitting the differences) and returns the list's resourceVersion. */
  async #list(signal: AbortSignal): Promise<string> {
    const items = new Map<string, KubeObject>();
    let cont = "";
    let rv = "";
    do {
      const params: Record<string, string> = { limit: String(this.#o.pageSize ?? 500) };
      if (cont !== "") params.continue = cont;
      const res = await openGet(this.#url(params), this.#o.conn.httpClientConfig, { signal, headers: { accept: "application/json" } });
      const body = await readAll(res);
      if (res.statusCode !== 200) throw new KubernetesAPIError(res.statusCode ?? 0, statusMessage(res.statusCode ?? 0, body));
      const list = JSON.parse(body) as { metadata?: { resourceVersion?: string; continue?: string }; items?: KubeObject[] };
      for (const it of list.items ?? []) items.set(objectKey(it), it);
      rv = list.metadata?.resourceVersion ?? "";
      cont = list.metadata?.continue ?? "";
    } while (cont !== "");
    const old = new Map(this.store);
    this.store.clear();
    for (const [k, o] of items) this.store.set(k, o);
    for (const [k, o] of items) {
      const prev = old.get(k);
      if (prev === undefined) this.#o.onEvent("add", o);
      else if (prev.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.#o.onEvent("update", o);
    }
    for (const [k, o] of old) if (!items.has(k)) this.#o.onEvent("delete", o);
    return rv;
  }

  /** Watches from `rv` until a re-list is needed (returns) or an error (throws). */
  async #watch(rv: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Like client-go: a server-side timeout of 5 to 10 minutes, then resume.
      const timeout = String(300 + Math.floor(Math.random() * 300));
      const res = await openGet(this.#url({ watch: "1", resourceVersion: rv, allowWatchBookmarks: "true", timeoutSeconds: timeout }), this.#o.conn.httpClientConfig, {
        signal,
        headers: { accept: "application/json" },
      });
      if (res.statusCode === 410) {
        res.resume();
        return;
      }
      if (res.statusCode !== 200) {
        const body = await readAll(res);
        throw new KubernetesAPIError(res.statusCode ?? 0, statusMessage(res.statusCode ?? 0, body));
      }
      let buf = "";
      res.setEncoding("utf8");
      for await (const chunk of res) {
        buf += chunk as string;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line === "") continue;
          const ev = JSON.parse(line) as { type?: string; object?: KubeObject & { code?: number; message?: string } };
          const obj = ev.object ?? {};
          if (ev.type === "ERROR") {
            res.destroy();
            if (obj.code === 410) return;
            throw new KubernetesAPIError(obj.code ?? 0, obj.message ?? "watch error");
          }
          rv = obj.metadata?.resourceVersion ?? rv;
          if (ev.type === "BOOKMARK") continue;
          const k = objectKey(obj);
          if (ev.type === "ADDED" || ev.type === "MODIFIED") {
            const had = this.store.has(k);
            this.store.set(k, obj);
            this.#o.onEvent(had ? "update" : "add", obj);
          } else if (ev.type === "DELETED") {
            this.store.delete(k);
            this.#o.onEvent("delete", obj);
          }
        }
      }
    }
  }
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function statusMessage(status: number, body: string): string {
  try {
    const s = JSON.parse(body) as { message?: string };
    if (typeof s.message === "string") return `${status}: ${s.message}`;
  } catch {
    // Not a Status object: use the raw body.
  }
  return `${status}: ${body.slice(0, 200)}`;
}
