/**
 * The fibrechannel collector: Fibre Channel HBAs from /sys/class/fc_host/<host>,
 * their attributes in node_fibrechannel_info and the port counters of
 * statistics/ (hexadecimal in sysfs). A counter of 0xffffffffffffffff is one
 * the HBA firmware does not implement and is left out, as upstream does.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { type Desc, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, isNotExist } from "./collector.ts";
import { MAX_UINT64, parseUint64, readAttr } from "./sysfs.ts";

const infoDesc = newDesc(
  "node_fibrechannel_info",
  "Non-numeric data from /sys/class/fc_host/<host>, value is always 1.",
  MetricType.Gauge,
  ["fc_host", "speed", "port_state", "port_type", "port_id", "port_name", "fabric_name", "symbolic_name", "supported_classes", "supported_speeds", "dev_loss_tmo"],
);

function counter(name: string, help: string): Desc {
  return newDesc(`node_fibrechannel_${name}`, help, MetricType.Counter, ["fc_host"]);
}

/** statistics/<file> -> its counter. */
const COUNTERS: readonly [string, Desc][] = [
  ["dumped_frames", counter("dumped_frames_total", "Number of dumped frames")],
  ["error_frames", counter("error_frames_total", "Number of errors in frames")],
  ["invalid_crc_count", counter("invalid_crc_total", "Invalid Cyclic Redundancy Check count")],
  ["rx_frames", counter("rx_frames_total", "Number of frames received")],
  ["rx_words", counter("rx_words_total", "Number of words received by host port")],
  ["tx_frames", counter("tx_frames_total", "Number of frames transmitted by host port")],
  ["tx_words", counter("tx_words_total", "Number of words transmitted by host port")],
  ["seconds_since_last_reset", counter("seconds_since_last_reset_total", "Number of seconds since last host port reset")],
  ["invalid_tx_word_count", counter("invalid_tx_words_total", "Number of invalid words transmitted by host port")],
  ["link_failure_count", counter("link_failure_total", "Number of times the host port link has failed")],
  ["loss_of_sync_count", counter("loss_of_sync_total", "Number of failures on either bit or transmission word boundaries")],
  ["loss_of_signal_count", counter("loss_of_signal_total", "Number of times signal has been lost")],
  ["nos_count", counter("nos_total", "Number Not_Operational Primitive Sequence received by host port")],
  ["fcp_packet_aborts", counter("fcp_packet_aborts_total", "Number of aborted packets")],
];

/** The attributes whose "0x" prefix procfs strips. */
const HEX_ATTRS = new Set(["port_id", "port_name", "fabric_name"]);

/** Registers as upstream: "fibrechannel", enabled by default. */
export const fibrechannelCollector: CollectorFactory = {
  name: "fibrechannel",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const base = ctx.sysPath("class/fc_host");
        let hosts: string[];
        try {
          hosts = (readdirSync(base)).sort();
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("fibrechannel statistics not found");
          throw e;
        }
        for (const host of hosts) {
          const dir = path.join(base, host);
          const attr = async (f: string): Promise<string> => {
            let v = (await readAttr(path.join(dir, f))) ?? "";
            if (HEX_ATTRS.has(f) && v.length > 2) v = v.slice(2);
            return v;
          };
          emit(infoDesc, 1, host, await attr("speed"), await attr("port_state"), await attr("port_type"), await attr("port_id"), await attr("port_name"), await attr("fabric_name"), await attr("symbolic_name"), await attr("supported_classes"), await attr("supported_speeds"), await attr("dev_loss_tmo"));
          const stats = path.join(dir, "statistics");
          for (const [file, d] of COUNTERS) {
            const text = await readAttr(path.join(stats, file));
            // A missing or unreadable counter reads as 0: procfs leaves the field at its zero value.
            const v = text === null ? 0n : parseUint64(text);
            if (v !== MAX_UINT64) emit(d, Number(v), host);
          }
        }
      },
    };
  },
};
