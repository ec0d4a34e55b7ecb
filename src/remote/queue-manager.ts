import * as fs from "node:fs";
import * as path from "node:path";
import { compressSync } from "snappy";
import type { QueueConfig } from "../config/index.ts";
import { CounterVec, GaugeVec, HistogramVec, type Registry } from "../exposition/index.ts";
import { type Labels, type RelabelConfig, relabel } from "../model/index.ts";
import type { RefSamples, RefSeries } from "../tsdb/index.ts";
import { type Clock, type Logger, nopLogger, systemClock, type Timer } from "../util/index.ts";
import { NonRecoverableError, RecoverableError, type WriteClient } from "./client.ts";
import { RemoteWriteProtoMsg } from "./receiver.ts";
import { WalWatcher, type WalPosition, type WalWatcherSink } from "./wal-watcher.ts";
import { encodeLabelsV1, encodeWriteRequestV1, encodeWriteRequestV2, WireWriter, type SampleBatch } from "./write-encoder.ts";

/** How often the desired number of shards is recomputed, as upstream's shardUpdateDuration. */
const SHARD_UPDATE_MS = 10_000;
/** Resharding happens only outside ±30% of the current shard count, as upstream's shardToleranceFraction. */
const SHARD_TOLERANCE = 0.3;
/** EWMA weight of the rate estimates, as upstream's ewmaWeight. */
const EWMA_WEIGHT = 0.2;
/** How often the sending position is saved while samples are acknowledged (ms). */
const POSITION_SAVE_MS = 1000;

/**
 * The prometheus_remote_storage_* metrics, shared by every queue (children
 * are labelled by remote_name and url). Register once per server.
 */
export class RemoteWriteMetrics {
  readonly samplesTotal = new CounterVec("prometheus_remote_storage_samples_total", "Total number of samples sent to remote storage.", ["remote_name", "url"]);
  readonly samplesFailed = new CounterVec(
    "prometheus_remote_storage_samples_failed_total",
    "Total number of samples which failed on send to remote storage, non-recoverable errors.",
    ["remote_name", "url"],
  );
  readonly samplesRetried = new CounterVec(
    "prometheus_remote_storage_samples_retried_total",
    "Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.",
    ["remote_name", "url"],
  );
  readonly samplesDropped = new CounterVec(
    "prometheus_remote_storage_samples_dropped_total",
    "Total number of samples which were dropped after being read from the WAL before being sent via remote write, either via relabelling, due to being too old or unintentionally because of an unknown reference ID.",
    ["remote_name", "url"],
  );
  readonly samplesPending = new GaugeVec(
    "prometheus_remote_storage_samples_pending",
    "The number of samples pending in the queues shards to be sent to the remote storage.",
    ["remote_name", "url"],
  );
  readonly samplesIn = new CounterVec("prometheus_remote_storage_samples_in_total", "Samples in to remote storage, compare to samples out for queue managers.");
  readonly highestTimestampIn = new GaugeVec(
    "prometheus_remote_storage_highest_timestamp_in_seconds",
    "Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch. Initialized to 0 when no data has been received yet.",
  );
  readonly highestSent = new GaugeVec(
    "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
    "Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch. Initialized to 0 when no data has been sent yet.",
    ["remote_name", "url"],
  );
  readonly shards = new GaugeVec("prometheus_remote_storage_shards", "The number of shards used for parallel sending to the remote storage.", ["remote_name", "url"]);
  readonly shardsDesired = new GaugeVec(
    "prometheus_remote_storage_shards_desired",
    "The number of shards that the queues shard calculation wants to run based on the rate of samples in vs. samples out.",
    ["remote_name", "url"],
  );
  readonly shardsMin = new GaugeVec("prometheus_remote_storage_shards_min", "The minimum number of shards that the queue is allowed to run.", ["remote_name", "url"]);
  readonly shardsMax = new GaugeVec("prometheus_remote_storage_shards_max", "The maximum number of shards that the queue is allowed to run.", ["remote_name", "url"]);
  readonly shardCapacity = new GaugeVec("prometheus_remote_storage_shard_capacity", "The capacity of each shard of the queue used for parallel sending to the remote storage.", [
    "remote_name",
    "url",
  ]);
  readonly maxSamplesPerSend = new GaugeVec(
    "prometheus_remote_storage_max_samples_per_send",
    "The maximum number of samples to be sent, in a single request, to the remote storage. Note that, when sending of exemplars over remote write is enabled, exemplars count towards this limt.",
    ["remote_name", "url"],
  );
  readonly bytesTotal = new CounterVec(
    "prometheus_remote_storage_bytes_total",
    "The total number of bytes of data (not metadata) sent by the queue after compression. Note that when exemplars over remote write is enabled the exemplars included in a remote write request count towards this metric.",
    ["remote_name", "url"],
  );
  readonly enqueueRetries = new CounterVec(
    "prometheus_remote_storage_enqueue_retries_total",
    "Total number of times enqueue has failed because a shards queue was full.",
    ["remote_name", "url"],
  );
  readonly sentBatchDuration = new HistogramVec(
    "prometheus_remote_storage_sent_batch_duration_seconds",
    "Duration of send calls to the remote storage.",
    ["remote_name", "url"],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120, 300],
  );

  /** Registers every family. */
  register(r: Registry): void {
    for (const c of [
      this.samplesTotal,
      this.samplesFailed,
      this.samplesRetried,
      this.samplesDropped,
      this.samplesPending,
      this.samplesIn,
      this.highestTimestampIn,
      this.highestSent,
      this.shards,
      this.shardsDesired,
      this.shardsMin,
      this.shardsMax,
      this.shardCapacity,
      this.maxSamplesPerSend,
      this.bytesTotal,
      this.enqueueRetries,
      this.sentBatchDuration,
    ]) {
      r.register(c);
    }
  }

  /** Creates the children of a queue, so that every family shows (at zero) from the start, as upstream's. */
  init(name: string, url: string): void {
    for (const v of this.#perQueue()) v.with(name, url);
    this.samplesIn.with();
    this.highestTimestampIn.with();
  }

  /** Drops the children of a queue that went away. */
  remove(name: string, url: string): void {
    for (const v of this.#perQueue()) v.remove(name, url);
  }

  /** The families with one child per queue. */
  #perQueue(): Array<CounterVec | GaugeVec | HistogramVec> {
    return [
      this.samplesTotal,
      this.samplesFailed,
      this.samplesRetried,
      this.samplesDropped,
      this.samplesPending,
      this.highestSent,
      this.shards,
      this.shardsDesired,
      this.shardsMin,
      this.shardsMax,
      this.shardCapacity,
      this.maxSamplesPerSend,
      this.bytesTotal,
      this.enqueueRetries,
      this.sentBatchDuration,
    ];
  }
}

/** Options of a QueueManager. */
export interface QueueManagerOptions {
  /** remote_name label: the config's name, or a hash of it. */
  name: string;
  /** The endpoint (url label). */
  url: string;
  queueConfig: QueueConfig;
  writeRelabelConfigs: readonly RelabelConfig[];
  /** Added to every series unless it has the label already. */
  externalLabels: Labels;
  protoMsg: RemoteWriteProtoMsg;
  client: WriteClient;
  /** The TSDB's WAL directory. */
  walDir: string;
  /**
   * File where the sending position is kept, so a restart resumes where
   * the last acknowledged sample was; null to start at the WAL's end.
   */
  positionFile: string | null;
  metrics: RemoteWriteMetrics;
  /** How often the WAL is polled for new records (ms); 100 if absent. */
  walPollIntervalMs?: number;
  /** How long stop() tries to send what is queued (ms); upstream's --storage.remote.flush-deadline, 1m if absent. */
  flushDeadlineMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Current time (ms). */
  now?: () => number;
}

/**
 * One shard: a ring of queued samples (series ref, t, v, stale flag and the
 * global sequence number of each), sent in batches, one request in flight
 * at a time so a series' samples arrive in order.
 */
class Shard {
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
  stale: Uint8Array;
  seqs: Float64Array;
  head: number;
  len: number;
  inFlight: boolean;
  timer: Timer | null;

  constructor(capacity: number) {
    this.refs = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
    this.stale = new Uint8Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.head = 0;
    this.len = 0;
    this.inFlight = false;
    this.timer = null;
  }

  get capacity(): number {
    return this.refs.length;
  }

  push(ref: number, t: number, v: number, stale: number, seq: number): void {
    if (this.len === this.refs.length) this.#grow();
    const i = (this.head + this.len) % this.refs.length;
    this.refs[i] = ref;
    this.ts[i] = t;
    this.vs[i] = v;
    this.stale[i] = stale;
    this.seqs[i] = seq;
    this.len++;
  }

  /** Doubles the ring (a record larger than the capacity went into an empty shard). */
  #grow(): void {
    const cap = this.refs.length * 2;
    const move = <T extends Float64Array | Uint8Array>(a: T, b: T): T => {
      for (let j = 0; j < this.len; j++) b[j] = a[(this.head + j) % a.length]!;
      return b;
    };
    this.refs = move(this.refs, new Float64Array(cap));
    this.ts = move(this.ts, new Float64Array(cap));
    this.vs = move(this.vs, new Float64Array(cap));
    this.stale = move(this.stale, new Uint8Array(cap));
    this.seqs = move(this.seqs, new Float64Array(cap));
    this.head = 0;
  }

  /** Drops the first n samples (after they were sent or given up on). */
  shift(n: number): void {
    this.head = (this.head + n) % this.refs.length;
    this.len -= n;
  }
}

/**
 * Sends the samples of the TSDB's WAL to one remote endpoint, as
 * Prometheus's QueueManager: a WalWatcher feeds series (relabelled with
 * write_relabel_configs after adding external labels; dropped series are
 * never sent) and samples; samples are spread over shards by series ref,
 * batched by max_samples_per_send or batch_send_deadline, encoded (1.0 or
 * 2.0), snappy-compressed and POSTed. Recoverable failures are retried
 * with exponential backoff from min_backoff to max_backoff (or the
 * server's Retry-After) until they succeed or the queue stops; others drop
 * the batch and count it as failed. The number of shards follows
 * upstream's dynamic resharding between min_shards and max_shards.
 *
 * The position of the last sample whose batch was acknowledged (sent or
 * dropped) is saved to `positionFile`, so a restart resends from there:
 * nothing is lost while the WAL still holds the data (a sample may be sent
 * twice around a crash).
 */
export class QueueManager implements WalWatcherSink {
  readonly name: string;
  readonly url: string;
  readonly #o: QueueManagerOptions;
  readonly #q: QueueConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #watcher: WalWatcher;
  /** Series ref → labels to send (after external labels and relabelling). */
  readonly #series: Map<number, Labels>;
  /** Series ref → encoded 1.0 label fields, built on first send. */
  readonly #encoded: Map<number, Uint8Array>;
  readonly #dropped: Set<number>;
  #shards: Shard[];
  #nextSeq: number;
  /** Positions of records enqueued: record k is acknowledged once every sample with seq < marks[k].seq is. */
  #marks: Array<{ seq: number; pos: WalPosition }>;
  #ackedPos: WalPosition | null;
  #savedPos: string;
  #lastSave: number;
  #stopped: boolean;
  #flushing: boolean;
  #reshardTo: number;
  #reshardTimer: Timer | null;
  readonly #writer: WireWriter;
  // Resharding inputs, as upstream's ewmaRate.
  #samplesInInterval: number;
  #samplesOutInterval: number;
  #droppedInInterval: number;
  #sendSecondsInterval: number;
  #rateIn: number;
  #rateOut: number;
  #rateDropped: number;
  #rateSendSeconds: number;
  #ratesInit: boolean;
  #highestIn: number;
  #highestSent: number;
  #lastSendOk: number;
  readonly #inflight: Set<Promise<void>>;
  readonly #abort: AbortController;

  constructor(o: QueueManagerOptions) {
    this.name = o.name;
    this.url = o.url;
    this.#o = o;
    this.#q = o.queueConfig;
    this.#clock = o.clock ?? systemClock;
    this.#log = (o.logger ?? nopLogger).with("remote_name", o.name, "url", o.url);
    this.#now = o.now ?? Date.now;
    this.#series = new Map();
    this.#encoded = new Map();
    this.#dropped = new Set();
    this.#shards = [];
    this.#nextSeq = 0;
    this.#marks = [];
    this.#ackedPos = null;
    this.#savedPos = "";
    this.#lastSave = 0;
    this.#stopped = false;
    this.#flushing = false;
    this.#reshardTo = 0;
    this.#reshardTimer = null;
    this.#writer = new WireWriter();
    this.#samplesInInterval = 0;
    this.#samplesOutInterval = 0;
    this.#droppedInInterval = 0;
    this.#sendSecondsInterval = 0;
    this.#rateIn = 0;
    this.#rateOut = 0;
    this.#rateDropped = 0;
    this.#rateSendSeconds = 0;
    this.#ratesInit = false;
    this.#highestIn = 0;
    this.#highestSent = 0;
    this.#lastSendOk = 0;
    this.#inflight = new Set();
    this.#abort = new AbortController();
    const start = o.positionFile === null ? null : readPosition(o.positionFile);
    this.#watcher = new WalWatcher({
      dir: o.walDir,
      sink: this,
      start,
      pollIntervalMs: o.walPollIntervalMs ?? 100,
      clock: this.#clock,
      logger: this.#log,
    });
  }

  /** Starts min_shards shards and the WAL watcher. */
  start(): void {
    const m = this.#o.metrics;
    m.init(this.name, this.url);
    m.shardsMin.with(this.name, this.url).set(this.#q.minShards);
    m.shardsMax.with(this.name, this.url).set(this.#q.maxShards);
    m.shardCapacity.with(this.name, this.url).set(this.#q.capacity);
    m.maxSamplesPerSend.with(this.name, this.url).set(this.#q.maxSamplesPerSend);
    this.#startShards(this.#q.minShards);
    this.#log.info("Starting WAL watcher", "queue", this.name);
    this.#watcher.start();
    // Remember where sending starts, so that samples written from here on
    // are sent after a restart even if none was acknowledged before it.
    const pos = this.#watcher.position;
    if (pos.segment >= 0 && this.#ackedPos === null) {
      this.#ackedPos = pos;
      this.#savePosition(true);
    }
    this.#scheduleReshard();
  }

  /** Number of running shards. */
  get numShards(): number {
    return this.#shards.length;
  }

  /** Samples queued and not yet acknowledged. */
  get pending(): number {
    let n = 0;
    for (const s of this.#shards) n += s.len;
    return n;
  }

  /** The last acknowledged WAL position (what positionFile holds), or null before the first. */
  get ackedPosition(): WalPosition | null {
    return this.#ackedPos === null ? null : { ...this.#ackedPos };
  }

  /**
   * Stops reading the WAL, tries to send what is queued within the flush
   * deadline, saves the position and releases the client. Samples not sent
   * are read again from the WAL on the next start.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#watcher.stop();
    this.#reshardTimer?.cancel();
    const deadline = this.#now() + (this.#o.flushDeadlineMs ?? 60_000);
    // Flush: every shard sends what it holds without waiting for its
    // deadline, until all is sent or the flush deadline passes.
    this.#flushing = true;
    for (const s of this.#shards) this.#maybeSend(s);
    while (this.#inflight.size > 0 && this.#now() < deadline) {
      await Promise.race([Promise.race([...this.#inflight]), sleep(Math.max(0, deadline - this.#now()))]);
    }
    this.#stopped = true;
    this.#abort.abort();
    for (const s of this.#shards) s.timer?.cancel();
    await Promise.allSettled([...this.#inflight]);
    this.#savePosition(true);
    await this.#o.client.close();
    this.#log.info("Remote storage stopped.");
  }

  // --- WalWatcherSink ---

  storeSeries(series: readonly RefSeries[]): void {
    const ext = this.#o.externalLabels;
    for (const s of series) {
      let ls = s.labels;
      if (ext.length > 0) {
        const b = ls.builder();
        ext.forEach((n, v) => {
          if (!ls.has(n)) b.set(n, v);
        });
        ls = b.labels();
      }
      const out = this.#o.writeRelabelConfigs.length > 0 ? relabel(ls, this.#o.writeRelabelConfigs) : ls;
      this.#encoded.delete(s.ref);
      if (out === null || out.length === 0) {
        this.#series.delete(s.ref);
        this.#dropped.add(s.ref);
      } else {
        this.#dropped.delete(s.ref);
        this.#series.set(s.ref, out);
      }
    }
  }

  append(samples: RefSamples, end: WalPosition): boolean {
    if (this.#stopped) return false;
    const shards = this.#shards;
    const n = shards.length;
    if (n === 0 || this.#reshardTo > 0) return false;
    // All or nothing: the record is refused when a shard it needs is full
    // (an empty shard takes any record, growing if needed).
    const need = new Int32Array(n);
    for (let i = 0; i < samples.length; i++) need[samples.refs[i]! % n]!++;
    for (let k = 0; k < n; k++) {
      const s = shards[k]!;
      if (need[k]! > 0 && s.len > 0 && s.len + need[k]! > s.capacity) {
        this.#o.metrics.enqueueRetries.with(this.name, this.url).inc();
        return false;
      }
    }
    const m = this.#o.metrics;
    let dropped = 0;
    let enq = 0;
    let maxT = this.#highestIn;
    for (let i = 0; i < samples.length; i++) {
      const ref = samples.refs[i]!;
      const t = samples.ts[i]!;
      if (t > maxT) maxT = t;
      if (!this.#series.has(ref)) {
        if (!this.#dropped.has(ref)) this.#log.debug("Dropped sample for series that was not explicitly dropped via relabelling", "ref", ref);
        dropped++;
        continue;
      }
      const s = shards[ref % n]!;
      s.push(ref, t, samples.vs[i]!, samples.stale[i]!, this.#nextSeq++);
      enq++;
    }
    this.#highestIn = maxT;
    m.highestTimestampIn.with().set(maxT / 1000);
    m.samplesIn.with().inc(samples.length);
    if (dropped > 0) m.samplesDropped.with(this.name, this.url).inc(dropped);
    this.#samplesInInterval += samples.length;
    this.#droppedInInterval += dropped;
    this.#marks.push({ seq: this.#nextSeq, pos: { ...end } });
    m.samplesPending.with(this.name, this.url).set(this.pending);
    if (enq === 0) this.#ack();
    for (const s of shards) this.#maybeSend(s);
    return true;
  }

  // --- shards and sending ---

  #startShards(n: number): void {
    this.#shards = [];
    for (let i = 0; i < n; i++) this.#shards.push(new Shard(this.#q.capacity));
    this.#o.metrics.shards.with(this.name, this.url).set(n);
  }

  #maybeSend(s: Shard): void {
    if (this.#stopped || s.inFlight || this.#reshardTo > 0) return;
    if (s.len >= this.#q.maxSamplesPerSend || (this.#flushing && s.len > 0)) {
      this.#send(s);
      return;
    }
    if (s.len > 0 && s.timer === null) {
      s.timer = this.#clock.setTimeout(() => {
        s.timer = null;
        if (!s.inFlight && s.len > 0 && this.#reshardTo === 0 && !this.#stopped) this.#send(s);
      }, this.#q.batchSendDeadlineMs);
    }
  }

  #send(s: Shard): void {
    s.timer?.cancel();
    s.timer = null;
    const n = Math.min(s.len, this.#q.maxSamplesPerSend);
    s.inFlight = true;
    const p = this.#sendBatch(s, n)
      .catch((e: unknown): boolean => {
        this.#log.error("Unexpected error sending a batch", "err", e instanceof Error ? e.message : String(e));
        return true;
      })
      .then((done) => {
        this.#inflight.delete(p);
        // An aborted batch (stop) stays unacknowledged: it is read from the WAL again on restart.
        if (done) s.shift(n);
        s.inFlight = false;
        this.#o.metrics.samplesPending.with(this.name, this.url).set(this.pending);
        this.#ack();
        if (this.#reshardTo > 0) this.#maybeReshard();
        else this.#maybeSend(s);
        // Room was made: let the watcher offer the record it could not enqueue.
        if (!this.#stopped) this.#watcher.tick();
      });
    this.#inflight.add(p);
  }

  /**
   * Builds, encodes and sends the first n samples of s, retrying
   * recoverable errors. Resolves true once the batch is sent or dropped,
   * false when stop() aborted it.
   */
  async #sendBatch(s: Shard, n: number): Promise<boolean> {
    const m = this.#o.metrics;
    const batch: SampleBatch = {
      length: 0,
      series: new Int32Array(n),
      ts: new Float64Array(n),
      vs: new Float64Array(n),
      stale: new Uint8Array(n),
    };
    const index = new Map<number, number>();
    const seriesRefs: number[] = [];
    const ageLimit = this.#q.sampleAgeLimitMs;
    const minT = ageLimit > 0 ? this.#now() - ageLimit : -Infinity;
    let tooOld = 0;
    let maxT = 0;
    for (let j = 0; j < n; j++) {
      const i = (s.head + j) % s.capacity;
      const ref = s.refs[i]!;
      const t = s.ts[i]!;
      if (t < minT) {
        tooOld++;
        continue;
      }
      let k = index.get(ref);
      if (k === undefined) {
        k = seriesRefs.length;
        index.set(ref, k);
        seriesRefs.push(ref);
      }
      const b = batch.length++;
      batch.series[b] = k;
      batch.ts[b] = t;
      batch.vs[b] = s.vs[i]!;
      batch.stale[b] = s.stale[i]!;
      if (t > maxT) maxT = t;
    }
    if (tooOld > 0) m.samplesDropped.with(this.name, this.url).inc(tooOld);
    if (batch.length === 0) return true;
    let raw: Buffer;
    if (this.#o.protoMsg === RemoteWriteProtoMsg.V1) {
      raw = encodeWriteRequestV1(this.#writer, batch, seriesRefs.map((r) => this.#labelsV1(r)));
    } else {
      raw = encodeWriteRequestV2(this.#writer, batch, seriesRefs.map((r) => this.#series.get(r)!));
    }
    const body = compressSync(raw, { copyOutputData: true });
    const count = batch.length;
    let backoff = this.#q.minBackoffMs;
    for (let attempt = 0; ; attempt++) {
      if (this.#abort.signal.aborted) return false;
      const begin = this.#now();
      try {
        await this.#o.client.store(body, attempt, this.#abort.signal);
        const took = (this.#now() - begin) / 1000;
        m.sentBatchDuration.with(this.name, this.url).observe(took);
        this.#sendSecondsInterval += took;
        this.#samplesOutInterval += count;
        m.samplesTotal.with(this.name, this.url).inc(count);
        m.bytesTotal.with(this.name, this.url).inc(body.length);
        if (maxT > this.#highestSent) {
          this.#highestSent = maxT;
          m.highestSent.with(this.name, this.url).set(maxT / 1000);
        }
        this.#lastSendOk = this.#now();
        return true;
      } catch (e) {
        const took = (this.#now() - begin) / 1000;
        m.sentBatchDuration.with(this.name, this.url).observe(took);
        this.#sendSecondsInterval += took;
        if (e instanceof RecoverableError) {
          m.samplesRetried.with(this.name, this.url).inc(count);
          this.#log.warn("Failed to send batch, retrying", "err", e.message);
          const wait = e.retryAfterMs > 0 ? e.retryAfterMs : backoff;
          await sleep(wait, this.#abort.signal, this.#clock);
          backoff = Math.min(backoff * 2, this.#q.maxBackoffMs);
          continue;
        }
        m.samplesFailed.with(this.name, this.url).inc(count);
        const msg = e instanceof NonRecoverableError || e instanceof Error ? e.message : String(e);
        this.#log.error("non-recoverable error", "count", count, "exemplarCount", 0, "histogramCount", 0, "err", msg);
        return true;
      }
    }
  }

  #labelsV1(ref: number): Uint8Array {
    let b = this.#encoded.get(ref);
    if (b === undefined) {
      b = encodeLabelsV1(this.#series.get(ref)!);
      this.#encoded.set(ref, b);
    }
    return b;
  }

  /** Advances the acknowledged position to the last record whose samples all left the shards. */
  #ack(): void {
    let low = this.#nextSeq;
    for (const s of this.#shards) if (s.len > 0) low = Math.min(low, s.seqs[s.head]!);
    let k = -1;
    while (k + 1 < this.#marks.length && this.#marks[k + 1]!.seq <= low) k++;
    if (k < 0) return;
    this.#ackedPos = this.#marks[k]!.pos;
    this.#marks.splice(0, k + 1);
    this.#savePosition(false);
  }

  #savePosition(force: boolean): void {
    const file = this.#o.positionFile;
    if (file === null || this.#ackedPos === null) return;
    const now = this.#now();
    if (!force && now - this.#lastSave < POSITION_SAVE_MS) return;
    const text = JSON.stringify(this.#ackedPos);
    if (text === this.#savedPos) return;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
      this.#savedPos = text;
      this.#lastSave = now;
    } catch (e) {
      this.#log.error("Failed to save the remote write position", "file", file, "err", e instanceof Error ? e.message : String(e));
    }
  }

  // --- dynamic resharding ---

  #scheduleReshard(): void {
    this.#reshardTimer = this.#clock.setTimeout(() => {
      this.#reshardTimer = null;
      if (this.#stopped) return;
      this.#updateRates();
      const desired = this.calculateDesiredShards();
      if (desired !== this.#shards.length && this.#shouldReshard(desired)) {
        this.#log.info("Remote storage resharding", "from", this.#shards.length, "to", desired);
        this.#reshardTo = desired;
        this.#maybeReshard();
      }
      this.#scheduleReshard();
    }, SHARD_UPDATE_MS);
  }

  #updateRates(): void {
    const secs = SHARD_UPDATE_MS / 1000;
    const inR = this.#samplesInInterval / secs;
    const outR = this.#samplesOutInterval / secs;
    const dropR = this.#droppedInInterval / secs;
    const sendR = this.#sendSecondsInterval / secs;
    this.#samplesInInterval = this.#samplesOutInterval = this.#droppedInInterval = this.#sendSecondsInterval = 0;
    if (!this.#ratesInit) {
      this.#rateIn = inR;
      this.#rateOut = outR;
      this.#rateDropped = dropR;
      this.#rateSendSeconds = sendR;
      this.#ratesInit = true;
      return;
    }
    this.#rateIn += EWMA_WEIGHT * (inR - this.#rateIn);
    this.#rateOut += EWMA_WEIGHT * (outR - this.#rateOut);
    this.#rateDropped += EWMA_WEIGHT * (dropR - this.#rateDropped);
    this.#rateSendSeconds += EWMA_WEIGHT * (sendR - this.#rateSendSeconds);
  }

  /**
   * Upstream's calculateDesiredShards: the shards needed to send the
   * incoming rate plus a tenth of the backlog per interval, given the time
   * one sample takes to send; kept when within ±30% of the current count,
   * clamped to [min_shards, max_shards].
   */
  calculateDesiredShards(): number {
    const m = this.#o.metrics;
    const cur = this.#shards.length;
    if (this.#rateOut <= 0) return cur;
    const keptRatio = this.#rateOut / (this.#rateOut + this.#rateDropped);
    const timePerSample = this.#rateSendSeconds / this.#rateOut;
    const backlogSeconds = Math.max(0, (this.#highestIn - this.#highestSent) / 1000);
    const pendingSamples = backlogSeconds * this.#rateIn * keptRatio;
    const integralGain = 0.1 / (SHARD_UPDATE_MS / 1000);
    const desired = timePerSample * (this.#rateIn * keptRatio + integralGain * pendingSamples);
    m.shardsDesired.with(this.name, this.url).set(desired);
    const lower = cur * (1 - SHARD_TOLERANCE);
    const upper = cur * (1 + SHARD_TOLERANCE);
    let n = Math.ceil(desired);
    if (lower <= n && n <= upper) return cur;
    n = Math.max(this.#q.minShards, Math.min(this.#q.maxShards, n));
    return n;
  }

  /** As upstream: no upscaling while sends fail (the last success is older than two batch deadlines). */
  #shouldReshard(desired: number): boolean {
    if (desired <= this.#shards.length) return true;
    return this.#now() - this.#lastSendOk <= 2 * this.#q.batchSendDeadlineMs + SHARD_UPDATE_MS;
  }

  /** Once no batch is in flight, moves the queued samples to the new shards in their original order. */
  #maybeReshard(): void {
    const to = this.#reshardTo;
    if (to === 0 || this.#shards.some((s) => s.inFlight)) return;
    const old = this.#shards;
    for (const s of old) s.timer?.cancel();
    // Gather and order by sequence number so every series keeps its order.
    const all: Array<{ shard: Shard; i: number }> = [];
    for (const s of old) for (let j = 0; j < s.len; j++) all.push({ shard: s, i: (s.head + j) % s.capacity });
    all.sort((a, b) => a.shard.seqs[a.i]! - b.shard.seqs[b.i]!);
    const cap = Math.max(this.#q.capacity, Math.ceil(all.length / to) + this.#q.capacity);
    this.#shards = [];
    for (let i = 0; i < to; i++) this.#shards.push(new Shard(cap));
    for (const { shard: s, i } of all) {
      const ref = s.refs[i]!;
      this.#shards[ref % to]!.push(ref, s.ts[i]!, s.vs[i]!, s.stale[i]!, s.seqs[i]!);
    }
    this.#reshardTo = 0;
    this.#o.metrics.shards.with(this.name, this.url).set(to);
    for (const s of this.#shards) this.#maybeSend(s);
    this.#watcher.tick();
  }
}

function readPosition(file: string): WalPosition | null {
  try {
    const p = JSON.parse(fs.readFileSync(file, "utf8")) as { segment?: unknown; offset?: unknown };
    if (typeof p.segment === "number" && typeof p.offset === "number" && p.segment >= 0 && p.offset >= 0) return { segment: p.segment, offset: p.offset };
    return null;
  } catch {
    return null;
  }
}

function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const t = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      t.cancel();
      resolve();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
