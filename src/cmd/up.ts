/**
 * `promstack up`: runs the deployment guide's development stack (server on
 * :9090, Alertmanager on :9093, node exporter on :9100, demo service on
 * :5001) as one supervised process tree until SIGINT or SIGTERM.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { type CliCommand, DevStack, ErrorRatioError, commandAvailable, parseErrorRatio, stackPorts } from "../up/index.ts";
import { FlagKind, newLogger, runWithFlags, systemClock } from "../util/index.ts";
import type { FlagSpec } from "../util/index.ts";

const S = FlagKind.String;

/** The flags of `promstack up`. */
export const UP_FLAGS: readonly FlagSpec[] = [
  { name: "config.dir", kind: S, def: "config", placeholder: "<dir>", help: "Directory holding prometheus/prometheus.yml (with its rule files) and alertmanager/alertmanager.yml." },
  { name: "data-dir", kind: S, def: "data", placeholder: "<dir>", help: "Directory for all state (prometheus/ and alertmanager/ inside); it survives restarts." },
  { name: "port-offset", kind: S, def: "0", placeholder: "<n>", help: "Added to every port (9090, 9093, 9100, demo 5001), to run beside another stack; the configuration's targets must match." },
  { name: "demo.error-ratio", kind: S, def: "0.0005", placeholder: "<ratio>", help: "Share of the demo service's requests that fail with a 5xx at the server (burn rate = ratio / 0.001); change it at run time with POST :5001/-/error-ratio?value=<ratio>." },
];

/** Requests per second the demo service sends: enough for a smooth 5m rate, little enough to be invisible on a laptop. */
const DEMO_REQUESTS_PER_SECOND = 4;

/** Runs the stack; resolves with the exit code once everything has stopped. */
export async function main(argv: string[]): Promise<number> {
  return runWithFlags(
    "up",
    "The development stack in one supervised process tree: prometheus, alertmanager, node-exporter and a demo service.",
    "promstack up\n",
    UP_FLAGS,
    argv,
    async (f) => {
      const offset = Number(f.string("port-offset"));
      if (!Number.isInteger(offset) || offset < -5001 || offset + 9100 > 65535) {
        process.stderr.write(`up: error: invalid value "${f.string("port-offset")}" for flag --port-offset, try --help\n`);
        return 1;
      }
      let errorRatio: number;
      try {
        errorRatio = parseErrorRatio(f.string("demo.error-ratio"));
      } catch (e) {
        if (!(e instanceof ErrorRatioError)) throw e;
        process.stderr.write(`up: error: ${e.message} for flag --demo.error-ratio, try --help\n`);
        return 1;
      }
      const configDir = resolve(f.string("config.dir"));
      for (const file of [join("prometheus", "prometheus.yml"), join("alertmanager", "alertmanager.yml")]) {
        if (!existsSync(join(configDir, file))) {
          process.stderr.write(`up: error: ${join(configDir, file)} does not exist (--config.dir=${f.string("config.dir")})\n`);
          return 1;
        }
      }
      // The children run this same CLI: the node binary and bin/promstack this process was started with.
      const cli: CliCommand = { command: process.execPath, args: [process.argv[1]!] };
      const write = (text: string): void => {
        process.stdout.write(text);
      };
      const alertmanager = await commandAvailable(cli, "alertmanager");
      const stack = new DevStack({
        cli,
        configDir,
        dataDir: f.string("data-dir"),
        portOffset: offset,
        alertmanager,
        errorRatio,
        requestsPerSecond: DEMO_REQUESTS_PER_SECOND,
        write,
        newLogger: (w) => newLogger({ write: w }),
        clock: systemClock,
      });
      const log = stack.logger;
      const ports = stackPorts(offset);
      if (!alertmanager) {
        log.warn(
          'this build of promstack has no "alertmanager" command; the stack runs without the Alertmanager (the server keeps alerts queued, and its alertmanager target is down)',
        );
      }
      log.info(
        "starting the development stack",
        "config_dir",
        configDir,
        "data_dir",
        resolve(f.string("data-dir")),
        "prometheus",
        `http://localhost:${ports.prometheus}`,
        "alertmanager",
        alertmanager ? `http://localhost:${ports.alertmanager}` : "not started",
        "node_exporter",
        `http://localhost:${ports.nodeExporter}/metrics`,
        "demo",
        `http://localhost:${ports.demo}`,
      );
      // Handlers first, so a Ctrl-C during startup stops what has started.
      let signals = 0;
      const stopped = new Promise<void>((done) => {
        const onSignal = (sig: string): void => {
          signals++;
          if (signals === 1) log.info(`received ${sig}; stopping the stack (again to kill it at once)`);
          else log.warn(`received ${sig} again; killing the stack`);
          stack.stop().then(done, done);
        };
        // SIGHUP too: the children are in their own process groups, so closing the terminal reaches only this process.
        for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => onSignal(sig));
      });
      try {
        await stack.start();
      } catch {
        return 1;
      }
      await stopped;
      log.info("the development stack has stopped");
      return 0;
    },
  );
}
