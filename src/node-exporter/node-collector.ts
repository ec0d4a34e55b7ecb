/**
 * Runs the enabled collectors of one scrape concurrently and reports each
 * one's node_scrape_collector_duration_seconds and node_scrape_collector_success,
 * as upstream's NodeCollector does.
 */
import { type Collector, type Emit, MetricType, newDesc } from "../exposition/index.ts";
import type { Logger } from "../util/index.ts";
import { type CollectorContext, type CollectorFactory, type NodeCollector, NoDataError } from "./collector/index.ts";

const durationDesc = newDesc("node_scrape_collector_duration_seconds", "node_exporter: Duration of a collector scrape.", MetricType.Gauge, ["collector"]);
const successDesc = newDesc("node_scrape_collector_success", "node_exporter: Whether a collector succeeded.", MetricType.Gauge, ["collector"]);

/**
 * The collectors of one exporter, built once (so each logs its start-up
 * messages once) and run on every scrape, all of them or the subset a
 * collect[]/exclude[] filter names. nowMs is a monotonic clock in ms.
 */
export class NodeCollectorSet implements Collector {
  private readonly collectors: { name: string; collector: NodeCollector }[];
  private readonly logger: Logger;
  private readonly nowMs: () => number;

  /** Builds every factory with ctx; throws if one rejects its settings. */
  constructor(factories: readonly CollectorFactory[], ctx: CollectorContext, nowMs: () => number = () => performance.now()) {
    this.collectors = factories.map((f) => ({ name: f.name, collector: f.create(ctx) }));
    this.logger = ctx.logger;
    this.nowMs = nowMs;
  }

  /** The names of the collectors run, in order. */
  names(): string[] {
    return this.collectors.map((c) => c.name);
  }

  /** True when a collector of this name was built. */
  has(name: string): boolean {
    return this.collectors.some((c) => c.name === name);
  }

  /**
   * Runs the collectors named in `only` (every one when null or omitted),
   * concurrently; a failing collector reports success 0 and never fails
   * the scrape. Names in `only` that were not built are ignored.
   */
  async collect(emit: Emit, only: ReadonlySet<string> | null = null): Promise<void> {
    const run = only === null ? this.collectors : this.collectors.filter((c) => only.has(c.name));
    await Promise.all(
      run.map(async ({ name, collector }) => {
        const begin = this.nowMs();
        let success = 1;
        try {
          await collector.collect(emit);
        } catch (e) {
          success = 0;
          const seconds = (this.nowMs() - begin) / 1000;
          if (e instanceof NoDataError) this.logger.debug("collector returned no data", "name", name, "duration_seconds", seconds, "err", e);
          else this.logger.error("collector failed", "name", name, "duration_seconds", seconds, "err", e);
        }
        emit(durationDesc, (this.nowMs() - begin) / 1000, name);
        emit(successDesc, success, name);
      }),
    );
  }
}
