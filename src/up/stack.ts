/**
 * The deployment guide's development stack as one supervised process tree:
 * the server, the Alertmanager and the node exporter as child processes of
 * the promstack CLI, configured from the repository's config/ directory, and
 * the demo service in this process.
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import type { Clock, Logger } from "../util/index.ts";
import { DemoService } from "./demo-service.ts";
import { type BackoffPolicy, type ProcessSpec, Supervisor } from "./supervisor.ts";
import { componentPrefix } from "./line-prefixer.ts";

/** The stack's ports before --port-offset: the guide's 9090/9093/9100, and 5001 where the shipped alertmanager.yml sends webhooks. */
export const DEV_PORTS = { prometheus: 9090, alertmanager: 9093, nodeExporter: 9100, demo: 5001 } as const;

/** Component names, as they prefix the output. */
export const Component = { Prometheus: "prometheus", Alertmanager: "alertmanager", NodeExporter: "node-exporter", Demo: "demo", Up: "up" } as const;

/** How to run the promstack CLI as a child: `command args... <subcommand> <flags>`. */
export interface CliCommand {
  /** Usually process.execPath. */
  command: string;
  /** Leading arguments, usually [path of bin/promstack]. */
  args: readonly string[];
}

/** What the stack runs and where. */
export interface DevStackConfig {
  cli: CliCommand;
  /** Holds prometheus/prometheus.yml (+ rule files) and alertmanager/alertmanager.yml. */
  configDir: string;
  /** Holds prometheus/ (TSDB) and alertmanager/ (silences, notification log); survives restarts. */
  dataDir: string;
  /** Added to every port of DEV_PORTS. */
  portOffset: number;
  /** Whether to run the Alertmanager (false when this build has no alertmanager command). */
  alertmanager: boolean;
}

/** The ports of a stack with the given offset. */
export function stackPorts(portOffset: number): { prometheus: number; alertmanager: number; nodeExporter: number; demo: number } {
  return {
    prometheus: DEV_PORTS.prometheus + portOffset,
    alertmanager: DEV_PORTS.alertmanager + portOffset,
    nodeExporter: DEV_PORTS.nodeExporter + portOffset,
    demo: DEV_PORTS.demo + portOffset,
  };
}

/**
 * The child processes of the stack, with the guide's flags: the server with
 * 7 days of retention and the lifecycle API, the Alertmanager as a single
 * peer (clustering off: there is nobody to gossip with in development), the
 * node exporter with its defaults. Paths are made absolute.
 */
export function devStackSpecs(c: DevStackConfig): ProcessSpec[] {
  const ports = stackPorts(c.portOffset);
  const config = resolve(c.configDir);
  const data = resolve(c.dataDir);
  const cli = (sub: string, ...flags: string[]): string[] => [...c.cli.args, sub, ...flags];
  const specs: ProcessSpec[] = [
    {
      name: Component.Prometheus,
      command: c.cli.command,
      args: cli(
        "prometheus",
        `--config.file=${join(config, "prometheus", "prometheus.yml")}`,
        `--storage.tsdb.path=${join(data, "prometheus")}`,
        "--storage.tsdb.retention.time=7d",
        "--web.enable-lifecycle",
        `--web.listen-address=0.0.0.0:${ports.prometheus}`,
      ),
      readyUrl: `http://127.0.0.1:${ports.prometheus}/-/ready`,
    },
  ];
  if (c.alertmanager) {
    specs.push({
      name: Component.Alertmanager,
      command: c.cli.command,
      args: cli(
        "alertmanager",
        `--config.file=${join(config, "alertmanager", "alertmanager.yml")}`,
        `--storage.path=${join(data, "alertmanager")}`,
        "--cluster.listen-address=",
        `--web.listen-address=:${ports.alertmanager}`,
      ),
      readyUrl: `http://127.0.0.1:${ports.alertmanager}/-/ready`,
    });
  }
  specs.push({
    name: Component.NodeExporter,
    command: c.cli.command,
    args: cli("node-exporter", `--web.listen-address=:${ports.nodeExporter}`),
    readyUrl: `http://127.0.0.1:${ports.nodeExporter}/`,
  });
  return specs;
}

/** Options of a DevStack. */
export interface DevStackOptions extends DevStackConfig {
  /** Share of the demo's requests that fail with a 5xx at the server. */
  errorRatio: number;
  /** The demo's generated requests per second. */
  requestsPerSecond: number;
  /** Receives all output, prefixed, whole lines. */
  write: (text: string) => void;
  /** Builds a logger that writes (prefixed) through `write`, for a component name. */
  newLogger: (write: (line: string) => void) => Logger;
  clock: Clock;
  backoff?: BackoffPolicy;
  stopTimeoutMs?: number;
}

/** The running stack: start() once, stop() once (a second stop() kills at once). */
export class DevStack {
  readonly #supervisor: Supervisor;
  readonly #demo: DemoService;
  readonly #log: Logger;
  #demoStarted: boolean;
  #demoStarting: Promise<void>;

  constructor(o: DevStackOptions) {
    const specs = devStackSpecs(o);
    const ports = stackPorts(o.portOffset);
    const width = Math.max(...[...specs.map((s) => s.name), Component.Demo, Component.Up].map((n) => n.length));
    const prefixed = (name: string) => (line: string) => o.write(componentPrefix(name, width) + line);
    this.#log = o.newLogger(prefixed(Component.Up));
    this.#supervisor = new Supervisor({
      specs,
      write: o.write,
      logger: this.#log,
      clock: o.clock,
      prefixWidth: width,
      ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
      ...(o.stopTimeoutMs !== undefined ? { stopTimeoutMs: o.stopTimeoutMs } : {}),
    });
    this.#demo = new DemoService({
      host: "",
      port: ports.demo,
      serverUrl: `http://127.0.0.1:${ports.prometheus}`,
      errorRatio: o.errorRatio,
      requestsPerSecond: o.requestsPerSecond,
      serverReady: () => this.#supervisor.ready(Component.Prometheus),
      clock: o.clock,
      logger: o.newLogger(prefixed(Component.Demo)),
    });
    this.#demoStarted = false;
    this.#demoStarting = Promise.resolve();
  }

  /** The supervisor's logger (the `up | ...` lines). */
  get logger(): Logger {
    return this.#log;
  }

  /** Starts the children, then the demo service. Rejects (after stopping the children) if the demo's port is taken. */
  async start(): Promise<void> {
    this.#supervisor.start();
    // A demo that is starting counts as started: a stop() meanwhile waits for the listen, then closes it.
    this.#demoStarted = true;
    this.#demoStarting = this.#demo.start();
    try {
      await this.#demoStarting;
    } catch (e) {
      const stopRequested = !this.#demoStarted;
      this.#demoStarted = false;
      this.#log.error("demo service failed to start", "err", (e as Error).message);
      // A stop() already under way stops the children; a second one would escalate to SIGKILL.
      if (!stopRequested) await this.#supervisor.stop();
      throw e;
    }
  }

  /** Stops the demo and every child (SIGTERM, SIGKILL after the bound); again while stopping: SIGKILL now. */
  async stop(): Promise<void> {
    const demo = this.#demoStarted ? this.#demoStarting.then(() => this.#demo.stop(), () => {}) : Promise.resolve();
    this.#demoStarted = false;
    await Promise.all([demo, this.#supervisor.stop()]);
  }
}

/**
 * Whether this build of promstack has a subcommand: runs `<cli> <name>
 * --version` and resolves true on exit code 0 (an unknown command exits 1).
 */
export function commandAvailable(cli: CliCommand, name: string, timeoutMs = 30_000): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(cli.command, [...cli.args, name, "--version"], { stdio: "ignore" });
    // Not spawn's own `timeout` option: its timer outlives a child that failed to spawn.
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      resolve(ok);
    };
    child.on("error", () => done(false));
    child.on("close", (code) => done(code === 0));
  });
}
