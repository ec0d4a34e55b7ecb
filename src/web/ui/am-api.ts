// Alertmanager API v2 client of the Alertmanager's UI, and its matcher
// syntax ({severity="critical", alertname=~"Disk.*"}). Calls are relative
// to the path the page was served under (pathPrefix), as the server UI's.
import { APIError, pathPrefix, type Params } from "./api.ts";

/** A matcher as API v2 sends and takes it. */
export interface AMMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** An alert of /api/v2/alerts and /api/v2/alerts/groups (models.GettableAlert). */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  fingerprint: string;
  generatorURL?: string;
  receivers: Array<{ name: string }>;
  status: { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[]; inhibitedBy: string[]; mutedBy?: string[] };
}

/** An aggregation group of /api/v2/alerts/groups. */
export interface AlertGroup {
  labels: Record<string, string>;
  receiver: { name: string };
  alerts: GettableAlert[];
}

/** The states of a silence, in the order the UI shows them. */
export const silenceStates = ["active", "pending", "expired"] as const;

/** A silence state. */
export type SilenceState = (typeof silenceStates)[number];

/** A silence of /api/v2/silences (models.GettableSilence). */
export interface GettableSilence {
  id: string;
  status: { state: SilenceState };
  matchers: AMMatcher[];
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  createdBy: string;
  comment: string;
}

/** A silence to create (no id) or update (models.PostableSilence). */
export interface PostableSilence {
  id?: string;
  matchers: AMMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** /api/v2/status. */
export interface AMStatus {
  cluster: { name?: string; status: string; peers: Array<{ name: string; address: string }> };
  config: { original: string };
  uptime: string;
  versionInfo: Record<string, string>;
}

/** The message of an API v2 error body: a JSON string, or go-openapi's {code, message}. */
function errorMessage(text: string, status: number): string {
  if (text.trim() === "") return `HTTP ${status}`;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === "string") return v;
    if (typeof v === "object" && v !== null && typeof (v as { message?: unknown }).message === "string") return (v as { message: string }).message;
  } catch {
    // Not JSON: the body is the message.
  }
  return text.trim();
}

/**
 * Calls `/api/v2/<path>` (GET unless told; a body is sent as JSON) and
 * returns the decoded answer, or undefined for an empty one. Rejects with
 * APIError ("http" with the API's message, or "network").
 */
export async function amAPI<T>(path: string, o: { params?: Params; method?: "GET" | "POST" | "DELETE"; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(o.params ?? {})) {
    if (typeof v === "string") sp.append(k, v);
    else for (const x of v) sp.append(k, x);
  }
  const url = `${pathPrefix}/api/v2/${path}${sp.size > 0 ? `?${sp}` : ""}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: o.method ?? "GET",
      signal: o.signal ?? null,
      ...(o.body !== undefined ? { body: JSON.stringify(o.body), headers: { "content-type": "application/json" } } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new APIError("network", e instanceof Error ? e.message : String(e), 0);
  }
  const text = await res.text();
  if (!res.ok) throw new APIError("http", errorMessage(text, res.status), res.status);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

/** A matcher's operator: =, !=, =~ or !~. */
export function matcherOp(m: AMMatcher): string {
  if (m.isRegex) return m.isEqual ? "=~" : "!~";
  return m.isEqual ? "=" : "!=";
}

/** The operators of matchers, with their flags. */
export const matcherOps: ReadonlyArray<{ op: string; isEqual: boolean; isRegex: boolean }> = [
  { op: "=", isEqual: true, isRegex: false },
  { op: "!=", isEqual: false, isRegex: false },
  { op: "=~", isEqual: true, isRegex: true },
  { op: "!~", isEqual: false, isRegex: true },
];

/** A matcher as Alertmanager prints it: name="value" with \\, \" and \n escaped. */
export function formatMatcher(m: AMMatcher): string {
  const v = m.value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `${m.name}${matcherOp(m)}"${v}"`;
}

/** A matcher list in braces: {a="b", c=~"d"}. */
export function formatMatchers(ms: readonly AMMatcher[]): string {
  return `{${ms.map(formatMatcher).join(", ")}}`;
}

/** Matchers that equal each label of a label set. */
export function labelMatchers(labels: Record<string, string>): AMMatcher[] {
  return Object.entries(labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/** A matcher list the UI cannot parse; `position` is the offending character's index. */
export class MatcherSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position + 1}`);
    this.name = "MatcherSyntaxError";
    this.position = position;
  }
}

const nameRE = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;

/**
 * Parses a matcher list as Alertmanager's classic syntax writes it, braces
 * optional: `{severity="critical", alertname=~"Disk.*"}`, `job=api`.
 * Values may be double-quoted (escapes \\, \", \n) or bare up to the next
 * comma or brace. Empty text is no matchers. Throws MatcherSyntaxError,
 * also for a regular expression the browser cannot compile.
 */
export function parseMatchers(text: string): AMMatcher[] {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  ws();
  const braced = text[i] === "{";
  if (braced) i++;
  const out: AMMatcher[] = [];
  for (;;) {
    ws();
    if (i >= text.length) {
      if (braced) throw new MatcherSyntaxError("missing closing brace", i);
      break;
    }
    if (text[i] === "}") {
      if (!braced) throw new MatcherSyntaxError("unexpected closing brace", i);
      i++;
      ws();
      if (i < text.length) throw new MatcherSyntaxError("unexpected text after the closing brace", i);
      break;
    }
    nameRE.lastIndex = i;
    const nm = nameRE.exec(text);
    if (nm === null) throw new MatcherSyntaxError("expected a label name", i);
    i += nm[0].length;
    ws();
    const op = ["=~", "!~", "!=", "="].find((o) => text.startsWith(o, i));
    if (op === undefined) throw new MatcherSyntaxError("expected one of =, !=, =~, !~", i);
    i += op.length;
    ws();
    let value = "";
    if (text[i] === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= text.length) throw new MatcherSyntaxError("unterminated quoted value", start);
        const c = text[i++]!;
        if (c === '"') break;
        if (c === "\\" && i < text.length) {
          const e = text[i++]!;
          value += e === "n" ? "\n" : e === '"' || e === "\\" ? e : "\\" + e;
        } else value += c;
      }
    } else {
      const start = i;
      while (i < text.length && text[i] !== "," && text[i] !== "}") i++;
      value = text.slice(start, i).trim();
      if (value.includes('"')) throw new MatcherSyntaxError("unexpected double quote in a bare value", start + value.indexOf('"'));
    }
    const m: AMMatcher = { name: nm[0], value, isEqual: op[0] === "=", isRegex: op.endsWith("~") };
    const re = regexError(m);
    if (re !== null) throw new MatcherSyntaxError(`invalid regular expression ${JSON.stringify(value)}: ${re}`, i - 1);
    out.push(m);
    ws();
    if (text[i] === ",") i++;
    else if (i < text.length && text[i] !== "}") throw new MatcherSyntaxError("expected a comma", i);
  }
  return out;
}

/** Why a regex matcher's value does not compile (null when it does, or the matcher is no regex). */
export function regexError(m: AMMatcher): string | null {
  if (!m.isRegex) return null;
  try {
    new RegExp(`^(?:${m.value})$`, "u");
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^Invalid regular expression: /, "") : String(e);
  }
}

/** The `filter` query values of a matcher list. */
export function filterParam(ms: readonly AMMatcher[]): string[] {
  return ms.map(formatMatcher);
}

/** A time as the UI shows it: "2024-01-02 15:04:05 UTC". */
export function formatTime(rfc3339: string): string {
  const t = Date.parse(rfc3339);
  if (!Number.isFinite(t)) return rfc3339;
  return new Date(t).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}
