/**
 * Target groups (upstream's targetgroup.Group) and their file/HTTP wire
 * format: a list of `{targets: [...], labels: {...}}` objects in JSON or
 * YAML, as file_sd and http_sd read it.
 */

import { ConfigError, Decoder, goQuote } from "../config/index.ts";
import type { TargetGroup as StaticTargetGroup, YNode } from "../config/index.ts";
import { Labels, LabelsBuilder, isValidLabelName } from "../model/index.ts";

/** The label holding a target's address. */
export const AddressLabel = "__address__";

/**
 * A set of targets with common labels, as one discoverer reports it.
 * `source` identifies the group within its discoverer across updates: a
 * later group with the same source replaces it, and one with no targets
 * removes it. `targets` each carry at least `__address__`; `labels` apply
 * to every target (a target's own label wins). Immutable once sent.
 */
export interface TargetGroup {
  readonly source: string;
  readonly targets: readonly Labels[];
  readonly labels: Labels;
}

/** An empty group for `source`: sent to clear what the source had before. */
export function emptyGroup(source: string): TargetGroup {
  return { source, targets: [], labels: Labels.EMPTY };
}

/** Converts a `static_configs` group of the config into a TargetGroup. */
export function fromStaticGroup(g: StaticTargetGroup): TargetGroup {
  const b = new LabelsBuilder();
  for (const [k, v] of g.labels) b.set(k, v);
  return {
    source: g.source,
    targets: g.targets.map((t) => Labels.fromStrings(AddressLabel, t)),
    labels: b.labels(),
  };
}

/** Why a target group file or HTTP response could not be decoded. */
export class TargetGroupDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TargetGroupDecodeError";
  }
}

/**
 * Decodes the JSON list of target groups that file_sd (`.json`) and http_sd
 * read. Each group gets source `${sourcePrefix}:${index}` and the extra label
 * `extra` (`__meta_filepath`, `__meta_url`). Unknown fields are ignored, as
 * Go's encoding/json does; a null item is "nil target group item found".
 * Throws TargetGroupDecodeError.
 */
export function decodeTargetGroupsJSON(text: string, sourcePrefix: string, extra: readonly [string, string]): TargetGroup[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TargetGroupDecodeError((e as Error).message);
  }
  if (v === null) return [];
  if (!Array.isArray(v)) throw new TargetGroupDecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go value of type []*targetgroup.Group`);
  return v.map((item: unknown, i) => {
    if (item === null) throw new TargetGroupDecodeError("nil target group item found");
    if (typeof item !== "object" || Array.isArray(item)) {
      throw new TargetGroupDecodeError(`json: cannot unmarshal ${jsonKind(item)} into Go value of type struct { Targets []string "json:\\"targets\\""; Labels model.LabelSet "json:\\"labels\\"" }`);
    }
    const o = item as Record<string, unknown>;
    const targets: string[] = [];
    if (o.targets !== undefined && o.targets !== null) {
      if (!Array.isArray(o.targets)) throw new TargetGroupDecodeError(`json: cannot unmarshal ${jsonKind(o.targets)} into Go struct field .targets of type []string`);
      for (const t of o.targets as unknown[]) {
        if (typeof t !== "string") throw new TargetGroupDecodeError(`json: cannot unmarshal ${jsonKind(t)} into Go struct field .targets of type string`);
        targets.push(t);
      }
    }
    const labels = new Map<string, string>();
    if (o.labels !== undefined && o.labels !== null) {
      if (typeof o.labels !== "object" || Array.isArray(o.labels)) {
        throw new TargetGroupDecodeError(`json: cannot unmarshal ${jsonKind(o.labels)} into Go struct field .labels of type model.LabelSet`);
      }
      for (const [k, lv] of Object.entries(o.labels as Record<string, unknown>)) {
        if (!isValidLabelName(k)) throw new TargetGroupDecodeError(`${goQuote(k)} is not a valid label name`);
        if (typeof lv !== "string") throw new TargetGroupDecodeError(`json: cannot unmarshal ${jsonKind(lv)} into Go value of type model.LabelValue`);
        labels.set(k, lv);
      }
    }
    return makeGroup(`${sourcePrefix}:${i}`, targets, labels, extra);
  });
}

/**
 * Decodes the YAML list of target groups of a file_sd `.yml`/`.yaml` file,
 * strictly like yaml.UnmarshalStrict (unknown fields are errors). Throws
 * TargetGroupDecodeError with go-yaml's message.
 */
export function decodeTargetGroupsYAML(text: string, sourcePrefix: string, extra: readonly [string, string]): TargetGroup[] {
  let parsed: { d: Decoder; root: YNode };
  try {
    parsed = Decoder.parse(text);
  } catch (e) {
    throw new TargetGroupDecodeError((e as Error).message);
  }
  const { d, root } = parsed;
  const raw: Array<{ targets: string[]; labels: Map<string, string> } | null> = [];
  try {
    const items = d.seq(root, "[]*targetgroup.Group") ?? [];
    for (const it of items) {
      if (d.isNull(it)) {
        raw.push(null);
        continue;
      }
      const g = { targets: [] as string[], labels: new Map<string, string>() };
      d.struct(it, "struct { Targets []string \"yaml:\\\"targets\\\"\"; Labels model.LabelSet \"yaml:\\\"labels\\\"\" }", {
        targets: (v) => (g.targets = d.list(v, "[]string", (e) => d.str(e) ?? "") ?? []),
        labels: (v) => {
          for (const [k, , lv] of d.entries(v, "model.LabelSet") ?? []) {
            if (!isValidLabelName(k)) throw new ConfigError(`${goQuote(k)} is not a valid label name`);
            g.labels.set(k, d.str(lv, "model.LabelValue") ?? "");
          }
        },
      });
      raw.push(g);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw new TargetGroupDecodeError(e.message);
    throw e;
  }
  if (d.errors.length > 0) throw new TargetGroupDecodeError(`yaml: unmarshal errors:\n  ${d.errors.join("\n  ")}`);
  return raw.map((g, i) => {
    if (g === null) throw new TargetGroupDecodeError("nil target group item found");
    return makeGroup(`${sourcePrefix}:${i}`, g.targets, g.labels, extra);
  });
}

function makeGroup(source: string, targets: string[], labels: Map<string, string>, extra: readonly [string, string]): TargetGroup {
  const b = new LabelsBuilder();
  for (const [k, v] of labels) b.set(k, v);
  b.set(extra[0], extra[1]);
  return { source, targets: targets.map((t) => Labels.fromStrings(AddressLabel, t)), labels: b.labels() };
}

function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  return typeof v;
}
