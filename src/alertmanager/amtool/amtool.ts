/**
 * amtool (upstream cli/): alert query/add, silence add/query/expire/import,
 * check-config, config show and config routes show/test, with upstream's
 * flags (kingpin: contextual flags, short forms, `--no-` booleans, a YAML
 * config file of defaults) and output. Talks to API v2 over HTTP.
 */

import { existsSync, readFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { parse as parseYAML } from "yaml";
import { ConfigError } from "../../config/index.ts";
import { versionText } from "../../util/index.ts";
import { Labels, LabelsBuilder, MatchType, parseDuration } from "../../model/index.ts";
import type { Matcher } from "../../model/index.ts";
import { loadConfig, loadConfigFile } from "../config/index.ts";
import type { AlertmanagerConfig } from "../config/index.ts";
import { formatMatchingTree, formatRouteTree, newRoute } from "../dispatch/index.ts";
import { formatMatcher, parseMatchers } from "../matchers/index.ts";
import { NotificationTemplate } from "../template/index.ts";
import { formatAlerts, formatSilences } from "./format.ts";
import type { APIAlert, APISilence } from "./format.ts";

/** A bad command line or a failed command; printed as `amtool: error: <message>`. */
export class AmtoolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AmtoolError";
  }
}

/** Where amtool reads and writes; injected so tests run it in-process. */
export interface AmtoolIO {
  stdout(s: string): void;
  stderr(s: string): void;
  /** All of standard input (silence import without a file). */
  readStdin(): Promise<string>;
  /** Current time in ms. */
  now(): number;
  /** Config files to read defaults from, first found wins; default upstream's locations. */
  configFiles?: readonly string[];
}

type Kind = "string" | "bool" | "list";

interface FlagDef {
  readonly name: string;
  readonly short?: string;
  readonly kind: Kind;
  readonly def: string;
}

interface CommandDef {
  readonly name: string;
  readonly flags: readonly FlagDef[];
  readonly children: readonly CommandDef[];
  /** The child run when none is named (kingpin's Default()). */
  readonly defaultChild?: string;
  readonly run?: (c: Context) => Promise<number>;
}

const GLOBAL_FLAGS: readonly FlagDef[] = [
  { name: "date.format", kind: "string", def: "2006-01-02 15:04:05 MST" },
  { name: "verbose", short: "v", kind: "bool", def: "false" },
  { name: "alertmanager.url", kind: "string", def: "http://localhost:9093/" },
  { name: "output", short: "o", kind: "string", def: "simple" },
  { name: "timeout", kind: "string", def: "30s" },
  { name: "version-check", kind: "bool", def: "true" },
];

/** Parsed flags and arguments of one invocation. */
class Context {
  readonly io: AmtoolIO;
  readonly args: string[];
  readonly #values: Map<string, string[]>;
  readonly #defs: Map<string, FlagDef>;
  readonly #fileDefaults: Map<string, string>;

  constructor(io: AmtoolIO, args: string[], values: Map<string, string[]>, defs: Map<string, FlagDef>, fileDefaults: Map<string, string>) {
    this.io = io;
    this.args = args;
    this.#values = values;
    this.#defs = defs;
    this.#fileDefaults = fileDefaults;
  }
  string(name: string): string {
    return this.#values.get(name)?.[0] ?? this.#fileDefaults.get(name) ?? this.#defs.get(name)?.def ?? "";
  }
  bool(name: string): boolean {
    return this.string(name) === "true";
  }
  list(name: string): string[] {
    return this.#values.get(name) ?? [];
  }
  given(name: string): boolean {
    return this.#values.has(name);
  }
  output(): "simple" | "extended" | "json" {
    const o = this.string("output");
    if (o !== "simple" && o !== "extended" && o !== "json") throw new AmtoolError(`unknown output formatter "${o}"`);
    return o;
  }
  timeoutMs(): number {
    return duration(this.string("timeout"), "timeout");
  }
  /** The API base: `<alertmanager.url>/api/v2`. */
  apiBase(): string {
    const u = this.string("alertmanager.url");
    if (u === "") throw new AmtoolError("required flag --alertmanager.url not provided");
    return u.replace(/\/+$/, "") + "/api/v2";
  }
}

function duration(s: string, flag: string): number {
  try {
    return parseDuration(s);
  } catch (e) {
    throw new AmtoolError(`invalid value "${s}" for flag --${flag}: ${(e as Error).message}`);
  }
}

function parseTimeFlag(s: string, flag: string): number {
  const t = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) || Number.isNaN(t)) {
    throw new AmtoolError(`error parsing ${flag} time: parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(s)} as "2006"`);
  }
  return t;
}

/** go-swagger client's error text for a non-2xx answer. */
async function apiError(method: string, path: string, op: string, res: Response): Promise<AmtoolError> {
  const names: Record<number, string> = { 400: "BadRequest", 404: "NotFound", 422: "UnprocessableEntity", 500: "InternalServerError", 503: "ServiceUnavailable" };
  const text = await res.text();
  let payload = text.trim();
  try {
    const v = JSON.parse(text) as unknown;
    payload = typeof v === "string" ? v : JSON.stringify(v);
  } catch {
    // Not JSON: keep the text.
  }
  const name = names[res.status] ?? `Status${res.status}`;
  return new AmtoolError(`[${method} ${path}][${res.status}] ${op}${name}  ${payload}`);
}

async function request(c: Context, method: string, pathTemplate: string, path: string, op: string, body?: unknown): Promise<unknown> {
  const url = c.apiBase() + path;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      signal: AbortSignal.timeout(c.timeoutMs()),
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new AmtoolError(`${method === "GET" ? "Get" : method === "POST" ? "Post" : "Delete"} ${JSON.stringify(url)}: ${cause ?? (e as Error).message}`);
  }
  if (!res.ok) throw await apiError(method, pathTemplate, op, res);
  const text = await res.text();
  return text === "" ? null : (JSON.parse(text) as unknown);
}

/**
 * Matchers from amtool's arguments: each argument a matcher (list); a first
 * argument without an operator is the alertname (upstream parseMatchers).
 */
export function argMatchers(args: readonly string[]): Matcher[] {
  const out: Matcher[] = [];
  args.forEach((a, i) => {
    const s = i === 0 && !/[=~]/.test(a) ? `alertname=${a}` : a;
    try {
      out.push(...parseMatchers(s));
    } catch (e) {
      throw new AmtoolError((e as Error).message);
    }
  });
  return out;
}

/** Labels from `name=value` arguments (alert add, routes test). */
export function argLabels(args: readonly string[]): Labels {
  const b = new LabelsBuilder();
  for (const m of argMatchers(args)) {
    if (m.type !== MatchType.Equal) throw new AmtoolError("labels must be specified as key=value pairs");
    b.set(m.name, m.value);
  }
  return b.labels();
}

function writeJSON(c: Context, v: unknown): void {
  c.io.stdout(JSON.stringify(v) + "\n");
}

async function alertQuery(c: Context): Promise<number> {
  const output = c.output();
  const states = ["active", "silenced", "inhibited", "unprocessed"];
  const anyGiven = states.some((s) => c.bool(s));
  const q = new URLSearchParams();
  q.set("active", String(anyGiven ? c.bool("active") : true));
  for (const s of ["inhibited", "silenced", "unprocessed"]) q.set(s, String(c.bool(s)));
  if (c.string("receiver") !== "") q.set("receiver", c.string("receiver"));
  for (const m of argMatchers(c.args)) q.append("filter", formatMatcher(m));
  const alerts = (await request(c, "GET", "/alerts", `/alerts?${q}`, "getAlerts")) as APIAlert[];
  if (output === "json") writeJSON(c, alerts);
  else c.io.stdout(formatAlerts(alerts, output, c.string("date.format")));
  return 0;
}

async function alertAdd(c: Context): Promise<number> {
  if (c.args.length === 0) throw new AmtoolError("no labels specified");
  const labels = argLabels(c.args);
  const annotations: Record<string, string> = {};
  for (const a of c.list("annotation")) {
    const i = a.indexOf("=");
    if (i <= 0) throw new AmtoolError("annotations must be specified as key=value pairs");
    annotations[a.slice(0, i)] = a.slice(i + 1);
  }
  const alert: Record<string, unknown> = { labels: labels.toObject(), annotations };
  if (c.string("generator-url") !== "") alert["generatorURL"] = c.string("generator-url");
  if (c.string("start") !== "") alert["startsAt"] = new Date(parseTimeFlag(c.string("start"), "start")).toISOString();
  if (c.string("end") !== "") alert["endsAt"] = new Date(parseTimeFlag(c.string("end"), "end")).toISOString();
  await request(c, "POST", "/alerts", "/alerts", "postAlerts", [alert]);
  return 0;
}

function silenceBody(c: Context, matchers: readonly Matcher[], id: string): Record<string, unknown> {
  const now = c.io.now();
  const startsAt = c.string("start") !== "" ? parseTimeFlag(c.string("start"), "start") : now;
  let endsAt: number;
  if (c.string("end") !== "") endsAt = parseTimeFlag(c.string("end"), "end");
  else {
    const d = duration(c.string("duration"), "duration");
    if (d === 0) throw new AmtoolError("silence duration must be greater than 0");
    endsAt = startsAt + d;
  }
  if (startsAt > endsAt) throw new AmtoolError("silence cannot start after it ends");
  return {
    ...(id !== "" ? { id } : {}),
    matchers: matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.type === MatchType.Regexp || m.type === MatchType.NotRegexp, isEqual: m.type === MatchType.Equal || m.type === MatchType.Regexp })),
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    createdBy: c.string("author") !== "" ? c.string("author") : defaultAuthor(),
    comment: c.string("comment"),
  };
}

function defaultAuthor(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env["USER"] ?? "";
  }
}

async function silenceAdd(c: Context): Promise<number> {
  const matchers = argMatchers(c.args);
  if (matchers.length === 0) throw new AmtoolError("no matchers specified");
  if (c.bool("require-comment") && c.string("comment") === "") throw new AmtoolError("comment required by config");
  const r = (await request(c, "POST", "/silences", "/silences", "postSilences", silenceBody(c, matchers, ""))) as { silenceID: string };
  c.io.stdout(r.silenceID + "\n");
  return 0;
}

async function silenceQuery(c: Context): Promise<number> {
  const output = c.output();
  const q = new URLSearchParams();
  for (const m of argMatchers(c.args)) q.append("filter", formatMatcher(m));
  const qs = q.toString();
  const all = (await request(c, "GET", "/silences", `/silences${qs === "" ? "" : "?" + qs}`, "getSilences")) as APISilence[];
  const expired = c.bool("expired");
  const within = c.string("within") === "" ? 0 : duration(c.string("within"), "within");
  const createdBy = c.string("created-by");
  const now = c.io.now();
  const out = all.filter((s) => {
    const isExpired = s.status.state === "expired";
    if (expired !== isExpired) return false;
    const end = Date.parse(s.endsAt);
    if (within > 0 && !expired && end > now + within) return false;
    if (within > 0 && expired && end < now - within) return false;
    if (createdBy !== "" && s.createdBy !== createdBy) return false;
    return true;
  });
  if (c.bool("quiet")) {
    for (const s of out) c.io.stdout(s.id + "\n");
  } else if (output === "json") writeJSON(c, out);
  else c.io.stdout(formatSilences(out, output, c.string("date.format")));
  return 0;
}

async function silenceExpire(c: Context): Promise<number> {
  if (c.args.length === 0) throw new AmtoolError("no silence IDs specified");
  for (const id of c.args) await request(c, "DELETE", "/silence/{silenceID}", `/silence/${encodeURIComponent(id)}`, "deleteSilence");
  return 0;
}

async function silenceImport(c: Context): Promise<number> {
  const file = c.args[0];
  const text = file === undefined ? await c.io.readStdin() : readFileSync(file, "utf8");
  let silences: APISilence[];
  try {
    silences = JSON.parse(text) as APISilence[];
  } catch (e) {
    throw new AmtoolError(`couldn't unmarshal input data, is it JSON?: ${(e as Error).message}`);
  }
  if (!Array.isArray(silences)) throw new AmtoolError("couldn't unmarshal input data, is it JSON?: not a list of silences");
  const force = c.bool("force");
  let failed = 0;
  const workers = Math.max(1, Number(c.string("worker")) || 1);
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < silences.length) {
      const s = silences[next++]!;
      const body = { ...(force || s.id === undefined ? {} : { id: s.id }), matchers: s.matchers, startsAt: s.startsAt, endsAt: s.endsAt, createdBy: s.createdBy, comment: s.comment };
      try {
        const r = (await request(c, "POST", "/silences", "/silences", "postSilences", body)) as { silenceID: string };
        c.io.stdout(r.silenceID + "\n");
      } catch (e) {
        c.io.stderr(`Error importing silence: ${(e as Error).message}\n`);
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, Math.max(1, silences.length)) }, work));
  if (failed > 0) throw new AmtoolError(`couldn't import ${failed} out of ${silences.length} silences`);
  return 0;
}

async function checkConfig(c: Context): Promise<number> {
  if (c.args.length === 0) throw new AmtoolError("required argument 'check-files' not provided");
  for (const f of c.args) if (!existsSync(f)) throw new AmtoolError(`path '${f}' does not exist`);
  let failed = 0;
  for (const f of c.args) {
    let cfg: AlertmanagerConfig;
    try {
      cfg = loadConfigFile(f);
    } catch (e) {
      c.io.stdout(`Checking '${f}'  FAILED: ${(e as Error).message}\n\n`);
      failed++;
      continue;
    }
    c.io.stdout(`Checking '${f}'  SUCCESS\nFound:\n - global config\n - route\n - ${cfg.inhibitRules.length} inhibit rules\n - ${cfg.receivers.length} receivers\n - ${cfg.templates.length} templates\n`);
    if (cfg.templates.length > 0) {
      try {
        NotificationTemplate.fromGlobs(cfg.templates);
        c.io.stdout("  SUCCESS\n");
      } catch (e) {
        c.io.stdout(`  FAILED: ${(e as Error).message}\n`);
        failed++;
      }
    }
    c.io.stdout("\n");
  }
  if (failed > 0) throw new AmtoolError(`failed to validate ${failed} file(s)`);
  return 0;
}

interface StatusBody {
  readonly config: { readonly original: string };
  readonly versionInfo: Record<string, string>;
  readonly uptime: string;
  readonly cluster: { readonly name?: string; readonly status: string; readonly peers: ReadonlyArray<{ readonly name: string; readonly address: string }> };
}

async function configShow(c: Context): Promise<number> {
  const output = c.output();
  const st = (await request(c, "GET", "/status", "/status", "getStatus")) as StatusBody;
  if (output === "json") writeJSON(c, st);
  else {
    c.io.stdout(st.config.original);
    if (output === "extended") {
      for (const k of Object.keys(st.versionInfo).sort()) c.io.stdout(`${k} ${st.versionInfo[k]}\n`);
      c.io.stdout(`uptime ${st.uptime}\n`);
    }
  }
  return 0;
}

/** The routing configuration: --config.file when given, else the running Alertmanager's. */
async function routingConfig(c: Context): Promise<AlertmanagerConfig> {
  const file = c.string("config.file");
  try {
    if (file !== "") return loadConfigFile(file);
    const st = (await request(c, "GET", "/status", "/status", "getStatus")) as StatusBody;
    return loadConfig(st.config.original);
  } catch (e) {
    if (e instanceof ConfigError) throw new AmtoolError(e.message);
    throw e;
  }
}

async function routesShow(c: Context): Promise<number> {
  const cfg = await routingConfig(c);
  c.io.stdout("Routing tree:\n" + formatRouteTree(newRoute(cfg.route), { showReceiver: true }) + "\n");
  return 0;
}

async function routesTest(c: Context): Promise<number> {
  const cfg = await routingConfig(c);
  const root = newRoute(cfg.route);
  const labels = argLabels(c.args);
  if (c.bool("tree")) c.io.stdout("Matching routes:\n" + formatMatchingTree(root, labels) + "\n\n");
  const receivers = root.match(labels).map((r) => r.opts.receiver);
  c.io.stdout(receivers.join(",") + "\n");
  const verify = c.string("verify.receivers");
  if (verify !== "" && verify !== receivers.join(",")) {
    c.io.stdout("WARNING: Expected receivers did not match resolved receivers.\n");
    return 1;
  }
  return 0;
}

const CONFIG_FILE_FLAG: FlagDef = { name: "config.file", kind: "string", def: "" };

const COMMANDS: CommandDef = {
  name: "amtool",
  flags: GLOBAL_FLAGS,
  children: [
    {
      name: "alert",
      flags: [],
      defaultChild: "query",
      children: [
        {
          name: "query",
          flags: [
            { name: "inhibited", short: "i", kind: "bool", def: "false" },
            { name: "silenced", short: "s", kind: "bool", def: "false" },
            { name: "active", short: "a", kind: "bool", def: "false" },
            { name: "unprocessed", short: "u", kind: "bool", def: "false" },
            { name: "receiver", short: "r", kind: "string", def: "" },
          ],
          children: [],
          run: alertQuery,
        },
        {
          name: "add",
          flags: [
            { name: "generator-url", kind: "string", def: "" },
            { name: "start", kind: "string", def: "" },
            { name: "end", kind: "string", def: "" },
            { name: "annotation", kind: "list", def: "" },
          ],
          children: [],
          run: alertAdd,
        },
      ],
    },
    {
      name: "silence",
      flags: [],
      defaultChild: "query",
      children: [
        {
          name: "add",
          flags: [
            { name: "author", short: "a", kind: "string", def: "" },
            { name: "require-comment", kind: "bool", def: "true" },
            { name: "duration", short: "d", kind: "string", def: "1h" },
            { name: "start", kind: "string", def: "" },
            { name: "end", kind: "string", def: "" },
            { name: "comment", short: "c", kind: "string", def: "" },
          ],
          children: [],
          run: silenceAdd,
        },
        { name: "expire", flags: [], children: [], run: silenceExpire },
        {
          name: "import",
          flags: [
            { name: "force", short: "f", kind: "bool", def: "false" },
            { name: "worker", short: "w", kind: "string", def: "8" },
          ],
          children: [],
          run: silenceImport,
        },
        {
          name: "query",
          flags: [
            { name: "expired", kind: "bool", def: "false" },
            { name: "quiet", short: "q", kind: "bool", def: "false" },
            { name: "created-by", kind: "string", def: "" },
            { name: "within", kind: "string", def: "" },
          ],
          children: [],
          run: silenceQuery,
        },
      ],
    },
    { name: "check-config", flags: [], children: [], run: checkConfig },
    {
      name: "config",
      flags: [],
      defaultChild: "show",
      children: [
        { name: "show", flags: [], children: [], run: configShow },
        {
          name: "routes",
          flags: [CONFIG_FILE_FLAG],
          defaultChild: "show",
          children: [
            { name: "show", flags: [], children: [], run: routesShow },
            {
              name: "test",
              flags: [
                { name: "verify.receivers", kind: "string", def: "" },
                { name: "tree", kind: "bool", def: "false" },
              ],
              children: [],
              run: routesTest,
            },
          ],
        },
      ],
    },
  ],
};

/** Upstream's config file locations for flag defaults. */
function defaultConfigFiles(): string[] {
  return [`${homedir()}/.config/amtool/config.yml`, "/etc/amtool/config.yml"];
}

function readConfigDefaults(files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) {
    if (!existsSync(f)) continue;
    const v = parseYAML(readFileSync(f, "utf8")) as unknown;
    if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) out.set(k, String(x));
    break;
  }
  return out;
}

/**
 * Runs amtool with `argv` (after the program name). Resolves to the exit
 * code; errors are printed as `amtool: error: ...`.
 */
export async function runAmtool(argv: readonly string[], io: AmtoolIO): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof AmtoolError) {
      io.stderr(`amtool: error: ${e.message}\n\n`);
      return 1;
    }
    throw e;
  }
}

/** The command list `--help` prints. */
function usage(node: CommandDef, prefix: string): string[] {
  const here = node.run !== undefined ? [`  ${prefix.trim()}`] : [];
  return [...here, ...node.children.flatMap((c) => usage(c, `${prefix} ${c.name}`))];
}

async function run(argv: readonly string[], io: AmtoolIO): Promise<number> {
  if (argv.includes("--version")) {
    io.stdout(versionText("amtool"));
    return 0;
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(`usage: amtool [<flags>] <command> [<args> ...]\n\nView and modify the current Alertmanager state.\n\nCommands:\n${usage(COMMANDS, "").join("\n")}\n`);
    return 0;
  }
  let node: CommandDef = COMMANDS;
  const defs = new Map<string, FlagDef>();
  const shorts = new Map<string, FlagDef>();
  const addFlags = (fs: readonly FlagDef[]): void => {
    for (const f of fs) {
      defs.set(f.name, f);
      if (f.short !== undefined) shorts.set(f.short, f);
    }
  };
  addFlags(node.flags);
  const values = new Map<string, string[]>();
  const args: string[] = [];
  const set = (f: FlagDef, v: string): void => {
    const vs = values.get(f.name) ?? [];
    if (f.kind === "list") vs.push(v);
    else vs.splice(0, vs.length, v);
    values.set(f.name, vs);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      let f = defs.get(name);
      let negated = false;
      if (f === undefined && name.startsWith("no-")) {
        const g = defs.get(name.slice(3));
        if (g?.kind === "bool") {
          f = g;
          negated = true;
        }
      }
      if (f === undefined) throw new AmtoolError(`unknown long flag '--${name}'`);
      if (f.kind === "bool") set(f, negated ? "false" : eq < 0 ? "true" : a.slice(eq + 1));
      else if (eq >= 0) set(f, a.slice(eq + 1));
      else if (i + 1 < argv.length) set(f, argv[++i]!);
      else throw new AmtoolError(`expected argument for flag '--${name}'`);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      const f = shorts.get(a[1]!);
      if (f === undefined) throw new AmtoolError(`unknown short flag '-${a[1]}'`);
      if (f.kind === "bool") set(f, "true");
      else if (a.length > 2) set(f, a.slice(a[2] === "=" ? 3 : 2));
      else if (i + 1 < argv.length) set(f, argv[++i]!);
      else throw new AmtoolError(`expected argument for flag '-${a[1]}'`);
      continue;
    }
    const child = args.length === 0 ? node.children.find((c) => c.name === a) : undefined;
    if (child !== undefined) {
      node = child;
      addFlags(node.flags);
      continue;
    }
    if (node.children.length > 0 && node.defaultChild === undefined) throw new AmtoolError(`expected command but got "${a}"`);
    if (node.children.length > 0) {
      node = node.children.find((c) => c.name === node.defaultChild)!;
      addFlags(node.flags);
    }
    args.push(a);
  }
  while (node.run === undefined) {
    if (node.defaultChild === undefined) throw new AmtoolError("command not specified");
    node = node.children.find((c) => c.name === node.defaultChild)!;
    addFlags(node.flags);
  }
  const ctx = new Context(io, args, values, defs, readConfigDefaults(io.configFiles ?? defaultConfigFiles()));
  return node.run(ctx);
}
