/** `promstack node-exporter`: parses node_exporter's flags and runs the embeddable exporter until SIGINT/SIGTERM. */
import { NODE_EXPORTER_VERSION, UNSUPPORTED_COLLECTORS, createNodeExporter, parseNodeExporterFlags } from "../node-exporter/index.ts";
import { FlagError, newLogger } from "../util/index.ts";

/** Runs the node exporter; resolves with the exit code once stopped. */
export async function main(argv: string[]): Promise<number> {
  let cmd;
  try {
    cmd = parseNodeExporterFlags(argv, NODE_EXPORTER_VERSION);
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`node_exporter: error: ${e.message}, try --help\n`);
      return 1;
    }
    throw e;
  }
  if (cmd.kind === "help" || cmd.kind === "version") {
    process.stdout.write(cmd.text);
    return 0;
  }
  const logger = newLogger({ level: cmd.logLevel, format: cmd.logFormat });
  logger.info("Starting node_exporter", "version", NODE_EXPORTER_VERSION);
  for (const n of cmd.unimplemented) {
    const reason = UNSUPPORTED_COLLECTORS[n];
    if (reason !== undefined) logger.error(`collector ${n} cannot run in promstack: ${reason}; it is not started`, "collector", n);
  }
  const notYet = cmd.unimplemented.filter((n) => UNSUPPORTED_COLLECTORS[n] === undefined);
  if (notYet.length > 0) logger.warn("enabled collectors not implemented by promstack are ignored", "collectors", notYet.join(","));
  let exporter;
  try {
    exporter = createNodeExporter({
      listenAddress: cmd.listenAddress,
      telemetryPath: cmd.telemetryPath,
      settings: cmd.settings,
      collectors: cmd.collectors,
      disableExporterMetrics: cmd.disableExporterMetrics,
      maxRequests: cmd.maxRequests,
      webConfigFile: cmd.webConfigFile,
      logger,
    });
    await exporter.start();
  } catch (e) {
    logger.error("Error starting node_exporter", "err", e);
    return 1;
  }
  const running = exporter;
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await running.stop();
  return 0;
}
