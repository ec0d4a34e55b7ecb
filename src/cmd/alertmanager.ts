import { createAlertmanager } from "../alertmanager/index.ts";
import type { Alertmanager } from "../alertmanager/index.ts";
import { AddressError, Peer } from "../alertmanager/cluster/index.ts";
import { parseDuration } from "../model/index.ts";
import { FlagKind, LogFormat, LogLevel, isLogFormat, isLogLevel, newLogger, PROMSTACK_VERSION, runWithFlags, versionText } from "../util/index.ts";
import type { FlagSpec, Logger, ParsedFlags } from "../util/index.ts";
import { WebConfigError } from "../web/index.ts";

const S = FlagKind.String;
const B = FlagKind.Bool;
const L = FlagKind.List;

/** Alertmanager's flags, with upstream's names and defaults. */
export const ALERTMANAGER_FLAGS: readonly FlagSpec[] = [
  { name: "config.file", kind: S, def: "alertmanager.yml", help: "Alertmanager configuration file name." },
  { name: "storage.path", kind: S, def: "data/", help: "Base path for data storage." },
  { name: "data.retention", kind: S, def: "120h", help: "How long to keep data for." },
  { name: "data.maintenance-interval", kind: S, def: "15m", help: "Interval between garbage collection and snapshotting to disk of the silences and the notification logs." },
  { name: "alerts.gc-interval", kind: S, def: "30m", help: "Interval between alert GC." },
  { name: "web.listen-address", kind: S, def: ":9093", help: "Addresses on which to expose metrics and web interface. Repeatable for multiple addresses." },
  { name: "web.config.file", kind: S, def: "", help: "[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication. See: https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md" },
  { name: "web.external-url", kind: S, def: "", help: "The URL under which Alertmanager is externally reachable (for example, if Alertmanager is served via a reverse proxy). Used for generating relative and absolute links back to Alertmanager itself. If the URL has a path portion, it will be used to prefix all HTTP endpoints served by Alertmanager. If omitted, relevant URL components will be derived automatically." },
  { name: "web.route-prefix", kind: S, def: "", help: "Prefix for the internal routes of web endpoints. Defaults to path of --web.external-url." },
  { name: "web.get-concurrency", kind: S, def: "0", help: "Maximum number of GET requests processed concurrently. If negative or zero, the limit is GOMAXPROC or 8, whichever is larger." },
  { name: "web.timeout", kind: S, def: "0", help: "Timeout for HTTP requests. If negative or zero, no timeout is set." },
  { name: "cluster.listen-address", kind: S, def: "0.0.0.0:9094", help: "Listen address for cluster. Set to empty string to disable HA mode." },
  { name: "cluster.advertise-address", kind: S, def: "", help: "Explicit address to advertise in cluster." },
  { name: "cluster.peer", kind: L, def: "", help: "Initial peers (may be repeated)." },
  { name: "cluster.peer-timeout", kind: S, def: "15s", help: "Time to wait between peers to send notifications." },
  { name: "cluster.gossip-interval", kind: S, def: "200ms", help: "Interval between sending gossip messages. By lowering this value (more frequent) gossip messages are propagated across the cluster more quickly at the expense of increased bandwidth." },
  { name: "cluster.pushpull-interval", kind: S, def: "1m0s", help: "Interval for gossip state syncs. Setting this interval lower (more frequent) will increase convergence speeds across larger clusters at the expense of increased bandwidth usage." },
  { name: "cluster.tcp-timeout", kind: S, def: "10s", help: "Timeout for establishing a stream connection with a remote node for a full state sync, and for stream read and write operations." },
  { name: "cluster.probe-timeout", kind: S, def: "500ms", help: "Timeout to wait for an ack from a probed node before assuming it is unhealthy. This should be set to 99-percentile of RTT (round-trip time) on your network." },
  { name: "cluster.probe-interval", kind: S, def: "1s", help: "Interval between random node probes. Setting this lower (more frequent) will cause the cluster to detect failed nodes more quickly at the expense of increased bandwidth usage." },
  { name: "cluster.settle-timeout", kind: S, def: "1m0s", help: "Maximum time to wait for cluster connections to settle before evaluating notifications." },
  { name: "cluster.reconnect-interval", kind: S, def: "10s", help: "Interval between attempting to reconnect to lost peers." },
  { name: "cluster.reconnect-timeout", kind: S, def: "6h0m0s", help: "Length of time to attempt to reconnect to a lost peer." },
  { name: "cluster.tls-config", kind: S, def: "", help: "[EXPERIMENTAL] Path to config yaml file that can enable mutual TLS within the gossip protocol." },
  { name: "cluster.allow-insecure-public-advertise-address-discovery", kind: B, def: "false", help: "[EXPERIMENTAL] Allow alertmanager to discover and listen on a public IP address." },
  { name: "cluster.label", kind: S, def: "", help: "The cluster label is an optional string to include on each packet and stream. It uniquely identifies the cluster and prevents cross-communication issues when sending gossip messages." },
  { name: "log.level", kind: S, def: "info", placeholder: "<level>", help: "Only log messages with the given severity or above. One of: [debug, info, warn, error]" },
  { name: "log.format", kind: S, def: "logfmt", placeholder: "<format>", help: "Output format of log messages. One of: [logfmt, json]" },
];

/** A flag value that does not parse; printed like kingpin's errors. */
class FlagValueError extends Error {}

/** Go's time.ParseDuration for the duration flags (upstream uses kingpin's Duration, not model.Duration). */
function durationFlag(f: ParsedFlags, name: string): number {
  const v = f.string(name);
  if (v === "0") return 0;
  let rest = v;
  let ms = 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/;
  if (rest === "") throw new FlagValueError(`invalid value "${v}" for flag --${name}: time: invalid duration "${v}"`);
  while (rest !== "") {
    const m = re.exec(rest);
    if (m === null) {
      // model.Duration's extra units (d, w, y) are accepted too.
      try {
        return parseDuration(v);
      } catch {
        throw new FlagValueError(`invalid value "${v}" for flag --${name}: time: invalid duration "${v}"`);
      }
    }
    ms += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return ms;
}

/**
 * The gossip peer of the --cluster.* flags, or null when
 * --cluster.listen-address is empty (HA disabled). Throws FlagValueError
 * for a bad duration, AddressError for an address without a port.
 */
function clusterPeer(f: ParsedFlags, logger: Logger): Peer | null {
  const listenAddress = f.string("cluster.listen-address");
  if (listenAddress === "") return null;
  return new Peer({
    listenAddress,
    advertiseAddress: f.string("cluster.advertise-address"),
    peers: f.list("cluster.peer"),
    label: f.string("cluster.label"),
    gossipIntervalMs: durationFlag(f, "cluster.gossip-interval"),
    pushPullIntervalMs: durationFlag(f, "cluster.pushpull-interval"),
    settleTimeoutMs: durationFlag(f, "cluster.settle-timeout"),
    tcpTimeoutMs: durationFlag(f, "cluster.tcp-timeout"),
    probeTimeoutMs: durationFlag(f, "cluster.probe-timeout"),
    probeIntervalMs: durationFlag(f, "cluster.probe-interval"),
    reconnectIntervalMs: durationFlag(f, "cluster.reconnect-interval"),
    reconnectTimeoutMs: durationFlag(f, "cluster.reconnect-timeout"),
    logger: logger.with("component", "cluster"),
  });
}

/** `promstack alertmanager`: runs Alertmanager until SIGTERM or SIGINT; SIGHUP reloads. */
export async function main(argv: string[]): Promise<number> {
  return runWithFlags(
    "alertmanager",
    "Prometheus Alertmanager",
    versionText("alertmanager"),
    ALERTMANAGER_FLAGS,
    argv,
    async (f) => {
      const level = f.string("log.level");
      const format = f.string("log.format");
      if (!isLogLevel(level)) {
        process.stderr.write(`alertmanager: error: invalid value "${level}" for flag --log.level, try --help\n`);
        return 1;
      }
      if (!isLogFormat(format)) {
        process.stderr.write(`alertmanager: error: invalid value "${format}" for flag --log.format, try --help\n`);
        return 1;
      }
      const logger = newLogger({ level: level as LogLevel, format: format as LogFormat });
      let am: Alertmanager;
      let peer: Peer | null;
      try {
        const peerTimeoutMs = durationFlag(f, "cluster.peer-timeout");
        for (const n of ["cluster.gossip-interval", "cluster.pushpull-interval", "cluster.settle-timeout", "cluster.tcp-timeout", "cluster.probe-timeout", "cluster.probe-interval", "cluster.reconnect-interval", "cluster.reconnect-timeout"]) {
          durationFlag(f, n);
        }
        if (f.string("cluster.tls-config") !== "") {
          // Refuse rather than gossip in clear text when mutual TLS was asked for.
          logger.error("unable to initialize gossip mesh", "err", "--cluster.tls-config is not supported by promstack");
          return 1;
        }
        peer = clusterPeer(f, logger);
        am = createAlertmanager({
          configFile: f.string("config.file"),
          storagePath: f.string("storage.path"),
          dataRetentionMs: durationFlag(f, "data.retention"),
          maintenanceIntervalMs: durationFlag(f, "data.maintenance-interval"),
          alertGCIntervalMs: durationFlag(f, "alerts.gc-interval"),
          listenAddress: f.string("web.listen-address"),
          externalUrl: f.string("web.external-url"),
          routePrefix: f.string("web.route-prefix"),
          webConfigFile: f.string("web.config.file"),
          peerTimeoutMs,
          cluster: peer,
          logger,
        });
      } catch (e) {
        if (e instanceof FlagValueError) {
          process.stderr.write(`alertmanager: error: ${e.message}, try --help\n`);
          return 1;
        }
        if (e instanceof AddressError) {
          logger.error("unable to initialize gossip mesh", "err", e.message);
          return 1;
        }
        if (e instanceof WebConfigError) {
          logger.error("Unable to validate web configuration file", "err", e.message);
          return 1;
        }
        throw e;
      }
      logger.info("Starting Alertmanager", "version", PROMSTACK_VERSION);
      try {
        await am.start();
      } catch (e) {
        logger.error("Loading configuration file failed", "file", f.string("config.file"), "err", (e as Error).message);
        await am.stop().catch(() => {});
        return 1;
      }
      // The peer joins after the snapshots are loaded, so what it merges from others is not overwritten.
      if (peer !== null) {
        try {
          await peer.start();
        } catch (e) {
          logger.error("unable to initialize gossip mesh", "err", (e as Error).message);
          await am.stop().catch(() => {});
          return 1;
        }
      }
      return await new Promise<number>((resolve) => {
        process.on("SIGHUP", () => {
          am.reload().catch(() => {});
        });
        let stopping = false;
        const stop = (sig: string): void => {
          if (stopping) return;
          stopping = true;
          logger.info("Received signal, exiting gracefully...", "signal", sig);
          am.stop()
            .finally(() => peer?.leave(10_000))
            .then(
              () => resolve(0),
              (e) => {
                logger.error("Error stopping Alertmanager", "err", (e as Error).message);
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
