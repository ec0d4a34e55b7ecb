/**
 * `dns_sd_configs` (upstream's discovery/dns): SRV, A, AAAA, MX and NS
 * lookups, polled every refresh_interval, with the search path and ndots
 * of /etc/resolv.conf applied to relative names as Prometheus does.
 */

import { readFileSync } from "node:fs";
import { Resolver } from "node:dns/promises";
import { isIPv6 } from "node:net";
import type { DNSSDConfig } from "../config/index.ts";
import { Labels } from "../model/index.ts";
import type { Discoverer, DiscovererOptions, SendFunc } from "./discoverer.ts";
import { RefreshDiscoverer } from "./refresh.ts";
import { AddressLabel } from "./target-group.ts";
import type { TargetGroup } from "./target-group.ts";

/** The lookups DNS-SD needs; node:dns/promises' Resolver fits. */
export interface DNSResolver {
  resolveSrv(name: string): Promise<Array<{ name: string; port: number; priority: number; weight: number }>>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolveMx(name: string): Promise<Array<{ exchange: string; priority: number }>>;
  resolveNs(name: string): Promise<string[]>;
}

/** Meta labels of DNS-SD targets. */
export const DNSLabels = {
  name: "__meta_dns_name",
  srvTarget: "__meta_dns_srv_record_target",
  srvPort: "__meta_dns_srv_record_port",
  mxTarget: "__meta_dns_mx_record_target",
  nsTarget: "__meta_dns_ns_record_target",
} as const;

/** The search list and ndots of a resolv.conf. */
export interface ResolvConf {
  search: string[];
  ndots: number;
}

/** Parses resolv.conf text: `search`/`domain` and `options ndots:N` (default 1). */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { search: [], ndots: 1 };
  for (const line of text.split("\n")) {
    const f = line.replace(/[#;].*$/, "").trim().split(/\s+/);
    if (f[0] === "search" || f[0] === "domain") conf.search = f.slice(1).filter((s) => s !== "");
    if (f[0] === "options") {
      for (const o of f.slice(1)) {
        const m = /^ndots:(\d+)$/.exec(o);
        if (m !== null) conf.ndots = Math.min(15, Number(m[1]));
      }
    }
  }
  return conf;
}

/**
 * The names to try for `name`, in order (miekg/dns ClientConfig.NameList):
 * a rooted name as is; otherwise the name first when it has at least ndots
 * dots, then each search domain appended, then the name itself.
 */
export function nameList(name: string, conf: ResolvConf): string[] {
  if (name.endsWith(".")) return [name];
  const dots = name.split(".").length - 1;
  const out: string[] = [];
  if (dots >= conf.ndots) out.push(`${name}.`);
  for (const s of conf.search) out.push(`${name}.${s.replace(/\.$/, "")}.`);
  if (dots < conf.ndots) out.push(`${name}.`);
  return out;
}

function defaultResolvConf(): ResolvConf {
  try {
    return parseResolvConf(readFileSync("/etc/resolv.conf", "utf8"));
  } catch {
    return { search: [], ndots: 1 };
  }
}

/** One DNS answer, reduced to what the targets need. */
interface DNSRecord {
  address: string;
  srvTarget: string;
  srvPort: string;
  mxTarget: string;
  nsTarget: string;
}

/** Why a name could not be resolved; the message is upstream's. */
export class DNSLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DNSLookupError";
  }
}

const NOT_FOUND = new Set(["ENOTFOUND", "NXDOMAIN"]);
const NO_DATA = new Set(["ENODATA"]);

function hostPort(host: string, port: number | string): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

// NOTE: matches Prometheus, whose DNS client reports rooted names with the
// final dot in the record-target meta labels and strips it in __address__.
function rooted(n: string): string {
  return n.endsWith(".") ? n : `${n}.`;
}

/**
 * Resolves each name every refresh_interval; each name is one group
 * (source = the name). A name that fails to resolve is logged and keeps
 * its previous targets; a name that does not exist (NXDOMAIN everywhere
 * on the search path) or has no such records yields an empty group.
 */
export class DNSDiscoverer implements Discoverer {
  readonly #cfg: DNSSDConfig;
  readonly #opts: DiscovererOptions;
  readonly #resolver: DNSResolver;
  readonly #conf: ResolvConf;
  readonly #refresher: RefreshDiscoverer;

  /** resolvConf defaults to /etc/resolv.conf, read once. */
  constructor(cfg: DNSSDConfig, opts: DiscovererOptions, resolver?: DNSResolver, resolvConf?: ResolvConf) {
    this.#cfg = cfg;
    this.#opts = opts;
    this.#resolver = resolver ?? new Resolver();
    this.#conf = resolvConf ?? (resolver === undefined ? defaultResolvConf() : { search: [], ndots: 1 });
    this.#refresher = new RefreshDiscoverer("dns", cfg.refreshIntervalMs, (signal) => this.refresh(signal), opts);
  }

  run(signal: AbortSignal, send: SendFunc): Promise<void> {
    return this.#refresher.run(signal, send);
  }

  /** Resolves every name; never rejects (failed names are left out). */
  async refresh(signal: AbortSignal): Promise<TargetGroup[]> {
    const results = await Promise.all(
      this.#cfg.names.map(async (name) => {
        try {
          const recs = await this.#lookupWithSearchPath(name);
          this.#opts.metrics.dnsLookup(false);
          return this.#group(name, recs);
        } catch (e) {
          this.#opts.metrics.dnsLookup(true);
          if (!signal.aborted) this.#opts.logger.error("Error refreshing DNS targets", "err", e);
          return null;
        }
      }),
    );
    return results.filter((g): g is TargetGroup => g !== null);
  }

  #group(name: string, recs: DNSRecord[]): TargetGroup {
    return {
      source: name,
      labels: Labels.EMPTY,
      targets: recs.map((r) =>
        Labels.fromObject({
          [AddressLabel]: r.address,
          [DNSLabels.name]: name,
          [DNSLabels.srvTarget]: r.srvTarget,
          [DNSLabels.srvPort]: r.srvPort,
          [DNSLabels.mxTarget]: r.mxTarget,
          [DNSLabels.nsTarget]: r.nsTarget,
        }),
      ),
    };
  }

  async #lookupWithSearchPath(name: string): Promise<DNSRecord[]> {
    let allValid = true;
    for (const n of nameList(name, this.#conf)) {
      try {
        return await this.#lookup(n);
      } catch (e) {
        const code = (e as { code?: string }).code ?? "";
        if (NO_DATA.has(code)) return [];
        if (!NOT_FOUND.has(code)) allValid = false;
      }
    }
    // NXDOMAIN from everyone is an answer: the name has no targets.
    if (allValid) return [];
    throw new DNSLookupError(`could not resolve ${JSON.stringify(name)}: all servers responded with errors to at least one search domain`);
  }

  async #lookup(fqdn: string): Promise<DNSRecord[]> {
    const r = this.#resolver;
    // c-ares wants names without the root dot.
    const q = fqdn.replace(/\.$/, "");
    const port = this.#cfg.port;
    const none = { srvTarget: "", srvPort: "", mxTarget: "", nsTarget: "" };
    switch (this.#cfg.type.toUpperCase()) {
      case "SRV":
        return (await r.resolveSrv(q)).map((s) => ({
          ...none,
          address: hostPort(s.name.replace(/\.+$/, ""), s.port),
          srvTarget: rooted(s.name),
          srvPort: String(s.port),
        }));
      case "A":
        return (await r.resolve4(q)).map((a) => ({ ...none, address: hostPort(a, port) }));
      case "AAAA":
        return (await r.resolve6(q)).map((a) => ({ ...none, address: hostPort(a, port) }));
      case "MX":
        return (await r.resolveMx(q)).map((m) => ({ ...none, address: hostPort(m.exchange.replace(/\.+$/, ""), port), mxTarget: rooted(m.exchange) }));
      case "NS":
        return (await r.resolveNs(q)).map((ns) => ({ ...none, address: hostPort(ns.replace(/\.+$/, ""), port), nsTarget: rooted(ns) }));
      default:
        throw new DNSLookupError(`invalid DNS-SD records type ${this.#cfg.type}`);
    }
  }
}
