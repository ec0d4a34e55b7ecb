/**
 * A small process supervisor: runs a fixed set of child processes, prefixes
 * their output, restarts a crashed one with exponential backoff, and stops
 * them all with SIGTERM, then SIGKILL after a bound.
 *
 * One component's life:
 *
 *   spawn ──> running ──exit (code ≠ 0 or signal)──> backoff ──timer──> spawn
 *                │  └──exit 0──> stopped (a clean exit, e.g. /-/quit: not restarted)
 *                └──stop()──> SIGTERM ──exit──> stopped
 *                                 └──stopTimeoutMs──> SIGKILL ──exit──> stopped
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Clock, Logger, Timer } from "../util/index.ts";
import { LinePrefixer, componentPrefix } from "./line-prefixer.ts";

/** One supervised program. */
export interface ProcessSpec {
  /** Component name: the output prefix and the `component` field of reports. */
  name: string;
  /** Executable path (for promstack's daemons, process.execPath). */
  command: string;
  args: readonly string[];
  /**
   * Polled after every start until it answers 2xx, then the component is
   * reported ready (once per start). null: no readiness check.
   */
  readyUrl: string | null;
}

/** Restart pacing. Delays double from initialMs up to maxMs. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A child that ran at least this long before crashing starts again from initialMs. */
  resetAfterMs: number;
}

/** Restart pacing of `promstack up`: 1s, 2s, 4s ... 30s; reset once a component has run for a minute. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

/** Options of a Supervisor. */
export interface SupervisorOptions {
  specs: readonly ProcessSpec[];
  /** Receives the prefixed output of every child, whole lines only. */
  write: (text: string) => void;
  /** Where the supervisor's own reports go (started, ready, exited, restarting, killed). */
  logger: Logger;
  clock: Clock;
  backoff?: BackoffPolicy;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  /** Width the names are padded to in prefixes (default: the longest name). */
  prefixWidth?: number;
  /** Interval of readiness polls. */
  readyPollMs?: number;
}

/** Where a component is in its life. */
export const ComponentState = { Running: "running", Backoff: "backoff", Stopped: "stopped" } as const;
export type ComponentState = (typeof ComponentState)[keyof typeof ComponentState];

/** A snapshot of one component. */
export interface ComponentStatus {
  name: string;
  state: ComponentState;
  /** Pid of the running child, or null. */
  pid: number | null;
  /** Every pid this component has had, oldest first. */
  pids: readonly number[];
  /** Restarts after crashes so far. */
  restarts: number;
  /** Whether the current child answered its readiness URL. */
  ready: boolean;
}

/** Default SIGTERM-to-SIGKILL bound: the server flushes its head to the WAL on stop, which takes a few seconds at most. */
const DEFAULT_STOP_TIMEOUT_MS = 15_000;

class Component {
  readonly spec: ProcessSpec;
  child: ChildProcess | null;
  state: ComponentState;
  pids: number[];
  restarts: number;
  /** Consecutive crashes since the last long-enough run; sets the next delay. */
  crashes: number;
  startedAt: number;
  ready: boolean;
  timer: Timer | null;
  /** Resolves when the current child has exited (null when none runs). */
  exited: Promise<void> | null;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
    this.child = null;
    this.state = ComponentState.Stopped;
    this.pids = [];
    this.restarts = 0;
    this.crashes = 0;
    this.startedAt = 0;
    this.ready = false;
    this.timer = null;
    this.exited = null;
  }
}

/**
 * Runs ProcessSpecs as child processes of this process. Children inherit the
 * environment and working directory, get no stdin, and their stdout and
 * stderr are both written, prefixed, to `write`.
 */
export class Supervisor {
  readonly #components: Component[];
  readonly #write: (text: string) => void;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #backoff: BackoffPolicy;
  readonly #stopTimeoutMs: number;
  readonly #width: number;
  readonly #readyPollMs: number;
  #stopping: boolean;

  constructor(opts: SupervisorOptions) {
    this.#components = opts.specs.map((s) => new Component(s));
    this.#write = opts.write;
    this.#logger = opts.logger;
    this.#clock = opts.clock;
    this.#backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.#stopTimeoutMs = opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    this.#width = opts.prefixWidth ?? Math.max(0, ...opts.specs.map((s) => s.name.length));
    this.#readyPollMs = opts.readyPollMs ?? 250;
    this.#stopping = false;
  }

  /**
   * Starts every component. Call once. The children are in process groups
   * of their own; if this process exits without stop() (an uncaught
   * exception), they get SIGTERM from its 'exit' handler.
   */
  start(): void {
    process.once("exit", this.#onExit);
    for (const c of this.#components) this.#spawn(c);
  }

  readonly #onExit = (): void => {
    this.#killAll("SIGTERM");
  };

  /** A snapshot of every component, in spec order. */
  status(): ComponentStatus[] {
    return this.#components.map((c) => ({
      name: c.spec.name,
      state: c.state,
      pid: c.child?.pid ?? null,
      pids: [...c.pids],
      restarts: c.restarts,
      ready: c.ready,
    }));
  }

  /** Whether the named component's current child has answered its readiness URL. */
  ready(name: string): boolean {
    return this.#components.some((c) => c.spec.name === name && c.ready);
  }

  /**
   * Stops everything: no more restarts, SIGTERM to every running child,
   * SIGKILL to those still running after the stop timeout. Resolves once
   * every child has exited. Calling it again while stopping escalates to
   * SIGKILL at once (a second Ctrl-C).
   */
  async stop(): Promise<void> {
    if (this.#stopping) {
      this.#killAll("SIGKILL");
      await this.#allExited();
      return;
    }
    this.#stopping = true;
    for (const c of this.#components) {
      c.timer?.cancel();
      c.timer = null;
      if (c.child === null) c.state = ComponentState.Stopped;
    }
    this.#killAll("SIGTERM");
    let timer: Timer | null = null;
    const deadline = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(() => {
        for (const c of this.#components) {
          if (c.child !== null) this.#logger.warn("component did not stop in time; killing it", "component", c.spec.name, "pid", c.child.pid, "timeout_ms", this.#stopTimeoutMs);
        }
        this.#killAll("SIGKILL");
        resolve();
      }, this.#stopTimeoutMs);
    });
    await Promise.race([this.#allExited(), deadline]);
    (timer as Timer | null)?.cancel();
    await this.#allExited();
    process.off("exit", this.#onExit);
  }

  #killAll(signal: NodeJS.Signals): void {
    for (const c of this.#components) {
      if (c.child !== null && c.child.exitCode === null && c.child.signalCode === null) c.child.kill(signal);
    }
  }

  async #allExited(): Promise<void> {
    await Promise.all(this.#components.map((c) => c.exited ?? Promise.resolve()));
  }

  #spawn(c: Component): void {
    c.timer = null;
    c.ready = false;
    c.startedAt = this.#clock.now();
    // detached: a child of its own process group, so a Ctrl-C at the terminal reaches only the supervisor,
    // which then stops the children in its own order (and a child is never signalled while already exiting).
    const child = spawn(c.spec.command, [...c.spec.args], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    c.child = child;
    c.state = ComponentState.Running;
    const prefix = componentPrefix(c.spec.name, this.#width);
    const out = new LinePrefixer(prefix, this.#write);
    const err = new LinePrefixer(prefix, this.#write);
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => err.push(b));
    let resolveExited: () => void = () => {};
    c.exited = new Promise<void>((r) => {
      resolveExited = r;
    });
    let spawnError: Error | null = null;
    child.on("error", (e) => {
      // Spawning failed (ENOENT, EACCES) or a signal could not be sent; 'close' follows a failed spawn.
      spawnError = e;
    });
    child.on("spawn", () => {
      c.pids.push(child.pid!);
      this.#logger.info("started", "component", c.spec.name, "pid", child.pid);
      if (c.spec.readyUrl !== null) this.#pollReady(c, child, c.spec.readyUrl);
    });
    // 'close' comes after 'exit' and after both pipes ended, so every output line is written before the report.
    child.on("close", (code: number | null, signal: NodeJS.Signals | null) => {
      out.flush();
      err.flush();
      c.child = null;
      c.ready = false;
      this.#exited(c, code, signal, spawnError);
      resolveExited();
    });
  }

  #exited(c: Component, code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null): void {
    const ranMs = this.#clock.now() - c.startedAt;
    const how = spawnError !== null ? ["err", spawnError.message] : signal !== null ? ["signal", signal] : ["code", code];
    if (this.#stopping) {
      c.state = ComponentState.Stopped;
      this.#logger.info("stopped", "component", c.spec.name, ...how);
      return;
    }
    if (spawnError === null && code === 0) {
      // A clean exit is a decision of the component (POST /-/quit), not a crash.
      c.state = ComponentState.Stopped;
      this.#logger.warn("exited cleanly; not restarting it", "component", c.spec.name);
      return;
    }
    if (ranMs >= this.#backoff.resetAfterMs) c.crashes = 0;
    c.crashes++;
    const delayMs = Math.min(this.#backoff.maxMs, this.#backoff.initialMs * 2 ** (c.crashes - 1));
    c.state = ComponentState.Backoff;
    c.restarts++;
    this.#logger.error("crashed; restarting", "component", c.spec.name, ...how, "ran_ms", ranMs, "restart", c.restarts, "delay_ms", delayMs);
    c.timer = this.#clock.setTimeout(() => this.#spawn(c), delayMs);
  }

  #pollReady(c: Component, child: ChildProcess, url: string): void {
    const poll = (): void => {
      if (c.child !== child || this.#stopping) return;
      fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        async (r) => {
          await r.body?.cancel();
          if (c.child !== child || this.#stopping) return;
          if (r.ok) {
            c.ready = true;
            this.#logger.info("ready", "component", c.spec.name, "url", url);
          } else this.#clock.setTimeout(poll, this.#readyPollMs);
        },
        () => {
          this.#clock.setTimeout(poll, this.#readyPollMs);
        },
      );
    };
    this.#clock.setTimeout(poll, this.#readyPollMs);
  }
}
