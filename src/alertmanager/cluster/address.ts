/**
 * Addresses of the cluster: `host:port` parsing as Go's net package does,
 * the advertised address (upstream cluster/advertise.go) and resolving
 * the --cluster.peer names.
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";

/** A `host:port` that does not parse. */
export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AddressError";
  }
}

/** Splits `host:port` (IPv6 in brackets) as Go's net.SplitHostPort. Throws AddressError. */
export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  if (m === null || Number(m[3]) > 65535) throw new AddressError(`address ${addr}: missing port in address`);
  return { host: m[1] ?? m[2] ?? "", port: Number(m[3]) };
}

/** Joins host and port as Go's net.JoinHostPort (brackets around IPv6). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function isUnspecified(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::" || host === "[::]";
}

/** RFC 1918, RFC 6598 and unique-local IPv6, as sockaddr's GetPrivateIP accepts. */
export function isPrivateIP(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split(".").map(Number) as [number, number];
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  return /^f[cd][0-9a-f]{2}:/i.test(ip);
}

/**
 * The address this peer tells others to reach it at (upstream
 * calculateAdvertiseAddress): the explicit --cluster.advertise-address,
 * else the listen host when it is specific, else the first private IPv4
 * of a non-loopback interface, then any non-loopback IPv4, then
 * 127.0.0.1. `port` is the bound port. `warn` says when no private
 * address was found.
 */
export function advertiseAddress(advertise: string, listenHost: string, port: number, warn: (msg: string) => void): string {
  if (advertise !== "") {
    const { host, port: p } = splitHostPort(advertise);
    return joinHostPort(host, p);
  }
  if (!isUnspecified(listenHost)) return joinHostPort(listenHost, port);
  const ips: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) ips.push(a.address);
  }
  const ip = ips.find(isPrivateIP) ?? ips[0];
  if (ip === undefined) {
    warn("no private IP found, advertising 127.0.0.1; set --cluster.advertise-address");
    return joinHostPort("127.0.0.1", port);
  }
  if (!isPrivateIP(ip)) warn(`no private IP found, advertising public ${ip}; set --cluster.advertise-address`);
  return joinHostPort(ip, port);
}

/** Resolves a host name to its addresses. Rejects when the name does not resolve (yet). */
export type Resolver = (host: string) => Promise<string[]>;

/** The system resolver (getaddrinfo, all addresses). */
export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * The `host:port` addresses of the --cluster.peer entries (upstream
 * resolvePeers): IPs as given, names resolved to every address. Names that
 * do not resolve are left out and reported through `failed`.
 */
export async function resolvePeers(peers: readonly string[], resolve: Resolver, failed: (peer: string, err: Error) => void): Promise<string[]> {
  const out = new Set<string>();
  await Promise.all(
    peers.map(async (p) => {
      let hp: { host: string; port: number };
      try {
        hp = splitHostPort(p);
      } catch (e) {
        failed(p, e as Error);
        return;
      }
      if (isIP(hp.host) !== 0) {
        out.add(joinHostPort(hp.host, hp.port));
        return;
      }
      try {
        for (const ip of await resolve(hp.host)) out.add(joinHostPort(ip, hp.port));
      } catch (e) {
        failed(p, e as Error);
      }
    }),
  );
  return [...out].sort();
}
