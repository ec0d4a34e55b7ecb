/**
 * The promstack CLI: `promstack <command> [flags] [args]`. Each command lives
 * in its own module under cmd/ and is loaded only when run.
 */
import { YOUNG_GENERATION_CAP_BYTES, capYoungGeneration, oneMemoryReducerGc } from "../util/index.ts";

/** A CLI command: runs with the arguments after its name, resolves to an exit code. */
export type CommandMain = (argv: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<CommandMain> }> = {
  prometheus: {
    summary: "The Prometheus monitoring server.",
    load: async () => (await import("./prometheus.ts")).main,
  },
  promtool: {
    summary: "Tooling for the Prometheus monitoring system (checks, rule tests, PromQL tests).",
    load: async () => (await import("./promtool.ts")).main,
  },
  alertmanager: { summary: "Prometheus Alertmanager: grouping, inhibition, silences and notifications.", load: async () => (await import("./alertmanager.ts")).main },
  amtool: { summary: "View and modify the current Alertmanager state.", load: async () => (await import("./amtool.ts")).main },
  up: { summary: "The development stack in one supervised process tree (prometheus, alertmanager, node-exporter, demo service).", load: async () => (await import("./up.ts")).main },
  "node-exporter": { summary: "Prometheus exporter for hardware and OS metrics exposed by *NIX kernels.", load: async () => (await import("./node-exporter.ts")).main },
};

function usage(): string {
  const lines = ["usage: promstack <command> [<args> ...]", "", "Commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(14)} ${c.summary}`);
  return lines.join("\n") + "\n";
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const c = commands[name];
  if (c === undefined) {
    process.stderr.write(`promstack: error: expected command but got "${name}"\n\n${usage()}`);
    return 1;
  }
  return (await c.load())(rest);
}

// Before any command loads: module loading is the first thing that grows V8's young generation.
const nodeFlags = `${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`;
capYoungGeneration(YOUNG_GENERATION_CAP_BYTES, nodeFlags);
oneMemoryReducerGc(nodeFlags);
process.exitCode = await run(process.argv.slice(2));
