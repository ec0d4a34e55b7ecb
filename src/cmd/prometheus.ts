import { parseBase2Bytes } from "../config/index.ts";
import { parseDuration } from "../model/index.ts";
import { PrometheusServer, type ServerOptions } from "../server/index.ts";
import { FlagKind, LogFormat, LogLevel, isLogFormat, isLogLevel, newLogger, PROMSTACK_VERSION, runWithFlags, versionText } from "../util/index.ts";
import { WebConfigError } from "../web/index.ts";
import type { FlagSpec, ParsedFlags } from "../util/index.ts";

const S = FlagKind.String;
const B = FlagKind.Bool;
const L = FlagKind.List;

/** The server's flags, with Prometheus 3's names and defaults. */
export const PROMETHEUS_FLAGS: readonly FlagSpec[] = [
  { name: "config.file", kind: S, def: "prometheus.yml", help: "Prometheus configuration file path." },
  { name: "web.listen-address", kind: S, def: "0.0.0.0:9090", help: "Address to listen on for UI, API, and telemetry." },
  { name: "web.config.file", kind: S, def: "", help: "[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication." },
  { name: "web.read-timeout", kind: S, def: "5m", help: "Maximum duration before timing out read of the request, and closing idle connections." },
  { name: "web.max-connections", kind: S, def: "512", help: "Maximum number of simultaneous connections across all listeners." },
  { name: "web.external-url", kind: S, def: "", placeholder: "<URL>", help: "The URL under which Prometheus is externally reachable (for example, if Prometheus is served via a reverse proxy). Used for generating relative and absolute links back to Prometheus itself. If the URL has a path portion, it will be used to prefix all HTTP endpoints served by Prometheus. If omitted, relevant URL components will be derived automatically." },
  { name: "web.route-prefix", kind: S, def: "", placeholder: "<path>", help: "Prefix for the internal routes of web endpoints. Defaults to path of --web.external-url." },
  { name: "web.user-assets", kind: S, def: "", placeholder: "<path>", help: "Path to static asset directory, available at /user." },
  { name: "web.enable-lifecycle", kind: B, def: "false", help: "Enable shutdown and reload via HTTP request." },
  { name: "web.enable-admin-api", kind: B, def: "false", help: "Enable API endpoints for admin control actions." },
  { name: "web.enable-remote-write-receiver", kind: B, def: "false", help: "Enable API endpoint accepting remote write requests." },
  { name: "web.console.templates", kind: S, def: "consoles", help: "Path to the console template directory, available at /consoles." },
  { name: "web.console.libraries", kind: S, def: "console_libraries", help: "Path to the console library directory." },
  { name: "web.page-title", kind: S, def: "Prometheus Time Series Collection and Processing Server", help: "Document title of Prometheus instance." },
  { name: "web.cors.origin", kind: S, def: ".*", help: "Regex for CORS origin. It is fully anchored." },
  { name: "storage.tsdb.path", kind: S, def: "data/", help: "Base path for metrics storage. Use with server mode only." },
  { name: "storage.tsdb.retention.time", kind: S, def: "", help: 'How long to retain samples in storage. If neither this flag nor "storage.tsdb.retention.size" is set, the retention time defaults to 15d. Units Supported: y, w, d, h, m, s, ms. Use with server mode only.' },
  { name: "storage.tsdb.retention.size", kind: S, def: "", help: 'Maximum number of bytes that can be stored for blocks. A unit is required, supported units: B, KB, MB, GB, TB, PB, EB. Ex: "512MB". Based on powers-of-2, so 1KB is 1024B. Use with server mode only.' },
  { name: "storage.tsdb.no-lockfile", kind: B, def: "false", help: "Do not create lockfile in data directory. Use with server mode only." },
  { name: "storage.tsdb.min-block-duration", kind: S, def: "2h", hidden: true, help: "Minimum duration of a data block before being persisted." },
  { name: "storage.tsdb.max-block-duration", kind: S, def: "", hidden: true, help: "Maximum duration compacted blocks may span." },
  { name: "storage.tsdb.wal-compression", kind: B, def: "true", hidden: true, help: "Compress the tsdb WAL." },
  { name: "storage.remote.flush-deadline", kind: S, def: "1m", placeholder: "<duration>", help: "How long to wait flushing sample on shutdown or config reload." },
  { name: "storage.remote.read-sample-limit", kind: S, def: "5e7", help: "Maximum overall number of samples to return via the remote read interface, in a single query. 0 means no limit." },
  { name: "storage.remote.read-concurrent-limit", kind: S, def: "10", help: "Maximum number of concurrent remote read calls. 0 means no limit." },
  { name: "rules.alert.for-outage-tolerance", kind: S, def: "1h", help: 'Max time to tolerate prometheus outage for restoring "for" state of alert. Use with server mode only.' },
  { name: "rules.alert.for-grace-period", kind: S, def: "10m", help: 'Minimum duration between alert and restored "for" state. This is maintained only for alerts with configured "for" time greater than grace period. Use with server mode only.' },
  { name: "rules.alert.resend-delay", kind: S, def: "1m", help: "Minimum amount of time to wait before resending an alert to Alertmanager. Use with server mode only." },
  { name: "rules.max-concurrent-evals", kind: S, def: "4", help: "Global concurrency limit for independent rules that can run concurrently." },
  { name: "alertmanager.notification-queue-capacity", kind: S, def: "10000", help: "The capacity of the queue for pending Alertmanager notifications. Use with server mode only." },
  { name: "alertmanager.drain-notification-queue-on-shutdown", kind: B, def: "true", help: "Send any outstanding Alertmanager notifications when shutting down." },
  { name: "query.lookback-delta", kind: S, def: "5m", help: "The maximum lookback duration for retrieving metrics during expression evaluations and federation. Use with server mode only." },
  { name: "query.timeout", kind: S, def: "2m", help: "Maximum time a query may take before being aborted. Use with server mode only." },
  { name: "query.max-concurrency", kind: S, def: "20", help: "Maximum number of queries executed concurrently. Use with server mode only." },
  { name: "query.max-samples", kind: S, def: "50000000", help: "Maximum number of samples a single query can load into memory. Use with server mode only." },
  { name: "enable-feature", kind: L, def: "", help: "Comma separated feature names to enable." },
  { name: "log.level", kind: S, def: "info", placeholder: "<level>", help: "Only log messages with the given severity or above. One of: [debug, info, warn, error]" },
  { name: "log.format", kind: S, def: "logfmt", placeholder: "<format>", help: "Output format of log messages. One of: [logfmt, json]" },
];

/** A flag value that does not parse; printed like kingpin's errors. */
class FlagValueError extends Error {}

function durationFlag(f: ParsedFlags, name: string): number {
  const v = f.string(name);
  try {
    return parseDuration(v);
  } catch (e) {
    throw new FlagValueError(`invalid value "${v}" for flag --${name}: ${(e as Error).message}`);
  }
}

function intFlag(f: ParsedFlags, name: string): number {
  const v = f.string(name);
  const n = Number(v);
  if (!Number.isFinite(n)) throw new FlagValueError(`invalid value "${v}" for flag --${name}: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return n;
}

/**
 * The TSDB settings of the flags. As Prometheus: retention defaults to 15d
 * only when neither retention flag is set.
 */
function tsdbOptions(f: ParsedFlags): ServerOptions["tsdb"] {
  const size = f.string("storage.tsdb.retention.size");
  let retentionSizeBytes = 0;
  if (size !== "") {
    try {
      retentionSizeBytes = parseBase2Bytes(size);
    } catch (e) {
      throw new FlagValueError(`invalid value "${size}" for flag --storage.tsdb.retention.size: ${(e as Error).message}`);
    }
  }
  const time = f.string("storage.tsdb.retention.time");
  let retentionMs = time === "" ? 0 : durationFlag(f, "storage.tsdb.retention.time");
  if (retentionMs === 0 && retentionSizeBytes === 0) retentionMs = 15 * 24 * 3600 * 1000;
  return {
    retentionMs,
    retentionSizeBytes,
    minBlockDurationMs: durationFlag(f, "storage.tsdb.min-block-duration"),
    maxBlockDurationMs: f.string("storage.tsdb.max-block-duration") === "" ? 0 : durationFlag(f, "storage.tsdb.max-block-duration"),
    noLockfile: f.bool("storage.tsdb.no-lockfile"),
    walCompression: f.bool("storage.tsdb.wal-compression"),
  };
}

/** `promstack prometheus`: runs the server until SIGTERM or SIGINT. */
export async function main(argv: string[]): Promise<number> {
  return runWithFlags(
    "prometheus",
    "The Prometheus monitoring server",
    versionText("prometheus"),
    PROMETHEUS_FLAGS,
    argv,
    async (f) => {
      const level = f.string("log.level");
      const format = f.string("log.format");
      if (!isLogLevel(level)) {
        process.stderr.write(`prometheus: error: invalid value "${level}" for flag --log.level, try --help\n`);
        return 1;
      }
      if (!isLogFormat(format)) {
        process.stderr.write(`prometheus: error: invalid value "${format}" for flag --log.format, try --help\n`);
        return 1;
      }
      const logger = newLogger({ level: level as LogLevel, format: format as LogFormat });
      let server: PrometheusServer;
      try {
        server = new PrometheusServer({
          configFile: f.string("config.file"),
          storagePath: f.string("storage.tsdb.path"),
          listenAddress: f.string("web.listen-address"),
          externalUrl: f.string("web.external-url"),
          routePrefix: f.string("web.route-prefix"),
          enableLifecycle: f.bool("web.enable-lifecycle"),
          lookbackDeltaMs: durationFlag(f, "query.lookback-delta"),
          queryTimeoutMs: durationFlag(f, "query.timeout"),
          queryMaxSamples: intFlag(f, "query.max-samples"),
          queryMaxConcurrency: intFlag(f, "query.max-concurrency"),
          maxConnections: intFlag(f, "web.max-connections"),
          outageToleranceMs: durationFlag(f, "rules.alert.for-outage-tolerance"),
          forGracePeriodMs: durationFlag(f, "rules.alert.for-grace-period"),
          resendDelayMs: durationFlag(f, "rules.alert.resend-delay"),
          notificationQueueCapacity: intFlag(f, "alertmanager.notification-queue-capacity"),
          tsdb: tsdbOptions(f),
          enableAdminApi: f.bool("web.enable-admin-api"),
          webConfigFile: f.string("web.config.file"),
          enableRemoteWriteReceiver: f.bool("web.enable-remote-write-receiver"),
          remoteFlushDeadlineMs: durationFlag(f, "storage.remote.flush-deadline"),
          flags: f.all(),
          logger,
          onQuit: () => process.kill(process.pid, "SIGTERM"),
        });
      } catch (e) {
        if (e instanceof FlagValueError) {
          process.stderr.write(`prometheus: error: ${e.message}, try --help\n`);
          return 1;
        }
        if (e instanceof WebConfigError) {
          // NOTE: matches Prometheus, which validates the web config before anything starts and exits 2.
          logger.error("Unable to validate web configuration file", "err", e.message);
          return 2;
        }
        throw e;
      }
      logger.info("Starting Prometheus Server", "mode", "server", "version", PROMSTACK_VERSION);
      try {
        await server.start();
      } catch (e) {
        logger.error("Error starting server", "err", e);
        await server.stop().catch(() => {});
        return 1;
      }
      return await new Promise<number>((resolve) => {
        process.on("SIGHUP", () => {
          server.reload().catch(() => {});
        });
        let stopping = false;
        const stop = (sig: string): void => {
          if (stopping) return;
          stopping = true;
          logger.warn(`Received ${sig}, exiting gracefully...`);
          server.stop().then(
            () => resolve(0),
            (e) => {
              logger.error("Error stopping server", "err", e);
              resolve(1);
            },
          );
        };
        process.on("SIGTERM", () => stop("SIGTERM"));
        process.on("SIGINT", () => stop("SIGINT"));
      });
    },
  );
}
