/** The filefd collector: node_filefd_allocated and node_filefd_maximum from /proc/sys/fs/file-nr. */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, fields, parseFloatStrict, readText } from "./collector.ts";

const allocated = newDesc("node_filefd_allocated", "File descriptor statistics: allocated.", MetricType.Gauge);
const maximum = newDesc("node_filefd_maximum", "File descriptor statistics: maximum.", MetricType.Gauge);

/** Registers as upstream: "filefd", enabled by default. */
export const filefdCollector: CollectorFactory = {
  name: "filefd",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        const p = ctx.procPath("sys/fs/file-nr");
        const f = fields(await readText(p));
        if (f.length !== 3) throw new Error(`couldn't get file-nr: unexpected number of fields in ${p}`);
        emit(allocated, parseFloatStrict(f[0]!));
        emit(maximum, parseFloatStrict(f[2]!));
      },
    };
  },
};
