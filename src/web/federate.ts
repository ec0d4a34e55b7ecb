import type { FastifyInstance } from "fastify";
import { type Labels, MetricName, formatLabelName } from "../model/index.ts";
import { CounterVec, type Registry, escapeLabelValue } from "../exposition/index.ts";
import { parseMetricSelector } from "../promql/parser/index.ts";
import { type Queryable, ValueType } from "../storage/index.ts";
import { formatFloatG } from "../util/index.ts";
import { formValues } from "./form.ts";

/** What /federate reads. Times in ms. */
export interface FederateOptions {
  queryable: Queryable;
  lookbackDeltaMs: number;
  /** global.external_labels of the loaded configuration. */
  externalLabels: () => Labels;
  now: () => number;
  metrics: FederationMetrics;
}

/** prometheus_web_federation_errors_total and _warnings_total, as upstream's federation handler counts them. */
export class FederationMetrics {
  readonly errors: CounterVec;
  readonly warnings: CounterVec;

  constructor() {
    this.errors = new CounterVec("prometheus_web_federation_errors_total", "Total number of errors that occurred while sending federation responses.");
    this.warnings = new CounterVec("prometheus_web_federation_warnings_total", "Total number of warnings that occurred while sending federation responses.");
    this.errors.with();
    this.warnings.with();
  }

  register(r: Registry): void {
    r.register(this.errors);
    r.register(this.warnings);
  }
}

interface Latest {
  metric: Labels;
  t: number;
  f: number;
}

/**
 * Registers `/federate`: the newest sample within the lookback delta of
 * every series matching any `match[]`, in the text format, as Prometheus's
 * federation handler writes it: families by metric name, all untyped,
 * timestamps included, stale series left out, external labels appended
 * where the series lacks them (and `instance=""` when none is set).
 */
export function registerFederate(app: FastifyInstance, path: string, o: FederateOptions): void {
  app.get(path, async (req, reply) => {
    const form = formValues(req);
    const sets = [];
    for (const m of form.getAll("match[]")) {
      try {
        sets.push(parseMetricSelector(m));
      } catch (e) {
        return reply.code(400).type("text/plain; charset=utf-8").send(`${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
    const maxt = o.now();
    const mint = maxt - o.lookbackDeltaMs;
    const q = await o.queryable.querier(mint, maxt);
    const seen = new Set<string>();
    const vec: Latest[] = [];
    try {
      for (const ms of sets) {
        const ss = await q.select(true, { start: mint, end: maxt, step: 0, range: 0, func: "" }, ...ms);
        while (ss.next()) {
          const s = ss.at();
          if (seen.has(s.labels.key)) continue;
          seen.add(s.labels.key);
          const it = s.iterator();
          let t = Number.NaN;
          let f = 0;
          let stale = false;
          while (it.next() !== ValueType.None) {
            if (it.atT() > maxt) break;
            t = it.atT();
            f = it.atF();
            stale = it.isStale();
          }
          // The exposition formats cannot carry stale markers: drop such series.
          if (Number.isNaN(t) || stale) continue;
          vec.push({ metric: s.labels, t, f });
        }
        const warnings = ss.warnings();
        if (warnings.length > 0) o.metrics.warnings.with().inc(warnings.length);
        const err = ss.err();
        if (err !== null) {
          // NOTE: matches Prometheus: a failed select is a 500 with the error, counted.
          o.metrics.errors.with().inc();
          return reply.code(500).type("text/plain; charset=utf-8").send(`${err.message}\n`);
        }
      }
    } finally {
      q.close();
    }
    const byName = (l: Labels): string => l.get(MetricName);
    vec.sort((a, b) => (byName(a.metric) < byName(b.metric) ? -1 : byName(a.metric) > byName(b.metric) ? 1 : 0));
    const ext = new Map<string, string>();
    o.externalLabels().forEach((n, v) => ext.set(n, v));
    if (!ext.has("instance")) ext.set("instance", "");
    const extNames = [...ext.keys()].sort();
    let out = "";
    let last = "";
    for (const s of vec) {
      const name = byName(s.metric);
      if (name === "") continue;
      if (name !== last) {
        out += `# TYPE ${name} untyped\n`;
        last = name;
      }
      const pairs: string[] = [];
      s.metric.forEach((n, v) => {
        if (n !== MetricName) pairs.push(`${formatLabelName(n)}="${escapeLabelValue(v)}"`);
      });
      for (const n of extNames) if (!s.metric.has(n)) pairs.push(`${formatLabelName(n)}="${escapeLabelValue(ext.get(n)!)}"`);
      out += `${name}{${pairs.join(",")}} ${formatFloatG(s.f)} ${s.t}\n`;
    }
    return reply.type("text/plain; version=0.0.4; charset=utf-8").send(out);
  });
}
