/**
 * The nfs collector: NFS client statistics from /proc/net/rpc/nfs
 * (network packets and connections, RPC counts, and the calls of every
 * NFSv2, v3 and v4 procedure as node_nfs_requests_total{proto,method}).
 * Also home of the line parser the nfsd collector shares.
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, readText } from "./collector.ts";

const c = MetricType.Counter;
const packetsDesc = newDesc("node_nfs_packets_total", "Total NFSd network packets (sent+received) by protocol type.", c, ["protocol"]);
const connectionsDesc = newDesc("node_nfs_connections_total", "Total number of NFSd TCP connections.", c);
const rpcsDesc = newDesc("node_nfs_rpcs_total", "Total number of RPCs performed.", c);
const retransDesc = newDesc("node_nfs_rpc_retransmissions_total", "Number of RPC transmissions performed.", c);
const authRefreshDesc = newDesc("node_nfs_rpc_authentication_refreshes_total", "Number of RPC authentication refreshes performed.", c);
const requestsDesc = newDesc("node_nfs_requests_total", "Number of NFS procedures invoked.", c, ["proto", "method"]);

/** The NFSv2 procedures in /proc/net/rpc/nfs{,d} "proc2" order. */
export const V2_PROCEDURES = ["Null", "GetAttr", "SetAttr", "Root", "Lookup", "ReadLink", "Read", "WrCache", "Write", "Create", "Remove", "Rename", "Link", "SymLink", "MkDir", "RmDir", "ReadDir", "FsStat"] as const;
/** The NFSv3 procedures in "proc3" order. */
export const V3_PROCEDURES = ["Null", "GetAttr", "SetAttr", "Lookup", "Access", "ReadLink", "Read", "Write", "Create", "MkDir", "SymLink", "MkNod", "Remove", "RmDir", "Rename", "Link", "ReadDir", "ReadDirPlus", "FsStat", "FsInfo", "PathConf", "Commit"] as const;
/** The NFSv4 client operations in "proc4" order, named as procfs's ClientV4Stats fields. */
const V4_CLIENT_OPERATIONS = [
  "Null", "Read", "Write", "Commit", "Open", "OpenConfirm", "OpenNoattr", "OpenDowngrade", "Close", "Setattr", "FsInfo", "Renew",
  "SetClientID", "SetClientIDConfirm", "Lock", "Lockt", "Locku", "Access", "Getattr", "Lookup", "LookupRoot", "Remove", "Rename",
  "Link", "Symlink", "Create", "Pathconf", "StatFs", "ReadLink", "ReadDir", "ServerCaps", "DelegReturn", "GetACL", "SetACL",
  "FsLocations", "ReleaseLockowner", "Secinfo", "FsidPresent", "ExchangeID", "CreateSession", "DestroySession", "Sequence",
  "GetLeaseTime", "ReclaimComplete", "GetDeviceInfo", "LayoutGet", "LayoutCommit", "LayoutReturn", "SecinfoNoName", "TestStateID",
  "FreeStateID", "GetDeviceList", "BindConnToSession", "DestroyClientID", "Seek", "Allocate", "DeAllocate", "LayoutStats", "Clone",
] as const;

/** Invalid content in an NFS statistics file. */
export class NFSParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NFSParseError";
  }
}

/**
 * Splits an NFS statistics file into its lines by key ("net", "rpc",
 * "proc3", ...), values as numbers. The "th" line's histogram holds floats;
 * everything else must be an unsigned integer.
 */
export function parseRPCStatLines(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length < 2) throw new NFSParseError(`invalid NFS metric line ${JSON.stringify(line)}`);
    const key = f[0]!;
    const values = f.slice(1).map((v) => {
      if (!/^\d+(\.\d+)?$/.test(v) || (key !== "th" && v.includes("."))) throw new NFSParseError(`invalid value ${JSON.stringify(v)} in NFS line ${JSON.stringify(line)}`);
      return Number(v);
    });
    out.set(key, values);
  }
  return out;
}

/** Checks a "procN" line (count first, then that many values) and returns the values, padded with zeros to min. */
export function procValues(lines: Map<string, number[]>, key: string, min: number, pad: boolean): number[] | null {
  const v = lines.get(key);
  if (v === undefined) return null;
  const n = v[0]!;
  if (v.length - 1 !== n || (!pad && n < min)) throw new NFSParseError(`invalid ${key} line: ${v.join(" ")}`);
  const out = v.slice(1);
  while (out.length < min) out.push(0);
  return out;
}

/** Checks that a fixed-width line has exactly n values. */
export function fixedValues(lines: Map<string, number[]>, key: string, n: number): number[] | null {
  const v = lines.get(key);
  if (v === undefined) return null;
  if (v.length !== n) throw new NFSParseError(`invalid ${key} line: ${v.join(" ")}`);
  return v;
}

/** Registers as upstream: "nfs", enabled by default. */
export const nfsCollector: CollectorFactory = {
  name: "nfs",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        let text: string;
        try {
          text = await readText(ctx.procPath("net/rpc/nfs"));
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError(`Not collecting NFS metrics: ${(e as Error).message}`);
          throw e;
        }
        let lines: Map<string, number[]>;
        let net: number[];
        let rpc: number[];
        let v2: number[];
        let v3: number[];
        let v4: number[];
        try {
          lines = parseRPCStatLines(text);
          net = fixedValues(lines, "net", 4) ?? [0, 0, 0, 0];
          rpc = fixedValues(lines, "rpc", 3) ?? [0, 0, 0];
          v2 = procValues(lines, "proc2", V2_PROCEDURES.length, false) ?? new Array<number>(V2_PROCEDURES.length).fill(0);
          v3 = procValues(lines, "proc3", V3_PROCEDURES.length, false) ?? new Array<number>(V3_PROCEDURES.length).fill(0);
          // NOTE: matches procfs: older kernels report fewer NFSv4 operations; the rest read as 0.
          v4 = procValues(lines, "proc4", V4_CLIENT_OPERATIONS.length, true) ?? new Array<number>(V4_CLIENT_OPERATIONS.length).fill(0);
        } catch (e) {
          throw new Error(`failed to retrieve nfs stats: ${(e as Error).message}`);
        }
        emit(packetsDesc, net[1]!, "udp");
        emit(packetsDesc, net[2]!, "tcp");
        emit(connectionsDesc, net[3]!);
        emit(rpcsDesc, rpc[0]!);
        emit(retransDesc, rpc[1]!);
        emit(authRefreshDesc, rpc[2]!);
        V2_PROCEDURES.forEach((m, i) => emit(requestsDesc, v2[i]!, "2", m));
        V3_PROCEDURES.forEach((m, i) => emit(requestsDesc, v3[i]!, "3", m));
        V4_CLIENT_OPERATIONS.forEach((m, i) => emit(requestsDesc, v4[i]!, "4", m));
      },
    };
  },
};
