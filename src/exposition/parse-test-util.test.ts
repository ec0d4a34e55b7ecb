/**
 * Shared helpers for the parser tests: drain a parser into plain records
 * that deepEqual can compare. A `.test.ts` so it stays out of the build's
 * shipped files; its own test checks the helper on a tiny input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LabelsBuilder } from "../model/index.ts";
import { Entry, TextParser } from "./index.ts";
import type { Parser } from "./index.ts";

/** One parsed entry; fields absent when they do not apply. */
export interface Parsed {
  m?: string;
  v?: number;
  t?: number | null;
  lset?: Record<string, string>;
  typ?: string;
  help?: string;
  unit?: string;
  comment?: string;
  e?: { labels: Record<string, string>; value: number; t: number | null };
  ct?: number | null;
}

/** Reads every entry; for series also the exemplar and (when withCreated) the created timestamp. */
export function drain(p: Parser, withCreated = false): Parsed[] {
  const lb = new LabelsBuilder();
  const out: Parsed[] = [];
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    switch (e) {
      case Entry.Series: {
        const r: Parsed = { m: p.series(), v: p.value(), t: p.timestamp(), lset: p.labels(lb).toObject() };
        const ex = p.exemplar(lb);
        if (ex !== null) r.e = { labels: ex.labels.toObject(), value: ex.value, t: ex.t };
        if (withCreated) r.ct = p.createdTimestamp();
        out.push(r);
        break;
      }
      case Entry.Type:
        out.push({ m: p.familyName(), typ: p.type() });
        break;
      case Entry.Help:
        out.push({ m: p.familyName(), help: p.help() });
        break;
      case Entry.Unit:
        out.push({ m: p.familyName(), unit: p.unit() });
        break;
      case Entry.Comment:
        out.push({ comment: p.comment() });
        break;
    }
  }
  return out;
}

/** The message of the error that ends parsing, or "EOF" when the input parses to the end. */
export function firstError(p: Parser): string {
  try {
    while (p.next() !== Entry.EOF);
  } catch (e) {
    if (e instanceof Error) return e.message;
    throw e;
  }
  return "EOF";
}

test("drain reads series, metadata and comments", () => {
  assert.deepEqual(drain(new TextParser("# TYPE a gauge\n# hi\na 1 2\n")), [
    { m: "a", typ: "gauge" },
    { comment: "# hi" },
    { m: "a", v: 1, t: 2, lset: { __name__: "a" } },
  ]);
  assert.equal(firstError(new TextParser("a\n")), 'expected value after metric, got "\\n" ("INVALID") while parsing: "a\\n"');
});
