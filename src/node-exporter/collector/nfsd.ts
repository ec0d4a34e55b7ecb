/**
 * The nfsd collector: NFS server statistics from /proc/net/rpc/nfsd (reply
 * cache, file handles, disk I/O, threads, read-ahead cache, network, RPC
 * errors, and the calls of every NFSv2, v3 and v4 operation).
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, isNotExist, readText } from "./collector.ts";
import { V2_PROCEDURES, V3_PROCEDURES, fixedValues, parseRPCStatLines, procValues } from "./nfs.ts";

const c = MetricType.Counter;
const g = MetricType.Gauge;
const d = (name: string, help: string, type: MetricType, labels: string[] = []) => newDesc(`node_nfsd_${name}`, help, type, labels);
const replyHits = d("reply_cache_hits_total", "Total number of NFSd Reply Cache hits (client lost server response).", c);
const replyMisses = d("reply_cache_misses_total", "Total number of NFSd Reply Cache an operation that requires caching (idempotent).", c);
const replyNocache = d("reply_cache_nocache_total", "Total number of NFSd Reply Cache non-idempotent operations (rename/delete/…).", c);
const fhStale = d("file_handles_stale_total", "Total number of NFSd stale file handles", c);
const diskRead = d("disk_bytes_read_total", "Total NFSd bytes read.", c);
const diskWritten = d("disk_bytes_written_total", "Total NFSd bytes written.", c);
const threads = d("server_threads", "Total number of NFSd kernel threads that are running.", g);
const raSize = d("read_ahead_cache_size_blocks", "How large the read ahead cache is in blocks.", g);
const raNotFound = d("read_ahead_cache_not_found_total", "Total number of NFSd read ahead cache not found.", c);
const packets = d("packets_total", "Total NFSd network packets (sent+received) by protocol type.", c, ["proto"]);
const connections = d("connections_total", "Total number of NFSd TCP connections.", c);
const rpcErrors = d("rpc_errors_total", "Total number of NFSd RPC errors by error type.", c, ["error"]);
const rpcs = d("server_rpcs_total", "Total number of NFSd RPCs.", c);
const requests = d("requests_total", "Total number NFSd Requests by method and protocol.", c, ["proto", "method"]);

/**
 * The NFSv4 server operations of "proc4ops", by position (kernel op number + 1);
 * null marks positions upstream does not export.
 */
const V4_OPS: readonly (string | null)[] = [
  null, null, null, "Access", "Close", "Commit", "Create", "DelegPurge", "DelegReturn", "GetAttr", "GetFH", "Link", "Lock", "Lockt",
  "Locku", "Lookup", "LookupRoot", "Nverify", "Open", "OpenAttr", "OpenConfirm", "OpenDgrd", "PutFH", null, null, "Read", "ReadDir",
  "ReadLink", "Remove", "Rename", "Renew", "RestoreFH", "SaveFH", "SecInfo", "SetAttr", "SetClientID", "SetClientIDConfirm", "Verify",
  "Write", "RelLockOwner",
];

/** Registers as upstream: "nfsd", enabled by default. */
export const nfsdCollector: CollectorFactory = {
  name: "nfsd",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        let text: string;
        try {
          text = await readText(ctx.procPath("net/rpc/nfsd"));
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError(`Not collecting NFSd metrics: ${(e as Error).message}`);
          throw e;
        }
        const lines = parseRPCStatLines(text);
        const zeros = (n: number): number[] => new Array<number>(n).fill(0);
        const rc = fixedValues(lines, "rc", 3) ?? zeros(3);
        const fh = fixedValues(lines, "fh", 5) ?? zeros(5);
        const io = fixedValues(lines, "io", 2) ?? zeros(2);
        const th = lines.get("th") ?? zeros(1);
        const ra = fixedValues(lines, "ra", 12) ?? zeros(12);
        const net = fixedValues(lines, "net", 4) ?? zeros(4);
        const rpc = fixedValues(lines, "rpc", 5) ?? zeros(5);
        const v2 = procValues(lines, "proc2", V2_PROCEDURES.length, false) ?? zeros(V2_PROCEDURES.length);
        const v3 = procValues(lines, "proc3", V3_PROCEDURES.length, false) ?? zeros(V3_PROCEDURES.length);
        const v4 = procValues(lines, "proc4ops", V4_OPS.length, false) ?? zeros(V4_OPS.length);
        const wdeleg = lines.get("wdeleg_getattr")?.[0] ?? 0;

        emit(replyHits, rc[0]!);
        emit(replyMisses, rc[1]!);
        emit(replyNocache, rc[2]!);
        emit(fhStale, fh[0]!);
        emit(diskRead, io[0]!);
        emit(diskWritten, io[1]!);
        emit(threads, th[0]!);
        emit(raSize, ra[0]!);
        emit(raNotFound, ra[11]!);
        emit(packets, net[1]!, "udp");
        emit(packets, net[2]!, "tcp");
        emit(connections, net[3]!);
        emit(rpcErrors, rpc[2]!, "fmt");
        emit(rpcErrors, rpc[3]!, "auth");
        emit(rpcErrors, rpc[4]!, "cInt");
        emit(rpcs, rpc[0]!);
        // NOTE: matches upstream: the server side leaves out the Null procedure.
        V2_PROCEDURES.forEach((m, i) => m !== "Null" && emit(requests, v2[i]!, "2", m));
        V3_PROCEDURES.forEach((m, i) => m !== "Null" && emit(requests, v3[i]!, "3", m));
        V4_OPS.forEach((m, i) => m !== null && emit(requests, v4[i]!, "4", m));
        emit(requests, wdeleg, "4", "WdelegGetattr");
      },
    };
  },
};
