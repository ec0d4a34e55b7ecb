export { ApiError, ErrorType, errorStatus, invalidParam } from "./errors.ts";
export { addFormParser, formValues } from "./form.ts";
export { sendApiData, sendApiError, sendJSONChunks } from "./respond.ts";
export { registerApiV1 } from "./api/v1/api.ts";
export type { AdminOps, ApiV1Options, BuildInfo } from "./api/v1/api.ts";
export { formatTimestamp, formatValue } from "./api/v1/encode.ts";
export { parseTime, parseDurationValue } from "./api/v1/params.ts";
export { FederationMetrics, registerFederate } from "./federate.ts";
export type { FederateOptions } from "./federate.ts";
// The exporter-toolkit web configuration (--web.config.file): TLS, basic auth, headers, rate limit.
export {
  WebConfigError,
  TLSVersion,
  ClientAuthType,
  EXTRA_HTTP_HEADERS,
  defaultWebConfig,
  parseWebConfig,
  loadWebConfig,
  validateWebConfig,
  checkWebConfigFile,
  bcryptCost,
  tlsEnabled,
  tlsServerSettings,
} from "./web-config.ts";
export type { WebConfig, TLSServerConfig, HTTPServerConfig, RateLimitConfig, TLSServerSettings } from "./web-config.ts";
export { WebConfigSource, STATUS_TEXT, webConfigHooks, applyWebDecision, webHandler, createWebServer, parseBasicAuth, certificateSANs } from "./web-server.ts";
export type { WebConfigSourceOptions, WebDecision, WebHooks, WebHooksOptions, WebServerOptions } from "./web-server.ts";
export { UI_PAGES, defaultUIAssetsDir, registerUI, registerAlertmanagerUI } from "./ui.ts";
export type { UIOptions, AlertmanagerUIOptions } from "./ui.ts";
