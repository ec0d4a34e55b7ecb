/**
 * The softnet collector: per-CPU packet processing statistics from
 * /proc/net/softnet_stat (hex columns; newer kernels add more of them).
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, readText } from "./collector.ts";

const c = MetricType.Counter;
const processed = newDesc("node_softnet_processed_total", "Number of processed packets", c, ["cpu"]);
const dropped = newDesc("node_softnet_dropped_total", "Number of dropped packets", c, ["cpu"]);
const squeezed = newDesc("node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota", c, ["cpu"]);
const collision = newDesc("node_softnet_cpu_collision_total", "Number of collision occur while obtaining device lock while transmitting", c, ["cpu"]);
const receivedRps = newDesc("node_softnet_received_rps_total", "Number of times cpu woken up received_rps", c, ["cpu"]);
const flowLimit = newDesc("node_softnet_flow_limit_count_total", "Number of times flow limit has been reached", c, ["cpu"]);
const backlog = newDesc("node_softnet_backlog_len", "Softnet backlog status", MetricType.Gauge, ["cpu"]);

/** One CPU's row of /proc/net/softnet_stat; columns a kernel does not have read as 0. */
export interface SoftnetStat {
  cpu: number;
  processed: number;
  dropped: number;
  timeSqueezed: number;
  cpuCollision: number;
  receivedRps: number;
  flowLimitCount: number;
  backlogLen: number;
}

/** Columns every kernel since 2.6.23 writes. */
const MIN_COLUMNS = 9;

/** Parses /proc/net/softnet_stat. The CPU is column 13 where present (Linux 5.14+), else the row number. */
export function parseSoftnet(text: string): SoftnetStat[] {
  const out: SoftnetStat[] = [];
  let row = 0;
  for (const line of text.split("\n")) {
    const f = fields(line);
    if (f.length === 0) continue;
    if (f.length < MIN_COLUMNS) throw new Error(`detected ${f.length} columns, but expected at least ${MIN_COLUMNS}`);
    const u = (i: number): number => {
      if (i >= f.length) return 0;
      if (!/^[0-9a-fA-F]{1,8}$/.test(f[i]!)) throw new Error(`invalid softnet_stat value ${JSON.stringify(f[i])}`);
      return parseInt(f[i]!, 16);
    };
    out.push({
      cpu: f.length >= 13 ? u(12) : row,
      processed: u(0),
      dropped: u(1),
      timeSqueezed: u(2),
      cpuCollision: u(8),
      receivedRps: u(9),
      flowLimitCount: u(10),
      backlogLen: f.length >= 13 ? u(11) : 0,
    });
    row++;
  }
  return out;
}

/** Registers as upstream: "softnet", enabled by default. */
export const softnetCollector: CollectorFactory = {
  name: "softnet",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        let stats: SoftnetStat[];
        try {
          stats = parseSoftnet(await readText(ctx.procPath("net/softnet_stat")));
        } catch (e) {
          throw new Error(`could not get softnet statistics: ${(e as Error).message}`);
        }
        for (const s of stats) {
          const cpu = String(s.cpu);
          emit(processed, s.processed, cpu);
          emit(dropped, s.dropped, cpu);
          emit(squeezed, s.timeSqueezed, cpu);
          emit(collision, s.cpuCollision, cpu);
          emit(receivedRps, s.receivedRps, cpu);
          emit(flowLimit, s.flowLimitCount, cpu);
          emit(backlog, s.backlogLen, cpu);
        }
      },
    };
  },
};
