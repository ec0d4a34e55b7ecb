/** The built-in mechanisms, by config. */

import type { DNSSDConfig, FileSDConfig, HTTPSDConfig, KubernetesSDConfig, SDConfig, StaticSDConfig } from "../config/index.ts";
import { DNSDiscoverer } from "./dns.ts";
import type { DNSResolver } from "./dns.ts";
import type { Discoverer, DiscovererOptions } from "./discoverer.ts";
import { FileDiscoverer } from "./file.ts";
import { HTTPDiscoverer } from "./http.ts";
import { KubernetesDiscoverer } from "./kubernetes.ts";
import type { KubernetesEnvironment } from "./kubernetes-client.ts";
import { StaticDiscoverer } from "./static.ts";

/** Collaborators of the built-in mechanisms; defaults are the real ones. */
export interface MechanismOptions {
  /** DNS-SD lookups (a node:dns/promises Resolver pointed elsewhere in tests). */
  dnsResolver?: DNSResolver;
  /** In-cluster Kubernetes settings (environment, service-account files). */
  kubernetesEnv?: KubernetesEnvironment;
}

/** A mechanism promstack knows the config of but does not implement. */
export class UnsupportedMechanismError extends Error {
  readonly mechanism: string;
  constructor(mechanism: string) {
    super(`${mechanism}_sd_configs is not supported by promstack`);
    this.name = "UnsupportedMechanismError";
    this.mechanism = mechanism;
  }
}

/**
 * Creates the discoverer of `cfg`. Throws UnsupportedMechanismError for
 * opaque mechanisms, and the mechanism's own errors (missing in-cluster
 * configuration, unreadable kubeconfig).
 */
export function newDiscoverer(cfg: SDConfig, opts: DiscovererOptions, mech: MechanismOptions = {}): Discoverer {
  switch (cfg.mechanism) {
    case "static":
      return new StaticDiscoverer(cfg as StaticSDConfig);
    case "file":
      return new FileDiscoverer(cfg as FileSDConfig, opts);
    case "http":
      return new HTTPDiscoverer(cfg as HTTPSDConfig, opts);
    case "dns":
      return new DNSDiscoverer(cfg as DNSSDConfig, opts, mech.dnsResolver);
    case "kubernetes":
      return new KubernetesDiscoverer(cfg as KubernetesSDConfig, opts, mech.kubernetesEnv);
    default:
      throw new UnsupportedMechanismError(cfg.mechanism);
  }
}
