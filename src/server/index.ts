export { ConfigApplyError, PrometheusServer, externalURLAndPrefix, splitHostPort } from "./server.ts";
export type { ServerOptions } from "./server.ts";
export { testServerOptions } from "./test-options.ts";
