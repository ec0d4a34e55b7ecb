/**
 * The mountstats collector: NFS client statistics from /proc/self/mountstats
 * (bytes, events, per-transport and per-operation RPC statistics), with the
 * server address from the "addr" super option of the matching line of
 * /proc/self/mountinfo. A mount seen twice (same export, protocol and
 * address) is reported once, as upstream does.
 */
import { type Desc, type Emit, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, readText } from "./collector.ts";

const c = MetricType.Counter;
const g = MetricType.Gauge;
const labels = ["export", "protocol", "mountaddr"];
const infoLabels = [...labels, "mountpoint"];
const opLabels = [...labels, "operation"];
const transportLabels = [...labels, "transport"];

function d(name: string, help: string, type: MetricType, l: string[] = labels): Desc {
  return newDesc(`node_mountstats_nfs_${name}`, help, type, l);
}

const ageDesc = d("age_seconds_total", "The age of the NFS mount in seconds.", c);
const infoDesc = d("mountpoint_info", "Info metric for an NFS mountpoint.", g, infoLabels);

/** bytes: fields in order. */
const BYTES: readonly Desc[] = [
  d("read_bytes_total", "Number of bytes read using the read() syscall.", c),
  d("write_bytes_total", "Number of bytes written using the write() syscall.", c),
  d("direct_read_bytes_total", "Number of bytes read using the read() syscall in O_DIRECT mode.", c),
  d("direct_write_bytes_total", "Number of bytes written using the write() syscall in O_DIRECT mode.", c),
  d("total_read_bytes_total", "Number of bytes read from the NFS server, in total.", c),
  d("total_write_bytes_total", "Number of bytes written to the NFS server, in total.", c),
  d("read_pages_total", "Number of pages read directly via mmap()'d files.", c),
  d("write_pages_total", "Number of pages written directly via mmap()'d files.", c),
];

/** events: fields in order; null for a field upstream does not export (congestion wait). */
const EVENTS: readonly (Desc | null)[] = [
  d("event_inode_revalidate_total", "Number of times cached inode attributes are re-validated from the server.", c),
  d("event_dnode_revalidate_total", "Number of times cached dentry nodes are re-validated from the server.", c),
  d("event_data_invalidate_total", "Number of times an inode cache is cleared.", c),
  d("event_attribute_invalidate_total", "Number of times cached inode attributes are invalidated.", c),
  d("event_vfs_open_total", "Number of times cached inode attributes are invalidated.", c),
  d("event_vfs_lookup_total", "Number of times a directory lookup has occurred.", c),
  d("event_vfs_access_total", "Number of times permissions have been checked.", c),
  d("event_vfs_update_page_total", "Number of updates (and potential writes) to pages.", c),
  d("event_vfs_read_page_total", "Number of pages read directly via mmap()'d files.", c),
  d("event_vfs_read_pages_total", "Number of times a group of pages have been read.", c),
  d("event_vfs_write_page_total", "Number of pages written directly via mmap()'d files.", c),
  d("event_vfs_write_pages_total", "Number of times a group of pages have been written.", c),
  d("event_vfs_getdents_total", "Number of times directory entries have been read with getdents().", c),
  d("event_vfs_setattr_total", "Number of times directory entries have been read with getdents().", c),
  d("event_vfs_flush_total", "Number of pending writes that have been forcefully flushed to the server.", c),
  d("event_vfs_fsync_total", "Number of times fsync() has been called on directories and files.", c),
  d("event_vfs_lock_total", "Number of times locking has been attempted on a file.", c),
  d("event_vfs_file_release_total", "Number of times files have been closed and released.", c),
  null,
  d("event_truncation_total", "Number of times files have been truncated.", c),
  d("event_write_extension_total", "Number of times a file has been grown due to writes beyond its existing end.", c),
  d("event_silly_rename_total", "Number of times a file was removed while still open by another process.", c),
  d("event_short_read_total", "Number of times the NFS server gave less data than expected while reading.", c),
  d("event_short_write_total", "Number of times the NFS server wrote less data than expected while writing.", c),
  d("event_jukebox_delay_total", "Number of times the NFS server indicated EJUKEBOX; retrieving data from offline storage.", c),
  d("event_pnfs_read_total", "Number of NFS v4.1+ pNFS reads.", c),
  d("event_pnfs_write_total", "Number of NFS v4.1+ pNFS writes.", c),
];

const transport = {
  bind: d("transport_bind_total", "Number of times the client has had to establish a connection from scratch to the NFS server.", c, transportLabels),
  connect: d("transport_connect_total", "Number of times the client has made a TCP connection to the NFS server.", c, transportLabels),
  idle: d("transport_idle_time_seconds", "Duration since the NFS mount last saw any RPC traffic, in seconds.", g, transportLabels),
  sends: d("transport_sends_total", "Number of RPC requests for this mount sent to the NFS server.", c, transportLabels),
  receives: d("transport_receives_total", "Number of RPC responses for this mount received from the NFS server.", c, transportLabels),
  badXids: d("transport_bad_transaction_ids_total", "Number of times the NFS server sent a response with a transaction ID unknown to this client.", c, transportLabels),
  backlog: d("transport_backlog_queue_total", "Total number of items added to the RPC backlog queue.", c, transportLabels),
  maxSlots: d("transport_maximum_rpc_slots", "Maximum number of simultaneously active RPC requests ever used.", g, transportLabels),
  sending: d("transport_sending_queue_total", "Total number of items added to the RPC transmission sending queue.", c, transportLabels),
  pending: d("transport_pending_queue_total", "Total number of items added to the RPC transmission pending queue.", c, transportLabels),
};

const ops = {
  requests: d("operations_requests_total", "Number of requests performed for a given operation.", c, opLabels),
  transmissions: d("operations_transmissions_total", "Number of times an actual RPC request has been transmitted for a given operation.", c, opLabels),
  majorTimeouts: d("operations_major_timeouts_total", "Number of times a request has had a major timeout for a given operation.", c, opLabels),
  sent: d("operations_sent_bytes_total", "Number of bytes sent for a given operation, including RPC headers and payload.", c, opLabels),
  received: d("operations_received_bytes_total", "Number of bytes received for a given operation, including RPC headers and payload.", c, opLabels),
  queue: d("operations_queue_time_seconds_total", "Duration all requests spent queued for transmission for a given operation before they were sent, in seconds.", c, opLabels),
  response: d("operations_response_time_seconds_total", "Duration all requests took to get a reply back after a request for a given operation was transmitted, in seconds.", c, opLabels),
  request: d("operations_request_time_seconds_total", "Duration all requests took from when a request was enqueued to when it was completely handled for a given operation, in seconds.", c, opLabels),
  errors: d("operations_errors_total", "Number of errors for a given operation", c, opLabels),
};

/** 2^53: upstream reduces a few kernel counters modulo the float64 mantissa before converting them. */
const FLOAT64_MANTISSA = 9007199254740992n;

/** One xprt: line; uint64 values kept exact (some are reduced modulo 2^53 before export). */
export interface NFSTransportStats {
  protocol: string;
  /** port, bind, connect, connect_time, idle_time, sends, recvs, bad_xids, req_u, bklog_u, max_slots, sending_u, pending_u. */
  values: bigint[];
}

/** One line of per-op statistics: the operation and its 8 (or 9, with errors) counters. */
export interface NFSOperationStats {
  operation: string;
  values: bigint[];
}

/** NFS statistics of one mount. */
export interface MountStatsNFS {
  statVersion: string;
  ageSeconds: number;
  bytes: bigint[];
  events: bigint[];
  transports: NFSTransportStats[];
  operations: NFSOperationStats[];
}

/** One device line of mountstats; stats is null for non-NFS mounts. */
export interface Mount {
  device: string;
  mount: string;
  type: string;
  stats: MountStatsNFS | null;
}

function uints(ss: readonly string[]): bigint[] {
  return ss.map((s) => {
    if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
    return BigInt(s);
  });
}

/** The expected field counts of an xprt: line after the protocol, by stats version and protocol. */
const TRANSPORT_LEN: Record<string, Record<string, number>> = { "1.0": { tcp: 10, udp: 7 }, "1.1": { tcp: 13, udp: 10 } };

function parseTransport(ss: readonly string[], statVersion: string): NFSTransportStats {
  const protocol = ss[0]!;
  const rest = ss.slice(1);
  const lens = TRANSPORT_LEN[statVersion];
  if (lens === undefined) throw new Error(`unrecognized NFS transport stats version: ${JSON.stringify(statVersion)}`);
  const want = lens[protocol];
  if (want === undefined) throw new Error(`invalid NFS protocol "${protocol}" in stats ${statVersion} statement: ${rest.join(" ")}`);
  if (rest.length !== want) throw new Error(`invalid NFS transport stats ${statVersion} statement: ${rest.join(" ")}`);
  let values = uints(rest);
  // udp has no connect count, connect time or idle time: zero them.
  if (protocol === "udp") values = [...values.slice(0, 2), 0n, 0n, 0n, ...values.slice(2)];
  while (values.length < 13) values.push(0n);
  return { protocol, values };
}

/** Parses /proc/<pid>/mountstats like procfs; throws on a malformed NFS entry. */
export function parseMountStats(text: string): Mount[] {
  const lines = text.split("\n");
  const mounts: Mount[] = [];
  let i = 0;
  const next = (): string[] | null => (i < lines.length ? fields(lines[i++]!) : null);
  for (let ss = next(); ss !== null; ss = next()) {
    if (ss.length === 0 || ss[0] !== "device") continue;
    if (ss.length < 8 || ss[2] !== "mounted" || ss[3] !== "on" || ss[5] !== "with" || ss[6] !== "fstype") throw new Error(`Invalid device ${ss.join(" ")}`);
    const m: Mount = { device: ss[1]!, mount: ss[4]!, type: ss[7]!, stats: null };
    if (ss.length > 8) {
      if (m.type !== "nfs" && m.type !== "nfs4") throw new Error(`Cannot parse MountStats for ${JSON.stringify(m.type)}`);
      const stats: MountStatsNFS = { statVersion: ss[8]!.replace(/^statvers=/, ""), ageSeconds: 0, bytes: new Array<bigint>(8).fill(0n), events: new Array<bigint>(27).fill(0n), transports: [], operations: [] };
      for (let l = next(); l !== null && l.length > 0; l = next()) {
        switch (l[0]) {
          case "age:":
            if (!/^\d+$/.test(l[1] ?? "")) throw new Error(`not enough information for NFS stats: ${l.join(" ")}`);
            stats.ageSeconds = Number(l[1]);
            break;
          case "bytes:":
            if (l.length - 1 !== 8) throw new Error(`invalid NFS bytes stats: ${l.join(" ")}`);
            stats.bytes = uints(l.slice(1));
            break;
          case "events:":
            if (l.length - 1 !== 27) throw new Error(`invalid NFS events stats: ${l.join(" ")}`);
            stats.events = uints(l.slice(1));
            break;
          case "xprt:":
            if (l.length < 3) throw new Error(`not enough information for NFS transport stats: ${l.join(" ")}`);
            stats.transports.push(parseTransport(l.slice(1), stats.statVersion));
            break;
        }
        if (l[0] === "per-op") {
          // Per-operation statistics come last, up to the blank line ending the entry.
          for (let op = next(); op !== null && op.length > 0; op = next()) {
            if (op.length < 9) throw new Error(`invalid NFS per-operations stats: ${op.join(" ")}`);
            stats.operations.push({ operation: op[0]!.replace(/:$/, ""), values: uints(op.slice(1)) });
          }
          break;
        }
      }
      m.stats = stats;
    }
    mounts.push(m);
  }
  return mounts;
}

/** The "addr" super option of each mountinfo line, in file order ("" when absent). */
export function parseMountInfoAddrs(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const sep = line.indexOf(" - ");
    if (sep < 0) throw new Error(`couldn't find separator in mountinfo line: ${line}`);
    const tail = fields(line.slice(sep + 3));
    let addr = "";
    for (const opt of (tail[2] ?? "").split(",")) {
      const eq = opt.indexOf("=");
      if (eq >= 0 && opt.slice(0, eq) === "addr") addr = opt.slice(eq + 1);
    }
    out.push(addr);
  }
  return out;
}

const num = (v: bigint): number => Number(v);
const modMantissa = (v: bigint): number => Number(v % FLOAT64_MANTISSA);

function emitStats(emit: Emit, s: MountStatsNFS, exp: string, protocol: string, addr: string): void {
  const lv = [exp, protocol, addr];
  emit(ageDesc, s.ageSeconds, ...lv);
  BYTES.forEach((desc, i) => emit(desc, num(s.bytes[i]!), ...lv));
  s.transports.forEach((t, i) => {
    const tl = [...lv, String(i)];
    const v = t.values;
    emit(transport.bind, num(v[1]!), ...tl);
    emit(transport.connect, num(v[2]!), ...tl);
    emit(transport.idle, modMantissa(v[4]!), ...tl);
    emit(transport.sends, num(v[5]!), ...tl);
    emit(transport.receives, num(v[6]!), ...tl);
    emit(transport.badXids, num(v[7]!), ...tl);
    emit(transport.backlog, num(v[9]!), ...tl);
    emit(transport.maxSlots, num(v[10]!), ...tl);
    emit(transport.sending, num(v[11]!), ...tl);
    emit(transport.pending, num(v[12]!), ...tl);
  });
  for (const op of s.operations) {
    const ol = [...lv, op.operation];
    const v = op.values;
    emit(ops.requests, num(v[0]!), ...ol);
    emit(ops.transmissions, num(v[1]!), ...ol);
    emit(ops.majorTimeouts, num(v[2]!), ...ol);
    emit(ops.sent, num(v[3]!), ...ol);
    emit(ops.received, num(v[4]!), ...ol);
    emit(ops.queue, modMantissa(v[5]!) / 1000, ...ol);
    emit(ops.response, modMantissa(v[6]!) / 1000, ...ol);
    emit(ops.request, modMantissa(v[7]!) / 1000, ...ol);
    // Kernels since 5.x add a 9th per-op field, the error count.
    if (v.length > 8) emit(ops.errors, modMantissa(v[8]!), ...ol);
  }
  EVENTS.forEach((desc, i) => {
    if (desc !== null) emit(desc, num(s.events[i]!), ...lv);
  });
}

/** Registers as upstream: "mountstats", disabled by default. */
export const mountstatsCollector: CollectorFactory = {
  name: "mountstats",
  defaultEnabled: false,
  create(ctx) {
    return {
      async collect(emit) {
        let mounts: Mount[];
        try {
          mounts = parseMountStats(await readText(ctx.procPath("self", "mountstats")));
        } catch (e) {
          throw new Error(`failed to parse mountstats: ${(e as Error).message}`);
        }
        let addrs: string[];
        try {
          addrs = parseMountInfoAddrs(await readText(ctx.procPath("self", "mountinfo")));
        } catch (e) {
          throw new Error(`failed to parse mountinfo: ${(e as Error).message}`);
        }
        const devices = new Set<string>();
        const mountpoints = new Set<string>();
        mounts.forEach((m, idx) => {
          if (m.stats === null) return;
          // mountstats and mountinfo list the mounts in the same order.
          const addr = addrs[idx] ?? "";
          for (const t of m.stats.transports) {
            const mp = JSON.stringify([m.device, t.protocol, addr, m.mount]);
            if (mountpoints.has(mp)) ctx.logger.debug("Skipping duplicate mountpoint info entry", "device", mp);
            else {
              mountpoints.add(mp);
              emit(infoDesc, 1, m.device, t.protocol, addr, m.mount);
            }
            const dev = JSON.stringify([m.device, t.protocol, addr]);
            if (devices.has(dev)) {
              ctx.logger.debug("Skipping duplicate device entry", "device", dev);
              break;
            }
            devices.add(dev);
            emitStats(emit, m.stats, m.device, t.protocol, addr);
          }
        });
      },
    };
  },
};
