/**
 * Service discovery: target groups, the Discoverer contract, the manager
 * that runs discoverers per SD config and feeds scraping and the notifier,
 * the built-in mechanisms (static, file, http, dns, kubernetes) behind
 * newDiscoverer, and the HTTP client that applies the common HTTP client
 * configuration.
 */
export { AddressLabel, emptyGroup, fromStaticGroup } from "./target-group.ts";
export type { TargetGroup } from "./target-group.ts";
export type { Discoverer, DiscovererOptions, SendFunc } from "./discoverer.ts";
export { DiscoveryMetrics } from "./metrics.ts";
export { DEFAULT_UPDATE_INTERVAL_MS, DiscoveryManager } from "./manager.ts";
export type { DiscoveryManagerOptions, SDConfigSets, TargetSets, TargetSetsSubscriber } from "./manager.ts";
export { UnsupportedMechanismError, newDiscoverer } from "./registry.ts";
export type { MechanismOptions } from "./registry.ts";
export type { DNSResolver } from "./dns.ts";
export type { KubernetesEnvironment } from "./kubernetes-client.ts";
export { USER_AGENT, get as httpGet, openGet as httpOpenGet } from "./http-client.ts";
export type { HTTPResponse, RequestParams } from "./http-client.ts";
