/**
 * The drbd collector: DRBD 8 devices from /proc/drbd, read word by word as
 * upstream does: "<n>:" starts device drbd<n>; "key:value" words become the
 * metrics below (sizes in KiB scaled to bytes); "ro:" and "ds:" pairs report
 * the local and the remote node.
 */
import { type Desc, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, readText } from "./collector.ts";

const g = MetricType.Gauge;
const c = MetricType.Counter;

function numeric(name: string, help: string, type: MetricType, multiplier: number): { desc: Desc; multiplier: number } {
  return { desc: newDesc(`node_drbd_${name}`, help, type, ["device"]), multiplier };
}

const NUMERICAL: ReadonlyMap<string, { desc: Desc; multiplier: number }> = new Map([
  ["ns", numeric("network_sent_bytes_total", "Total number of bytes sent via the network.", c, 1024)],
  ["nr", numeric("network_received_bytes_total", "Total number of bytes received via the network.", c, 1)],
  ["dw", numeric("disk_written_bytes_total", "Net data written on local hard disk; in bytes.", c, 1024)],
  ["dr", numeric("disk_read_bytes_total", "Net data read from local hard disk; in bytes.", c, 1024)],
  ["al", numeric("activitylog_writes_total", "Number of updates of the activity log area of the meta data.", c, 1)],
  ["bm", numeric("bitmap_writes_total", "Number of updates of the bitmap area of the meta data.", c, 1)],
  ["lo", numeric("local_pending", "Number of open requests to the local I/O sub-system.", g, 1)],
  ["pe", numeric("remote_pending", "Number of requests sent to the peer, but that have not yet been answered by the latter.", g, 1)],
  ["ua", numeric("remote_unacknowledged", "Number of requests received by the peer via the network connection, but that have not yet been answered.", g, 1)],
  ["ap", numeric("application_pending", "Number of block I/O requests forwarded to DRBD, but not yet answered by DRBD.", g, 1)],
  ["ep", numeric("epochs", "Number of Epochs currently on the fly.", g, 1)],
  ["oos", numeric("out_of_sync_bytes", "Amount of data known to be out of sync; in bytes.", g, 1024)],
]);

const STRING_PAIRS: ReadonlyMap<string, { desc: Desc; ok: string }> = new Map([
  ["ro", { desc: newDesc("node_drbd_node_role_is_primary", "Whether the role of the node is in the primary state.", g, ["device", "node"]), ok: "Primary" }],
  ["ds", { desc: newDesc("node_drbd_disk_state_is_up_to_date", "Whether the disk of the node is up to date.", g, ["device", "node"]), ok: "UpToDate" }],
]);

const connectedDesc = newDesc("node_drbd_connected", "Whether DRBD is connected to the peer.", g, ["device"]);

/** Registers as upstream: "drbd", disabled by default. */
export const drbdCollector: CollectorFactory = {
  name: "drbd",
  defaultEnabled: false,
  create(ctx) {
    return {
      async collect(emit) {
        const file = ctx.procPath("drbd");
        let text: string;
        try {
          text = await readText(file);
        } catch (e) {
          if (isNotExist(e)) {
            ctx.logger.debug("stats file does not exist, skipping", "file", file, "err", e);
            throw new NoDataError("drbd: stats file does not exist");
          }
          throw e;
        }
        let device = "unknown";
        for (const field of fields(text)) {
          const kv = field.split(":");
          if (kv.length !== 2) {
            ctx.logger.debug("skipping invalid key:value pair", "field", field);
            continue;
          }
          const [k, v] = kv as [string, string];
          if (/^\d+$/.test(k) && v === "") {
            device = `drbd${BigInt(k)}`;
            continue;
          }
          const num = NUMERICAL.get(k);
          if (num !== undefined) {
            if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
            emit(num.desc, Number(v) * num.multiplier, device);
            continue;
          }
          const pair = STRING_PAIRS.get(k);
          if (pair !== undefined) {
            const values = v.split("/");
            emit(pair.desc, values[0] === pair.ok ? 1 : 0, device, "local");
            emit(pair.desc, values[1] === pair.ok ? 1 : 0, device, "remote");
            continue;
          }
          if (k === "cs") {
            emit(connectedDesc, v === "Connected" ? 1 : 0, device);
            continue;
          }
          ctx.logger.debug("unhandled key-value pair", "key", k, "value", v);
        }
      },
    };
  },
};
