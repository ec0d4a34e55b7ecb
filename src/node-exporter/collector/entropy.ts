/** The entropy collector: available entropy and pool size from /proc/sys/kernel/random. */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, readUint } from "./collector.ts";

const available = newDesc("node_entropy_available_bits", "Bits of available entropy.", MetricType.Gauge);
const poolSize = newDesc("node_entropy_pool_size_bits", "Bits of entropy pool.", MetricType.Gauge);

/** Registers as upstream: "entropy", enabled by default. */
export const entropyCollector: CollectorFactory = {
  name: "entropy",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        emit(available, await readUint(ctx.procPath("sys/kernel/random/entropy_avail")));
        emit(poolSize, await readUint(ctx.procPath("sys/kernel/random/poolsize")));
      },
    };
  },
};
