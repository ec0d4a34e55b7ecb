/**
 * Request bodies and parameters of API v2 as upstream's go-swagger server
 * reads them: JSON decoding errors (400, "parsing ... failed, because
 * ..."), then schema validation (422 with go-openapi's error codes), then
 * the handler's own checks. Times are RFC 3339, kept to the millisecond.
 */

import { Labels, LabelsBuilder } from "../../../model/index.ts";

/** go-openapi's validation error codes (errors/schema.go), as upstream's responses carry them. */
export const OpenAPICode = { InvalidType: 601, Required: 602, MinItems: 612 } as const;

/**
 * A request rejected before the handler: `status` and a go-openapi body
 * `{"code": ..., "message": ...}`.
 */
export class APIRequestError extends Error {
  readonly status: number;
  readonly code: number;
  constructor(status: number, code: number, message: string) {
    super(message);
    this.name = "APIRequestError";
    this.status = status;
    this.code = code;
  }
}

function parseError(what: string, reason: string): APIRequestError {
  return new APIRequestError(400, 400, `parsing ${what} body from "" failed, because ${reason}`);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 time (any fraction, truncated to ms). Returns ms since
 * the epoch, or null when the text is not such a time.
 */
export function parseRFC3339(s: string): number | null {
  const m = RFC3339.exec(s);
  if (m === null) return null;
  const [, y, mo, d, h, mi, sec, frac, tz] = m;
  const ms = frac === undefined ? 0 : Number((frac + "00").slice(0, 3));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, 0, 1, Number(h), Number(mi), Number(sec), ms));
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  let t = date.getTime();
  if (Number.isNaN(t) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return null;
  if (tz !== "Z" && tz !== "z") {
    const sign = tz!.startsWith("-") ? -1 : 1;
    t -= sign * (Number(tz!.slice(1, 3)) * 60 + Number(tz!.slice(4, 6))) * 60_000;
  }
  return t;
}

/** A time as upstream's API writes it (strfmt.DateTime: RFC 3339 with milliseconds, UTC). */
export function formatTime(t: number): string {
  return new Date(t).toISOString();
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

function parseJSON(what: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw parseError(what, (e as Error).message);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function decodeLabelSet(what: string, field: string, v: unknown): Labels | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw parseError(what, `json: cannot unmarshal ${jsonType(v)} into Go struct field ${field} of type models.LabelSet`);
  const b = new LabelsBuilder();
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    if (typeof x !== "string") throw parseError(what, `json: cannot unmarshal ${jsonType(x)} into Go struct field ${field} of type string`);
    b.set(k, x);
  }
  return b.labels();
}

/** Go's zero time (0001-01-01T00:00:00Z) in ms: clients such as amtool send it for "unset". */
export const GO_ZERO_TIME_MS = -62135596800000;

function decodeTime(what: string, v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw parseError(what, `json: cannot unmarshal ${jsonType(v)} into Go struct field ${field} of type string`);
  const t = parseRFC3339(v);
  if (t === null) throw parseError(what, `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`);
  return t === GO_ZERO_TIME_MS ? null : t;
}

function decodeString(what: string, v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw parseError(what, `json: cannot unmarshal ${jsonType(v)} into Go struct field ${field} of type string`);
  return v;
}

/**
 * Whether Go's url.Parse accepts `s` (strfmt's `uri` format): no control
 * characters, valid %-escapes, and no empty scheme before a colon.
 */
export function isGoURI(s: string): boolean {
  if (/[\x00-\x1f\x7f]/.test(s)) return false;
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return false;
  const colon = s.indexOf(":");
  const slash = s.indexOf("/");
  if (colon === 0) return false;
  if (colon > 0 && (slash < 0 || colon < slash) && !/^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(s.slice(0, colon))) return false;
  return true;
}

/** A posted alert after decoding and schema validation; times in ms, null when absent. */
export interface DecodedAlert {
  readonly labels: Labels;
  readonly annotations: Labels | null;
  readonly startsAt: number | null;
  readonly endsAt: number | null;
  readonly generatorURL: string | null;
}

/**
 * Decodes a POST /api/v2/alerts body (models.PostableAlerts). Throws
 * APIRequestError: 422 "alerts in body is required" for an empty body, 400
 * for bad JSON or wrong types, 422 for a missing `labels` or a bad
 * `generatorURL`.
 */
export function decodePostableAlerts(body: string): DecodedAlert[] {
  if (body.trim() === "") throw new APIRequestError(422, OpenAPICode.Required, "alerts in body is required");
  const what = "alerts";
  const v = parseJSON(what, body);
  if (v === null) throw new APIRequestError(422, OpenAPICode.Required, "alerts in body is required");
  if (!Array.isArray(v)) throw parseError(what, `json: cannot unmarshal ${jsonType(v)} into Go value of type models.PostableAlerts`);
  const raw = v.map((e) => {
    if (e === null) return null;
    if (!isObject(e)) throw parseError(what, `json: cannot unmarshal ${jsonType(e)} into Go value of type models.PostableAlert`);
    return {
      labels: decodeLabelSet(what, "PostableAlert.labels", e["labels"]),
      annotations: decodeLabelSet(what, "PostableAlert.annotations", e["annotations"]),
      startsAt: decodeTime(what, e["startsAt"], "PostableAlert.startsAt"),
      endsAt: decodeTime(what, e["endsAt"], "PostableAlert.endsAt"),
      generatorURL: decodeString(what, e["generatorURL"], "PostableAlert.generatorURL"),
    };
  });
  const out: DecodedAlert[] = [];
  raw.forEach((a, i) => {
    if (a === null) return;
    if (a.labels === null) throw new APIRequestError(422, OpenAPICode.Required, `${i}.labels in body is required`);
    if (a.generatorURL !== null && !isGoURI(a.generatorURL)) {
      throw new APIRequestError(422, OpenAPICode.InvalidType, `${i}.generatorURL in body must be of type uri: ${JSON.stringify(a.generatorURL)}`);
    }
    out.push({ ...a, labels: a.labels });
  });
  return out;
}

/** A matcher of a posted silence. */
export interface DecodedMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual: boolean;
}

/** A posted silence after decoding and schema validation. */
export interface DecodedSilence {
  readonly id: string;
  readonly matchers: readonly DecodedMatcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

/**
 * Decodes a POST /api/v2/silences body (models.PostableSilence). Throws
 * APIRequestError like decodePostableAlerts; required fields are checked
 * in go-swagger's (alphabetical) order.
 */
export function decodePostableSilence(body: string): DecodedSilence {
  const what = "silence";
  if (body.trim() === "") throw new APIRequestError(422, OpenAPICode.Required, "silence in body is required");
  const v = parseJSON(what, body);
  if (v === null) throw new APIRequestError(422, OpenAPICode.Required, "silence in body is required");
  if (!isObject(v)) throw parseError(what, `json: cannot unmarshal ${jsonType(v)} into Go value of type models.PostableSilence`);
  const id = decodeString(what, v["id"], "PostableSilence.id");
  const comment = decodeString(what, v["comment"], "PostableSilence.comment");
  const createdBy = decodeString(what, v["createdBy"], "PostableSilence.createdBy");
  const startsAt = decodeTime(what, v["startsAt"], "PostableSilence.startsAt");
  const endsAt = decodeTime(what, v["endsAt"], "PostableSilence.endsAt");
  const rawMatchers = v["matchers"];
  if (rawMatchers !== undefined && rawMatchers !== null && !Array.isArray(rawMatchers)) {
    throw parseError(what, `json: cannot unmarshal ${jsonType(rawMatchers)} into Go struct field PostableSilence.matchers of type models.Matchers`);
  }
  const ms = (rawMatchers ?? null) as unknown[] | null;
  const matchers = ms?.map((m) => {
    if (m === null) return null;
    if (!isObject(m)) throw parseError(what, `json: cannot unmarshal ${jsonType(m)} into Go struct field PostableSilence.matchers of type models.Matcher`);
    const flag = (k: string): boolean | null => {
      const x = m[k];
      if (x === undefined || x === null) return null;
      if (typeof x !== "boolean") throw parseError(what, `json: cannot unmarshal ${jsonType(x)} into Go struct field Matcher.matchers.${k} of type bool`);
      return x;
    };
    return {
      name: decodeString(what, m["name"], "Matcher.matchers.name"),
      value: decodeString(what, m["value"], "Matcher.matchers.value"),
      isRegex: flag("isRegex"),
      isEqual: flag("isEqual"),
    };
  });
  const required = (field: string): never => {
    throw new APIRequestError(422, OpenAPICode.Required, `${field} in body is required`);
  };
  if (comment === null) required("comment");
  if (createdBy === null) required("createdBy");
  if (endsAt === null) required("endsAt");
  if (matchers === undefined) required("matchers");
  if (matchers!.length < 1) throw new APIRequestError(422, OpenAPICode.MinItems, "matchers in body should have at least 1 items");
  const out: DecodedMatcher[] = [];
  matchers!.forEach((m, i) => {
    if (m === null) return;
    if (m.isRegex === null) required(`matchers.${i}.isRegex`);
    if (m.name === null) required(`matchers.${i}.name`);
    if (m.value === null) required(`matchers.${i}.value`);
    out.push({ name: m.name!, value: m.value!, isRegex: m.isRegex!, isEqual: m.isEqual ?? true });
  });
  if (startsAt === null) required("startsAt");
  return { id: id ?? "", matchers: out, startsAt: startsAt!, endsAt: endsAt!, createdBy: createdBy!, comment: comment! };
}

/** swag.ConvertBool: a query flag is true for these words (any case), false otherwise. */
export function parseQueryBool(v: string | undefined, def: boolean): boolean {
  if (v === undefined) return def;
  return ["true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"].includes(v.toLowerCase());
}

/** strfmt's uuid format, which path parameters are checked against. */
export function isUUID(s: string): boolean {
  return /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s);
}

/** Labels without the empty-valued pairs (upstream removeEmptyLabels). */
export function removeEmptyLabels(l: Labels): Labels {
  return l.values.includes("") ? l.filter((_n, v) => v !== "") : l;
}
