/** The loadavg collector: node_load1, node_load5, node_load15 from /proc/loadavg. */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, parseFloatStrict, readText } from "./collector.ts";

const descs = [
  newDesc("node_load1", "1m load average.", MetricType.Gauge),
  newDesc("node_load5", "5m load average.", MetricType.Gauge),
  newDesc("node_load15", "15m load average.", MetricType.Gauge),
] as const;

/** Registers as upstream: "loadavg", enabled by default. */
export const loadavgCollector: CollectorFactory = {
  name: "loadavg",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const f = fields(await readText(ctx.procPath("loadavg")));
        if (f.length < 3) throw new Error(`unexpected content in ${ctx.procPath("loadavg")}`);
        for (let i = 0; i < 3; i++) emit(descs[i]!, parseFloatStrict(f[i]!));
      },
    };
  },
};
