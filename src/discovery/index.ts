/**
 * Service discovery: target groups, the Discoverer contract, the manager
 * that runs discoverers per SD config and feeds scraping and the notifier,
 * and the built-in mechanisms (static, file, http, dns, kubernetes).
 */
export { AddressLabel, TargetGroupDecodeError, decodeTargetGroupsJSON, decodeTargetGroupsYAML, emptyGroup, fromStaticGroup } from "./target-group.ts";
export type { TargetGroup } from "./target-group.ts";
export { sleep } from "./discoverer.ts";
export type { Discoverer, DiscovererOptions, SendFunc } from "./discoverer.ts";
export { DiscoveryMetrics } from "./metrics.ts";
export { DEFAULT_UPDATE_INTERVAL_MS, DiscoveryManager, canonicalKey } from "./manager.ts";
export type { DiscoveryManagerOptions, SDConfigSets, TargetSets, TargetSetsSubscriber } from "./manager.ts";
export { UnsupportedMechanismError, newDiscoverer } from "./registry.ts";
export type { MechanismOptions } from "./registry.ts";
export { RefreshDiscoverer } from "./refresh.ts";
export type { RefreshFunc } from "./refresh.ts";
export { StaticDiscoverer } from "./static.ts";
export { FileDiscoverer, FileSDFilepathLabel } from "./file.ts";
export { HTTPDiscoverer, HTTPSDError, HTTPSDURLLabel } from "./http.ts";
export { HTTPClientError, USER_AGENT, authorizationHeader, configHeaders, get as httpGet, openGet as httpOpenGet, tlsOptions } from "./http-client.ts";
export type { HTTPResponse, RequestParams } from "./http-client.ts";
export { DNSDiscoverer, DNSLabels, DNSLookupError, nameList, parseResolvConf } from "./dns.ts";
export type { DNSResolver, ResolvConf } from "./dns.ts";
export { KubernetesDiscoverer } from "./kubernetes.ts";
export { Informer, KubernetesAPIError, KubernetesConfigError, SERVICE_ACCOUNT_DIR, objectKey, resolveConnection } from "./kubernetes-client.ts";
export type { KubernetesConnection, KubernetesEnvironment } from "./kubernetes-client.ts";
export { buildEndpointSlice, buildEndpoints, buildIngress, buildNode, buildPod, buildService, podLabels, sanitizeLabelName } from "./kubernetes-targets.ts";
export type { EndpointSlice, Endpoints, Ingress, Node, ObjectLookup, Pod, Service } from "./kubernetes-targets.ts";
