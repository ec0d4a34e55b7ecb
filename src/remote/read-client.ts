import { compressSync, uncompressSync } from "snappy";
import type { RemoteReadConfig } from "../config/index.ts";
import { Agent, configHeaders, request, tlsOptions } from "../config/index.ts";
import type { Config } from "../config/index.ts";
import { compareLabels, Labels, Matcher, MatchType } from "../model/index.ts";
import { ArraySeriesSet, type Querier, type SelectHints, type Series, type SeriesIterator, type SeriesSet, ValueType } from "../storage/index.ts";
import { protoRoot } from "./wire.ts";

const PB_MATCH: Record<string, number> = { [MatchType.Equal]: 0, [MatchType.NotEqual]: 1, [MatchType.Regexp]: 2, [MatchType.NotRegexp]: 3 };

/** The samples of one series, in timestamp order (stale markers flagged). */
class ArraySeries implements Series {
  readonly labels: Labels;
  readonly ts: Float64Array;
  readonly vs: Float64Array;
  readonly stale: Uint8Array;

  constructor(labels: Labels, ts: Float64Array, vs: Float64Array, stale: Uint8Array) {
    this.labels = labels;
    this.ts = ts;
    this.vs = vs;
    this.stale = stale;
  }

  iterator(): SeriesIterator {
    return new ArrayIterator(this);
  }
}

class ArrayIterator implements SeriesIterator {
  readonly #s: ArraySeries;
  #i: number;

  constructor(s: ArraySeries) {
    this.#s = s;
    this.#i = -1;
  }

  next(): ValueType {
    if (this.#i < this.#s.ts.length) this.#i++;
    return this.#i < this.#s.ts.length ? ValueType.Float : ValueType.None;
  }

  seek(t: number): ValueType {
    if (this.#i < 0) this.#i = 0;
    while (this.#i < this.#s.ts.length && this.#s.ts[this.#i]! < t) this.#i++;
    return this.#i < this.#s.ts.length ? ValueType.Float : ValueType.None;
  }

  atT(): number {
    return this.#s.ts[this.#i]!;
  }

  atF(): number {
    return this.#s.vs[this.#i]!;
  }

  isStale(): boolean {
    return this.#s.stale[this.#i] === 1;
  }

  readInto(ts: Float64Array, vs: Float64Array, stale: Uint8Array | null, maxt: number): number {
    let n = 0;
    while (n < ts.length && this.#i + 1 < this.#s.ts.length && this.#s.ts[this.#i + 1]! <= maxt) {
      this.#i++;
      if (stale === null && this.#s.stale[this.#i] === 1) continue;
      ts[n] = this.#s.ts[this.#i]!;
      vs[n] = this.#s.vs[this.#i]!;
      if (stale !== null) stale[n] = this.#s.stale[this.#i]!;
      n++;
    }
    return n;
  }

  err(): Error | null {
    return null;
  }
}

interface DecodedReadResponse {
  results?: Array<{ timeseries?: Array<{ labels?: Array<{ name?: string; value?: string }>; samples?: Array<{ value?: number; timestamp?: number }> }> }>;
}

/** Options of a RemoteReadClient. */
export interface RemoteReadClientOptions {
  userAgent: string;
}

/**
 * Queries one `remote_read` endpoint (SAMPLES responses, snappy-compressed
 * ReadRequest with the upstream headers). Throws on transport errors and
 * non-2xx answers ("server returned HTTP status ...").
 */
export class RemoteReadClient {
  readonly cfg: RemoteReadConfig;
  readonly #ua: string;
  readonly #agent: Agent;

  constructor(cfg: RemoteReadConfig, o: RemoteReadClientOptions) {
    this.cfg = cfg;
    this.#ua = o.userAgent;
    this.#agent = new Agent({ connect: tlsOptions(cfg.httpClientConfig.tlsConfig) as object });
  }

  /** Reads the series matching `matchers` in [mint, maxt] (ms). */
  async read(mint: number, maxt: number, matchers: readonly Matcher[], hints: SelectHints | null): Promise<Series[]> {
    const T = protoRoot().lookupType("prometheus.ReadRequest");
    const msg = T.fromObject({
      queries: [
        {
          start_timestamp_ms: mint,
          end_timestamp_ms: maxt,
          matchers: matchers.map((m) => ({ type: PB_MATCH[m.type], name: m.name, value: m.value })),
          hints: hints === null ? null : { start_ms: hints.start, end_ms: hints.end, step_ms: hints.step, range_ms: hints.range, func: hints.func },
        },
      ],
      accepted_response_types: [0],
    });
    const body = compressSync(Buffer.from(T.encode(msg).finish()), { copyOutputData: true });
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(configHeaders(this.cfg.httpClientConfig))) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v : String(v);
    for (const [k, v] of this.cfg.headers ?? []) headers[k.toLowerCase()] = v;
    headers["content-encoding"] = "snappy";
    headers["accept-encoding"] = "snappy";
    headers["content-type"] = "application/x-protobuf";
    headers["user-agent"] = this.#ua;
    headers["x-prometheus-remote-read-version"] = "0.1.0";
    const res = await request(this.cfg.url.href, { method: "POST", headers, body, dispatcher: this.#agent, signal: AbortSignal.timeout(this.cfg.remoteTimeoutMs) });
    const raw = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new Error(`remote server ${this.cfg.url.href} returned HTTP status ${res.statusCode}: ${raw.toString("utf8").slice(0, 512).trim()}`);
    }
    const R = protoRoot().lookupType("prometheus.ReadResponse");
    const resp = R.toObject(R.decode(uncompressSync(raw, { asBuffer: true, copyOutputData: true }) as Buffer), { longs: Number }) as DecodedReadResponse;
    const out: Series[] = [];
    for (const ts of resp.results?.[0]?.timeseries ?? []) {
      const lbls = Labels.fromObject(Object.fromEntries((ts.labels ?? []).map((l) => [l.name ?? "", l.value ?? ""])));
      const samples = ts.samples ?? [];
      const t = new Float64Array(samples.length);
      const v = new Float64Array(samples.length);
      const stale = new Uint8Array(samples.length);
      samples.forEach((s, i) => {
        t[i] = s.timestamp ?? 0;
        v[i] = s.value ?? 0;
      });
      out.push(new ArraySeries(lbls, t, v, stale));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/**
 * A Querier over one remote_read endpoint, as upstream's remote querier:
 * skipped unless the select has an equality matcher for every
 * required_matchers label; with filter_external_labels, the external
 * labels are sent as equality matchers and removed from the answer. A
 * failing remote gives an empty result with a warning, never an error.
 */
export class RemoteReadQuerier implements Querier {
  readonly #c: RemoteReadClient;
  readonly #mint: number;
  readonly #maxt: number;
  readonly #ext: Labels;

  constructor(c: RemoteReadClient, mint: number, maxt: number, externalLabels: Labels) {
    this.#c = c;
    this.#mint = mint;
    this.#maxt = maxt;
    this.#ext = externalLabels;
  }

  async select(sorted: boolean, hints: SelectHints | null, ...matchers: Matcher[]): Promise<SeriesSet> {
    const req = this.#c.cfg.requiredMatchers;
    if (req !== null) {
      for (const [n, v] of req) if (!matchers.some((m) => m.type === MatchType.Equal && m.name === n && m.value === v)) return new ArraySeriesSet([]);
    }
    const added: string[] = [];
    const ms = [...matchers];
    if (this.#c.cfg.filterExternalLabels) {
      this.#ext.forEach((n, v) => {
        if (matchers.some((m) => m.name === n)) return;
        ms.push(new Matcher(MatchType.Equal, n, v));
        added.push(n);
      });
    }
    let series: Series[];
    try {
      series = await this.#c.read(this.#mint, this.#maxt, ms, hints);
    } catch (e) {
      return new ArraySeriesSet([], [`remote_read ${this.#c.cfg.name || this.#c.cfg.url.href}: ${e instanceof Error ? e.message : String(e)}`]);
    }
    if (added.length > 0) {
      series = series.map((s) => {
        const a = s as ArraySeries;
        return new ArraySeries(s.labels.without(...added), a.ts, a.vs, a.stale);
      });
    }
    if (sorted) series.sort((a, b) => compareLabels(a.labels, b.labels));
    return new ArraySeriesSet(series);
  }

  async labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    const ss = await this.select(false, null, ...matchers);
    const set = new Set<string>();
    while (ss.next()) {
      const v = ss.at().labels.get(name);
      if (v !== "") set.add(v);
    }
    return [...set].sort();
  }

  async labelNames(...matchers: Matcher[]): Promise<string[]> {
    const ss = await this.select(false, null, ...matchers);
    const set = new Set<string>();
    while (ss.next()) ss.at().labels.forEach((n) => set.add(n));
    return [...set].sort();
  }

  close(): void {}
}

/**
 * The remote_read side of the server: one client per `remote_read` entry.
 * queriers() gives the remote queriers a query over [mint, maxt] needs:
 * an endpoint without read_recent is skipped when local storage covers
 * the whole range (mint at or after the oldest local sample), as
 * upstream's PreferLocalStorageFilter.
 */
export class RemoteReadStorage {
  readonly #ua: string;
  #clients: RemoteReadClient[];
  #ext: Labels;

  constructor(o: RemoteReadClientOptions) {
    this.#ua = o.userAgent;
    this.#clients = [];
    this.#ext = Labels.EMPTY;
  }

  /** Replaces the clients with those of cfg's remote_read section. */
  async applyConfig(cfg: Config): Promise<void> {
    const old = this.#clients;
    this.#clients = cfg.remoteRead.map((rr) => new RemoteReadClient(rr, { userAgent: this.#ua }));
    this.#ext = cfg.global.externalLabels;
    await Promise.all(old.map((c) => c.close()));
  }

  /** Remote queriers for [mint, maxt]; localStartMs is the oldest local sample's time. */
  queriers(mint: number, maxt: number, localStartMs: number): Querier[] {
    return this.#clients.filter((c) => c.cfg.readRecent || mint < localStartMs).map((c) => new RemoteReadQuerier(c, mint, maxt, this.#ext));
  }

  /** Closes every client. */
  async stop(): Promise<void> {
    await Promise.all(this.#clients.map((c) => c.close()));
    this.#clients = [];
  }
}
