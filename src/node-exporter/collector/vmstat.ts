/** The vmstat collector: /proc/vmstat fields matching --collector.vmstat.fields, as untyped node_vmstat_<field>. */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, compileGoRegexp, fields, parseFloatStrict, readText } from "./collector.ts";

/** Registers as upstream: "vmstat", enabled by default. */
export const vmstatCollector: CollectorFactory = {
  name: "vmstat",
  defaultEnabled: true,
  create(ctx) {
    const re = compileGoRegexp(ctx.settings.vmstatFields);
    return {
      async collect(emit) {
        const text = await readText(ctx.procPath("vmstat"));
        for (const line of text.split("\n")) {
          const f = fields(line);
          if (f.length < 2 || !re.test(f[0]!)) continue;
          emit(newDesc(`node_vmstat_${f[0]}`, `/proc/vmstat information field ${f[0]}.`, MetricType.Untyped), parseFloatStrict(f[1]!));
        }
      },
    };
  },
};
