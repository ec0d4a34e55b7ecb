import { createHash } from "node:crypto";
import * as path from "node:path";
import type { Config, RemoteWriteConfig } from "../config/index.ts";
import type { Labels } from "../model/index.ts";
import type { Registry } from "../exposition/index.ts";
import { type Clock, type Logger, nopLogger } from "../util/index.ts";
import { HTTPWriteClient, type WriteClient } from "./client.ts";
import { QueueManager, RemoteWriteMetrics } from "./queue-manager.ts";
import { RemoteWriteProtoMsg } from "./receiver.ts";

/** Options of a RemoteWriteStorage. */
export interface RemoteWriteStorageOptions {
  /** The TSDB's WAL directory. */
  walDir: string;
  /** Directory of the queues' position files (`<storage.tsdb.path>/remote-write`); null to never resume. */
  positionDir: string | null;
  registry?: Registry;
  logger?: Logger;
  /** Sent as User-Agent. */
  userAgent: string;
  /** --storage.remote.flush-deadline (ms). */
  flushDeadlineMs?: number;
  walPollIntervalMs?: number;
  clock?: Clock;
  /** Builds the client of a queue; the HTTP client if absent (tests inject failures here). */
  newClient?: (cfg: RemoteWriteConfig, protoMsg: RemoteWriteProtoMsg) => WriteClient;
}

/** The hash identifying a remote_write entry, as upstream's toHash: the first 6 hex digits name unnamed queues. */
export function remoteWriteHash(cfg: RemoteWriteConfig): string {
  const h = createHash("md5");
  h.update(
    JSON.stringify(cfg, (_k, v: unknown) => {
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof RegExp) return v.source;
      return v;
    }),
  );
  return h.digest("hex");
}

/**
 * The remote write side of the server, as Prometheus's remote.WriteStorage:
 * one QueueManager per `remote_write` entry. applyConfig keeps the queues
 * whose configuration (and external labels) did not change, stops removed
 * or changed ones (flushing within the deadline) and starts new ones.
 */
export class RemoteWriteStorage {
  readonly #o: RemoteWriteStorageOptions;
  readonly #log: Logger;
  readonly #metrics: RemoteWriteMetrics;
  /** Key (config hash + external labels) → queue. */
  #queues: Map<string, QueueManager>;

  constructor(o: RemoteWriteStorageOptions) {
    this.#o = o;
    this.#log = o.logger ?? nopLogger;
    this.#metrics = new RemoteWriteMetrics();
    if (o.registry !== undefined) this.#metrics.register(o.registry);
    // NOTE: matches Prometheus, which exposes these two even without remote_write.
    this.#metrics.samplesIn.with();
    this.#metrics.highestTimestampIn.with();
    this.#queues = new Map();
  }

  /** The running queues, in configuration order. */
  get queues(): readonly QueueManager[] {
    return [...this.#queues.values()];
  }

  /** Applies the remote_write section of cfg. Throws on duplicate queue names. */
  async applyConfig(cfg: Config): Promise<void> {
    const ext = cfg.global.externalLabels;
    const next = new Map<string, QueueManager>();
    const names = new Set<string>();
    const toStart: QueueManager[] = [];
    for (const rw of cfg.remoteWrite) {
      const hash = remoteWriteHash(rw);
      const name = rw.name !== "" ? rw.name : hash.slice(0, 6);
      if (names.has(name)) throw new Error(`duplicate remote write configs are not allowed, found duplicate for URL: ${rw.url.href}`);
      names.add(name);
      const key = `${hash}/${ext.key}`;
      const existing = this.#queues.get(key);
      if (existing !== undefined) {
        next.set(key, existing);
        continue;
      }
      const q = this.#newQueue(rw, name, ext);
      next.set(key, q);
      toStart.push(q);
    }
    const stopping: Promise<void>[] = [];
    for (const [key, q] of this.#queues) {
      if (next.has(key)) continue;
      stopping.push(q.stop().then(() => this.#metrics.remove(q.name, q.url)));
    }
    await Promise.all(stopping);
    this.#queues = next;
    for (const q of toStart) q.start();
  }

  /** Stops every queue (flushing within the deadline). */
  async stop(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.stop()));
    this.#queues = new Map();
  }

  #newQueue(rw: RemoteWriteConfig, name: string, ext: Labels): QueueManager {
    const protoMsg = rw.protobufMessage === RemoteWriteProtoMsg.V2 ? RemoteWriteProtoMsg.V2 : RemoteWriteProtoMsg.V1;
    const client =
      this.#o.newClient?.(rw, protoMsg) ??
      new HTTPWriteClient({
        url: rw.url.href,
        timeoutMs: rw.remoteTimeoutMs,
        headers: rw.headers,
        httpClientConfig: rw.httpClientConfig,
        retryOnRateLimit: rw.queueConfig.retryOnRateLimit,
        protoMsg,
        userAgent: this.#o.userAgent,
      });
    // The position survives queue tuning: it is keyed by URL and name only.
    const posKey = createHash("md5").update(`${rw.url.href}\n${rw.name}`).digest("hex").slice(0, 16);
    return new QueueManager({
      name,
      url: rw.url.href,
      queueConfig: rw.queueConfig,
      writeRelabelConfigs: rw.writeRelabelConfigs,
      externalLabels: ext,
      protoMsg,
      client,
      walDir: this.#o.walDir,
      positionFile: this.#o.positionDir === null ? null : path.join(this.#o.positionDir, `${posKey}.json`),
      metrics: this.#metrics,
      ...(this.#o.walPollIntervalMs !== undefined ? { walPollIntervalMs: this.#o.walPollIntervalMs } : {}),
      ...(this.#o.flushDeadlineMs !== undefined ? { flushDeadlineMs: this.#o.flushDeadlineMs } : {}),
      ...(this.#o.clock !== undefined ? { clock: this.#o.clock } : {}),
      logger: this.#log.with("component", "remote"),
    });
  }
}
