export { loadConfig, loadConfigFile, getScrapeConfigs, setDirectory, validateScrapeConfig } from "./config.ts";
export { defaultConfig, defaultGlobalConfig, defaultQueueConfig, defaultMetadataConfig, DEFAULT_GOGC } from "./config.ts";
export { ScrapeProtocolHeaders, DEFAULT_SCRAPE_PROTOCOLS, DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS, EscapingScheme } from "./config.ts";
export { parseBase2Bytes, formatBase2Bytes, isOpaqueSDMechanism, globFiles } from "./config.ts";
export type {
  Config,
  GlobalConfig,
  ScrapeConfig,
  AlertingConfig,
  AlertmanagerConfig,
  RemoteWriteConfig,
  RemoteReadConfig,
  QueueConfig,
  MetadataConfig,
  StorageConfig,
  TSDBConfig,
  TracingConfig,
  OTLPConfig,
  LoadOptions,
} from "./config.ts";
export { configToYAML } from "./render.ts";
export { ConfigError } from "./yaml-decode.ts";
export { OPAQUE_SD_MECHANISMS } from "./discovery.ts";
export type { SDConfig, StaticSDConfig, TargetGroup, FileSDConfig, HTTPSDConfig, DNSSDConfig, KubernetesSDConfig, OpaqueSDConfig } from "./discovery.ts";
export { parseURL, redactedURL } from "./http-client.ts";
export type { ConfigURL, HTTPClientConfig, TLSConfig, BasicAuth, Authorization, OAuth2, ProxyConfig, HTTPHeader } from "./http-client.ts";
// Building blocks for other YAML configurations with go-yaml v2 strict semantics (Alertmanager's alertmanager.yml).
export { Decoder, goQuote } from "./yaml-decode.ts";
export type { YNode } from "./yaml-decode.ts";
export { httpClientFields, validateHTTPClientConfig, newHTTPClientConfig, newTLSConfig, isZeroTLS } from "./http-client.ts";
export { decodeStringMap, decodeStringList, httpClientSetDirectory, joinDir } from "./http-client.ts";
export { HTTPClientError, authorizationHeader, configHeaders, tlsOptions } from "./http-request.ts";
export { Agent, redirectInterceptor, request } from "./undici.ts";
export type { Dispatcher, RequestOptions } from "./undici.ts";
