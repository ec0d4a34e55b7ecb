/**
 * The ipvs collector: IP Virtual Server totals from /proc/net/ip_vs_stats
 * and per-backend connections and weights from /proc/net/ip_vs, labelled
 * by --collector.ipvs.backend-labels (backends that share the chosen
 * label values are summed).
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, readText } from "./collector.ts";

/** Every backend label, in upstream's order (the order of the flag's default). */
export const IPVS_BACKEND_LABELS = ["local_address", "local_port", "remote_address", "remote_port", "proto", "local_mark"] as const;
type IPVSLabel = (typeof IPVS_BACKEND_LABELS)[number];

const c = MetricType.Counter;
const connections = newDesc("node_ipvs_connections_total", "The total number of connections made.", c);
const incomingPackets = newDesc("node_ipvs_incoming_packets_total", "The total number of incoming packets.", c);
const outgoingPackets = newDesc("node_ipvs_outgoing_packets_total", "The total number of outgoing packets.", c);
const incomingBytes = newDesc("node_ipvs_incoming_bytes_total", "The total amount of incoming data.", c);
const outgoingBytes = newDesc("node_ipvs_outgoing_bytes_total", "The total amount of outgoing data.", c);

/** Parses a hex counter exactly (values may exceed 2^53 before the float conversion, as in Go). */
function hex(s: string): number {
  if (!/^[0-9A-Fa-f]+$/.test(s)) throw new Error(`invalid hex value ${JSON.stringify(s)} in ip_vs`);
  return Number(BigInt(`0x${s}`));
}

/** Formats 16 address bytes as Go's net.IP.String does (IPv4-mapped as dotted quad, else RFC 5952). */
function formatIPv6(b: number[]): string {
  if (b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b.slice(12).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hexes.join(":");
  return `${hexes.slice(0, bestStart).join(":")}::${hexes.slice(bestStart + bestLen).join(":")}`;
}

/** Parses "C0A80016:0CEA" or "[2620:0000:...:0001]:0050" into an address string and port. */
export function parseIPPort(s: string): { address: string; port: number } {
  let m = /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})$/.exec(s);
  if (m) {
    const a = m[1]!;
    const bytes = [0, 2, 4, 6].map((i) => parseInt(a.slice(i, i + 2), 16));
    return { address: bytes.join("."), port: parseInt(m[2]!, 16) };
  }
  m = /^\[([0-9A-Fa-f:]{39})\]:([0-9A-Fa-f]{4})$/.exec(s);
  if (m) {
    const hexDigits = m[1]!.replace(/:/g, "");
    const bytes: number[] = [];
    for (let i = 0; i < 32; i += 2) bytes.push(parseInt(hexDigits.slice(i, i + 2), 16));
    return { address: formatIPv6(bytes), port: parseInt(m[2]!, 16) };
  }
  throw new Error(`unexpected IP:Port: ${s}`);
}

/** One real server of a virtual service. */
export interface IPVSBackend {
  localAddress: string;
  localPort: number;
  localMark: string;
  proto: string;
  remoteAddress: string;
  remotePort: number;
  weight: number;
  activeConn: number;
  inactConn: number;
}

/** Parses /proc/net/ip_vs into its backends. */
export function parseIPVSBackends(text: string): IPVSBackend[] {
  const out: IPVSBackend[] = [];
  let localAddress = "";
  let localPort = 0;
  let localMark = "";
  let proto = "";
  for (const line of text.split("\n")) {
    const f = fields(line);
    // The column headers: "IP Virtual Server ...", "Prot LocalAddress:Port ...", "-> RemoteAddress:Port ...".
    if (f.length === 0 || f[1] === "RemoteAddress:Port") continue;
    switch (f[0]) {
      case "IP":
      case "Prot":
        break;
      case "TCP":
      case "UDP":
      case "SCTP": {
        if (f.length < 2) break;
        proto = f[0];
        localMark = "";
        ({ address: localAddress, port: localPort } = parseIPPort(f[1]!));
        break;
      }
      case "FWM":
        if (f.length < 2) break;
        proto = f[0];
        localMark = f[1]!;
        localAddress = "";
        localPort = 0;
        break;
      case "->": {
        if (f.length < 6) break;
        const { address, port } = parseIPPort(f[1]!);
        const num = (s: string): number => {
          if (!/^\d+$/.test(s)) throw new Error(`invalid number ${JSON.stringify(s)} in ip_vs`);
          return Number(s);
        };
        out.push({ localAddress, localPort, localMark, proto, remoteAddress: address, remotePort: port, weight: num(f[3]!), activeConn: num(f[4]!), inactConn: num(f[5]!) });
        break;
      }
    }
  }
  return out;
}

/** Parses /proc/net/ip_vs_stats: [connections, incoming packets, outgoing packets, incoming bytes, outgoing bytes]. */
export function parseIPVSStats(text: string): number[] {
  const lines = text.split("\n");
  const f = fields(lines[2] ?? "");
  if (f.length !== 5) throw new Error("ip_vs_stats corrupted");
  return f.map(hex);
}

/** Validates --collector.ipvs.backend-labels and returns the labels in upstream order. */
export function parseIPVSLabels(s: string): IPVSLabel[] {
  const wanted = new Set(s.split(",").filter((l) => l !== ""));
  const out = IPVS_BACKEND_LABELS.filter((l) => wanted.delete(l));
  if (wanted.size > 0) throw new Error(`unknown IPVS backend labels: ${JSON.stringify([...wanted].sort().join(", "))}`);
  return out;
}

/** Registers as upstream: "ipvs", enabled by default. */
export const ipvsCollector: CollectorFactory = {
  name: "ipvs",
  defaultEnabled: true,
  create(ctx) {
    const labels = parseIPVSLabels(ctx.settings.ipvsBackendLabels);
    const g = MetricType.Gauge;
    const active = newDesc("node_ipvs_backend_connections_active", "The current active connections by local and remote address.", g, labels);
    const inactive = newDesc("node_ipvs_backend_connections_inactive", "The current inactive connections by local and remote address.", g, labels);
    const weight = newDesc("node_ipvs_backend_weight", "The current backend weight by local and remote address.", g, labels);
    return {
      async collect(emit) {
        let statsText: string;
        try {
          statsText = await readText(ctx.procPath("net/ip_vs_stats"));
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("ipvs collector metrics are not available for this system");
          throw e;
        }
        const [conns, inPkts, outPkts, inBytes, outBytes] = parseIPVSStats(statsText);
        emit(connections, conns!);
        emit(incomingPackets, inPkts!);
        emit(outgoingPackets, outPkts!);
        emit(incomingBytes, inBytes!);
        emit(outgoingBytes, outBytes!);

        const backends = parseIPVSBackends(await readText(ctx.procPath("net/ip_vs")));
        const sums = new Map<string, { values: string[]; active: number; inactive: number; weight: number }>();
        for (const b of backends) {
          const values = labels.map((l) => {
            switch (l) {
              case "local_address": return b.localAddress;
              case "local_port": return String(b.localPort);
              case "remote_address": return b.remoteAddress;
              case "remote_port": return String(b.remotePort);
              case "proto": return b.proto;
              case "local_mark": return b.localMark;
            }
          });
          const key = values.join("\xff");
          const s = sums.get(key) ?? { values, active: 0, inactive: 0, weight: 0 };
          s.active += b.activeConn;
          s.inactive += b.inactConn;
          s.weight += b.weight;
          sums.set(key, s);
        }
        for (const s of sums.values()) {
          emit(active, s.active, ...s.values);
          emit(inactive, s.inactive, ...s.values);
          emit(weight, s.weight, ...s.values);
        }
      },
    };
  },
};
