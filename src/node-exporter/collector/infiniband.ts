/**
 * The infiniband collector: InfiniBand HCAs from /sys/class/infiniband/<device>
 * (node_infiniband_info) and, per port, state, physical state, rate and the
 * counters of counters/ and the pre-4.5 counters_ext/ ("legacy_*"), as
 * procfs's sysfs package parses them. Counters a driver reports as
 * "N/A (no PMA)" are left out.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { type Desc, type Emit, MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, isNotExist, readText } from "./collector.ts";
import { parseUint64, readAttr } from "./sysfs.ts";

const labels = ["device", "port"];
const infoDesc = newDesc("node_infiniband_info", "Non-numeric data from /sys/class/infiniband/<device>, value is always 1.", MetricType.Gauge, ["device", "board_id", "firmware_version", "hca_type"]);
const stateDesc = newDesc("node_infiniband_state_id", "State of the InfiniBand port (0: no change, 1: down, 2: init, 3: armed, 4: active, 5: act defer)", MetricType.Gauge, labels);
const physStateDesc = newDesc(
  "node_infiniband_physical_state_id",
  "Physical state of the InfiniBand port (0: no change, 1: sleep, 2: polling, 3: disable, 4: shift, 5: link up, 6: link error recover, 7: phytest)",
  MetricType.Gauge,
  labels,
);
const rateDesc = newDesc("node_infiniband_rate_bytes_per_second", "Maximum signal transfer rate", MetricType.Gauge, labels);

function counter(name: string, help: string): Desc {
  return newDesc(`node_infiniband_${name}`, help, MetricType.Counter, labels);
}

/** counters/<file> -> metric, and whether the kernel reports it per lane (times 4 for octets). */
const COUNTERS: ReadonlyMap<string, { desc: Desc; lanes: boolean }> = new Map([
  ["link_downed", { desc: counter("link_downed_total", "Number of times the link failed to recover from an error state and went down"), lanes: false }],
  ["link_error_recovery", { desc: counter("link_error_recovery_total", "Number of times the link successfully recovered from an error state"), lanes: false }],
  ["multicast_rcv_packets", { desc: counter("multicast_packets_received_total", "Number of multicast packets received (including errors)"), lanes: false }],
  ["multicast_xmit_packets", { desc: counter("multicast_packets_transmitted_total", "Number of multicast packets transmitted (including errors)"), lanes: false }],
  ["port_rcv_constraint_errors", { desc: counter("port_constraint_errors_received_total", "Number of packets received on the switch physical port that are discarded"), lanes: false }],
  ["port_xmit_constraint_errors", { desc: counter("port_constraint_errors_transmitted_total", "Number of packets not transmitted from the switch physical port"), lanes: false }],
  ["port_rcv_data", { desc: counter("port_data_received_bytes_total", "Number of data octets received on all links"), lanes: true }],
  ["port_xmit_data", { desc: counter("port_data_transmitted_bytes_total", "Number of data octets transmitted on all links"), lanes: true }],
  ["port_rcv_discards", { desc: counter("port_discards_received_total", "Number of inbound packets discarded by the port because the port is down or congested"), lanes: false }],
  ["port_xmit_discards", { desc: counter("port_discards_transmitted_total", "Number of outbound packets discarded by the port because the port is down or congested"), lanes: false }],
  ["port_rcv_errors", { desc: counter("port_errors_received_total", "Number of packets containing an error that were received on this port"), lanes: false }],
  ["port_rcv_packets", { desc: counter("port_packets_received_total", "Number of packets received on all VLs by this port (including errors)"), lanes: false }],
  ["port_xmit_packets", { desc: counter("port_packets_transmitted_total", "Number of packets transmitted on all VLs from this port (including errors)"), lanes: false }],
  ["port_xmit_wait", { desc: counter("port_transmit_wait_total", "Number of ticks during which the port had data to transmit but no data was sent during the entire tick"), lanes: false }],
  ["unicast_rcv_packets", { desc: counter("unicast_packets_received_total", "Number of unicast packets received (including errors)"), lanes: false }],
  ["unicast_xmit_packets", { desc: counter("unicast_packets_transmitted_total", "Number of unicast packets transmitted (including errors)"), lanes: false }],
]);

/** counters_ext/<file> -> metric. */
const LEGACY_COUNTERS: ReadonlyMap<string, { desc: Desc; lanes: boolean }> = new Map([
  ["port_multicast_rcv_packets", { desc: counter("legacy_multicast_packets_received_total", "Number of multicast packets received"), lanes: false }],
  ["port_multicast_xmit_packets", { desc: counter("legacy_multicast_packets_transmitted_total", "Number of multicast packets transmitted"), lanes: false }],
  ["port_rcv_data_64", { desc: counter("legacy_data_received_bytes_total", "Number of data octets received on all links"), lanes: true }],
  ["port_rcv_packets_64", { desc: counter("legacy_packets_received_total", "Number of data packets received on all links"), lanes: false }],
  ["port_unicast_rcv_packets", { desc: counter("legacy_unicast_packets_received_total", "Number of unicast packets received"), lanes: false }],
  ["port_unicast_xmit_packets", { desc: counter("legacy_unicast_packets_transmitted_total", "Number of unicast packets transmitted"), lanes: false }],
  ["port_xmit_data_64", { desc: counter("legacy_data_transmitted_bytes_total", "Number of data octets transmitted on all links"), lanes: true }],
  ["port_xmit_packets_64", { desc: counter("legacy_packets_transmitted_total", "Number of data packets received on all links"), lanes: false }],
]);

/** Parses a port state file ("4: ACTIVE") into its id; throws when malformed. */
export function parseStateId(s: string): number {
  const parts = s.split(":");
  const id = parts[0]?.trim() ?? "";
  if (parts.length !== 2 || !/^\d+$/.test(id)) throw new Error(`failed to split ${s} into 'ID: NAME'`);
  return Number(id);
}

/** Parses a rate file ("40 Gb/sec (4X QDR)") into bytes per second, via a float32 as procfs does. */
export function parseRate(s: string): number {
  const i = s.indexOf(" ");
  const num = i < 0 ? "" : s.slice(0, i).trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num)) throw new Error(`failed to convert ${num} into uint`);
  return Math.trunc(Math.fround(Number(num)) * 125000000);
}

/** Reads a counter directory; files that are unreadable or "N/A (no PMA)" are skipped. */
async function readCounters(dir: string, table: ReadonlyMap<string, { desc: Desc; lanes: boolean }>, optional: boolean): Promise<[Desc, number][]> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (optional && isNotExist(e)) return [];
    throw e;
  }
  const out: [Desc, number][] = [];
  for (const ent of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const spec = table.get(ent.name);
    if (!ent.isFile() || spec === undefined) continue;
    const value = await readAttr(path.join(dir, ent.name));
    if (value === null || value.includes("N/A (no PMA)")) continue;
    const v = Number(parseUint64(value));
    out.push([spec.desc, spec.lanes ? v * 4 : v]);
  }
  return out;
}

/** Registers as upstream: "infiniband", enabled by default. */
export const infinibandCollector: CollectorFactory = {
  name: "infiniband",
  defaultEnabled: true,
  create(ctx) {
    const collectPort = async (device: string, port: string, dir: string, emit: Emit): Promise<void> => {
      if (!/^\d+$/.test(port)) throw new Error(`failed to convert ${port} into uint`);
      const read = (f: string): Promise<string> => readText(path.join(dir, f));
      const state = parseStateId(await read("state"));
      const physState = parseStateId(await read("phys_state"));
      const rate = parseRate(await read("rate"));
      const portLabel = String(Number(port));
      emit(stateDesc, state, device, portLabel);
      emit(physStateDesc, physState, device, portLabel);
      emit(rateDesc, rate, device, portLabel);
      // Intel's irdma and NVIDIA's nvs_ drivers have no counters/ directory.
      if (device.startsWith("irdma") || device.startsWith("nvs_")) return;
      const counters = [...(await readCounters(path.join(dir, "counters"), COUNTERS, false)), ...(await readCounters(path.join(dir, "counters_ext"), LEGACY_COUNTERS, true))];
      for (const [d, v] of counters) emit(d, v, device, portLabel);
    };

    return {
      async collect(emit) {
        const base = ctx.sysPath("class/infiniband");
        let devices: string[];
        try {
          devices = (readdirSync(base)).sort();
        } catch (e) {
          if (isNotExist(e)) {
            ctx.logger.debug("infiniband statistics not found, skipping");
            throw new NoDataError("infiniband statistics not found");
          }
          throw e;
        }
        for (const device of devices) {
          const dir = path.join(base, device);
          let fw: string;
          try {
            fw = (await readText(path.join(dir, "fw_ver"))).trim();
          } catch (e) {
            throw new Error(`failed to read HCA firmware version: ${(e as Error).message}`);
          }
          const optional = async (f: string): Promise<string> => {
            try {
              return (await readText(path.join(dir, f))).trim();
            } catch (e) {
              if (isNotExist(e)) return "";
              throw e;
            }
          };
          emit(infoDesc, 1, device, await optional("board_id"), fw, await optional("hca_type"));
          const ports = path.join(dir, "ports");
          for (const port of (readdirSync(ports)).sort()) await collectPort(device, port, path.join(ports, port), emit);
        }
      },
    };
  },
};
