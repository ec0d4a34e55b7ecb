/**
 * amtool's output formats (upstream cli/format): `simple` and `extended`
 * tables written like Go's tabwriter (every cell padded to its column's
 * width plus two spaces), dates in Go layouts (`--date.format`), and
 * `json` as the API returned it.
 */

/** An alert as the API returns it (the fields amtool reads). */
export interface APIAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
  readonly status: { readonly state: string };
}

/** A silence as the API returns it (the fields amtool reads). */
export interface APISilence {
  readonly id: string;
  readonly matchers: ReadonlyArray<{ readonly name: string; readonly value: string; readonly isRegex: boolean; readonly isEqual?: boolean }>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly status: { readonly state: string };
}

/** Rows as Go's tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) prints cells each ending in a tab. */
export function tabTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) => r.map((c, i) => c + " ".repeat(widths[i]! - [...c].length + 2)).join("") + "\n").join("");
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function zoneName(d: Date): string {
  if (d.getTimezoneOffset() === 0) return "UTC";
  const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(d).find((p) => p.type === "timeZoneName");
  return part?.value ?? "";
}

function offset(d: Date, colon: boolean, z: boolean): string {
  const off = -d.getTimezoneOffset();
  if (z && off === 0) return "Z";
  const sign = off < 0 ? "-" : "+";
  const a = Math.abs(off);
  const hh = String(Math.floor(a / 60)).padStart(2, "0");
  const mm = String(a % 60).padStart(2, "0");
  return sign + hh + (colon ? ":" : "") + mm;
}

const TOKENS: ReadonlyArray<readonly [string, (d: Date) => string]> = [
  ["January", (d) => MONTHS[d.getMonth()]!],
  ["Monday", (d) => DAYS[d.getDay()]!],
  ["Z07:00", (d) => offset(d, true, true)],
  ["-07:00", (d) => offset(d, true, false)],
  ["-0700", (d) => offset(d, false, false)],
  ["Z0700", (d) => offset(d, false, true)],
  ["2006", (d) => String(d.getFullYear()).padStart(4, "0")],
  [".000", (d) => "." + String(d.getMilliseconds()).padStart(3, "0")],
  ["Jan", (d) => MONTHS[d.getMonth()]!.slice(0, 3)],
  ["Mon", (d) => DAYS[d.getDay()]!.slice(0, 3)],
  ["MST", (d) => zoneName(d)],
  ["01", (d) => String(d.getMonth() + 1).padStart(2, "0")],
  ["02", (d) => String(d.getDate()).padStart(2, "0")],
  ["15", (d) => String(d.getHours()).padStart(2, "0")],
  ["03", (d) => String(d.getHours() % 12 || 12).padStart(2, "0")],
  ["04", (d) => String(d.getMinutes()).padStart(2, "0")],
  ["05", (d) => String(d.getSeconds()).padStart(2, "0")],
  ["06", (d) => String(d.getFullYear() % 100).padStart(2, "0")],
  ["PM", (d) => (d.getHours() >= 12 ? "PM" : "AM")],
];

/** Formats `t` (ms) in the local time zone with a Go time layout ("2006-01-02 15:04:05 MST"). */
export function goFormatTime(t: number, layout: string): string {
  const d = new Date(t);
  let out = "";
  for (let i = 0; i < layout.length; ) {
    const tok = TOKENS.find(([k]) => layout.startsWith(k, i));
    if (tok === undefined) {
      out += layout[i];
      i++;
      continue;
    }
    out += tok[1](d);
    i += tok[0].length;
  }
  return out;
}

/** A label set as amtool prints it: `a="1" b="2"`, sorted by name. */
export function formatLabelPairs(l: Readonly<Record<string, string>>): string {
  return Object.keys(l)
    .sort()
    .map((k) => `${k}=${JSON.stringify(l[k])}`)
    .join(" ");
}

function matcherString(m: APISilence["matchers"][number]): string {
  const op = m.isRegex ? (m.isEqual === false ? "!~" : "=~") : m.isEqual === false ? "!=" : "=";
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}

/** A silence's matchers as amtool prints them: space-separated, in braces for `extended`. */
export function formatSilenceMatchers(s: APISilence, braces: boolean): string {
  const body = s.matchers.map(matcherString).join(braces ? "," : " ");
  return braces ? `{${body}}` : body;
}

function ms(s: string): number {
  return Date.parse(s);
}

/** Alerts as `alert query` prints them (sorted by start time). */
export function formatAlerts(alerts: readonly APIAlert[], output: "simple" | "extended", dateFormat: string): string {
  const sorted = [...alerts].sort((a, b) => ms(a.startsAt) - ms(b.startsAt));
  if (output === "simple") {
    return tabTable([
      ["Alertname", "Starts At", "Summary", "State"],
      ...sorted.map((a) => [a.labels["alertname"] ?? "", goFormatTime(ms(a.startsAt), dateFormat), a.annotations["summary"] ?? "", a.status.state]),
    ]);
  }
  return tabTable([
    ["Labels", "Annotations", "Starts At", "Ends At", "Generator URL", "State"],
    ...sorted.map((a) => [
      formatLabelPairs(a.labels),
      formatLabelPairs(a.annotations),
      goFormatTime(ms(a.startsAt), dateFormat),
      goFormatTime(ms(a.endsAt), dateFormat),
      a.generatorURL ?? "",
      a.status.state,
    ]),
  ]);
}

/** Silences as `silence query` prints them (sorted by end time). */
export function formatSilences(silences: readonly APISilence[], output: "simple" | "extended", dateFormat: string): string {
  const sorted = [...silences].sort((a, b) => ms(a.endsAt) - ms(b.endsAt));
  if (output === "simple") {
    return tabTable([
      ["ID", "Matchers", "Ends At", "Created By", "Comment"],
      ...sorted.map((s) => [s.id, formatSilenceMatchers(s, false), goFormatTime(ms(s.endsAt), dateFormat), s.createdBy, s.comment]),
    ]);
  }
  return tabTable([
    ["ID", "Matchers", "Starts At", "Ends At", "Updated At", "Created By", "Comment"],
    ...sorted.map((s) => [
      s.id,
      formatSilenceMatchers(s, true),
      goFormatTime(ms(s.startsAt), dateFormat),
      goFormatTime(ms(s.endsAt), dateFormat),
      goFormatTime(ms(s.updatedAt), dateFormat),
      s.createdBy,
      s.comment,
    ]),
  ]);
}
