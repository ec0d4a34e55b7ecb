/**
 * The schedstat collector: per-CPU scheduler statistics from /proc/schedstat
 * (time running and waiting, in nanoseconds there, seconds here, and the
 * number of timeslices run).
 */
import { MetricType, newDesc } from "../../exposition/index.ts";
import { type CollectorFactory, NoDataError, fields, isNotExist, parseFloatStrict, readText } from "./collector.ts";

const c = MetricType.Counter;
const running = newDesc("node_schedstat_running_seconds_total", "Number of seconds CPU spent running a process.", c, ["cpu"]);
const waiting = newDesc("node_schedstat_waiting_seconds_total", "Number of seconds spent by processing waiting for this CPU.", c, ["cpu"]);
const timeslices = newDesc("node_schedstat_timeslices_total", "Number of timeslices executed by CPU.", c, ["cpu"]);
const NS_PER_SECOND = 1e9;

/** One cpu<N> line of /proc/schedstat: the last three of its nine counters. */
export interface CPUSchedstat {
  cpu: string;
  runningNanoseconds: number;
  waitingNanoseconds: number;
  runTimeslices: number;
}

/** Parses the cpu<N> lines of /proc/schedstat; throws on a short line. */
export function parseSchedstat(text: string): CPUSchedstat[] {
  const out: CPUSchedstat[] = [];
  for (const line of text.split("\n")) {
    const m = /^cpu(\d+)\s/.exec(line);
    if (m === null) continue;
    const f = fields(line);
    if (f.length < 10) throw new Error(`invalid schedstat line: ${JSON.stringify(line)}`);
    out.push({ cpu: m[1]!, runningNanoseconds: parseFloatStrict(f[7]!), waitingNanoseconds: parseFloatStrict(f[8]!), runTimeslices: parseFloatStrict(f[9]!) });
  }
  return out;
}

/** Registers as upstream: "schedstat", enabled by default. */
export const schedstatCollector: CollectorFactory = {
  name: "schedstat",
  defaultEnabled: true,
  create(ctx) {
    return {
      async collect(emit) {
        let text: string;
        try {
          text = await readText(ctx.procPath("schedstat"));
        } catch (e) {
          if (isNotExist(e)) throw new NoDataError("schedstat file does not exist");
          throw e;
        }
        for (const s of parseSchedstat(text)) {
          emit(running, s.runningNanoseconds / NS_PER_SECOND, s.cpu);
          emit(waiting, s.waitingNanoseconds / NS_PER_SECOND, s.cpu);
          emit(timeslices, s.runTimeslices, s.cpu);
        }
      },
    };
  },
};
