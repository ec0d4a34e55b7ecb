import { join } from "node:path";
import type { ServerOptions } from "./server.ts";

/**
 * For tests: options of an in-process test server in `dir` (config at
 * dir/prometheus.yml, data in dir/data, a free port on 127.0.0.1), with the
 * flags' defaults except a 1-day retention; `overrides` replace fields.
 */
export function testServerOptions(dir: string, overrides: Partial<ServerOptions> = {}): ServerOptions {
  return {
    configFile: join(dir, "prometheus.yml"),
    storagePath: join(dir, "data"),
    listenAddress: "127.0.0.1:0",
    externalUrl: "",
    routePrefix: "",
    enableLifecycle: false,
    lookbackDeltaMs: 300_000,
    queryTimeoutMs: 120_000,
    queryMaxSamples: 50_000_000,
    queryMaxConcurrency: 20,
    maxConnections: 512,
    outageToleranceMs: 3_600_000,
    forGracePeriodMs: 600_000,
    resendDelayMs: 60_000,
    notificationQueueCapacity: 10_000,
    tsdb: { retentionMs: 86_400_000, retentionSizeBytes: 0, minBlockDurationMs: 7_200_000, maxBlockDurationMs: 0, noLockfile: false, walCompression: true },
    enableAdminApi: false,
    flags: {},
    ...overrides,
  };
}
