/**
 * The udp_queues collector: bytes queued in UDP sockets' send and receive
 * buffers, summed over /proc/net/udp (ip="v4") and /proc/net/udp6 (ip="v6").
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, readText } from "./collector.ts";

const queues = newDesc("node_udp_queues", "Number of allocated memory in the kernel for UDP datagrams in bytes.", MetricType.Gauge, ["queue", "ip"]);

/** Sums the tx_queue:rx_queue column (hex) of a /proc/net/udp{,6} table. */
export function parseUDPQueues(text: string): { tx: number; rx: number } {
  let tx = 0;
  let rx = 0;
  for (const line of text.split("\n").slice(1)) {
    const f = fields(line);
    if (f.length === 0) continue;
    const m = f.length > 4 ? /^([0-9A-Fa-f]+):([0-9A-Fa-f]+)$/.exec(f[4]!) : null;
    if (!m) throw new Error(`invalid UDP line ${JSON.stringify(line)}`);
    tx += parseInt(m[1]!, 16);
    rx += parseInt(m[2]!, 16);
  }
  return { tx, rx };
}

/** Registers as upstream: "udp_queues", enabled by default. */
export const udpQueuesCollector: CollectorFactory = {
  name: "udp_queues",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        let found = false;
        for (const [file, ip] of [["net/udp", "v4"], ["net/udp6", "v6"]] as const) {
          let text: string;
          try {
            text = await readText(ctx.procPath(file));
          } catch (e) {
            if (!isNotExist(e)) throw new Error(`couldn't get udp queued bytes: ${(e as Error).message}`);
            ctx.logger.debug(`not collecting ip${ip} based metrics`);
            continue;
          }
          const { tx, rx } = parseUDPQueues(text);
          emit(queues, tx, "tx", ip);
          emit(queues, rx, "rx", ip);
          found = true;
        }
        if (!found) throw new NoDataError("udp_queues: neither /proc/net/udp nor /proc/net/udp6 exists");
      },
    };
  },
};
