/**
 * Shared helpers for the parser tests: drain a parser into plain records
 * that deepEqual can compare. A `.test.ts` so it stays out of the build's
 * shipped files; its own test checks the helper on a tiny input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Labels, LabelsBuilder } from "../model/index.ts";
import { Entry, ExpositionParseError, TextParser } from "./index.ts";
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

/**
 * The entries of a parse (or its error: message, offset, line and column)
 * and the range of every series line read, as comparable records.
 */
export function outcome(p: Parser): { entries: Parsed[]; series: [number, number][]; err: string | null } {
  const series: [number, number][] = [];
  const wrapped = new Proxy(p, {
    get(target, prop) {
      if (prop === "next") {
        return () => {
          const e = target.next();
          if (e === Entry.Series) series.push([target.seriesFrom(), target.seriesTo()]);
          return e;
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  try {
    return { entries: drain(wrapped), series, err: null };
  } catch (e) {
    if (!(e instanceof ExpositionParseError)) throw e;
    return { entries: [], series, err: `${e.message} @${e.offset}:${e.line}:${e.column}` };
  }
}

/**
 * outcome() of p parsed with a guess before each next(), as the scrape
 * loop makes; ref parses the same text without guesses. shift k: the
 * series text ref gives for the series k places on. "line": the next line
 * up to its first space, when that parses alone as a series text: the
 * text a scrape cache would hold for that line, also for a line that then
 * fails to parse. For a line taken by the guess, labels() answers with the labels
 * of that text, as the scrape cache knows them (ref's, or labelsAlone's
 * when ref ended in an error first): it must not be called on the parser.
 * matched counts those lines.
 */
export function outcomeExpecting(
  p: Parser,
  ref: Parser,
  text: string,
  shift: number | "line",
  labelsAlone: (series: string) => Record<string, string>,
): { outcome: ReturnType<typeof outcome>; matched: number } {
  const want = outcome(ref);
  const texts = want.entries.filter((e) => e.lset !== undefined).map((e) => e.m!);
  const labelsOf = new Map(want.entries.filter((e) => e.lset !== undefined).map((e) => [e.m!, e.lset!]));
  let k = 0;
  let matched = 0;
  const guess = (pos: number): string => {
    if (shift !== "line") return texts[k + shift] ?? "";
    let end = pos;
    while (end < text.length && text[end] !== " " && text[end] !== "\n") end++;
    if (end >= text.length || text[end] !== " ") return "";
    // Only a series text can be a cache's guess: one that parses alone.
    const series = text.slice(pos, end);
    try {
      return labelsAlone(series) === undefined ? "" : series;
    } catch {
      return "";
    }
  };
  const guessing = new Proxy(p, {
    get(target, prop) {
      if (prop === "next") {
        return () => {
          target.expect(guess(Reflect.get(target, "i", target) as number));
          const e = target.next();
          if (e === Entry.Series) {
            k++;
            if (target.expectedMatched()) matched++;
          }
          return e;
        };
      }
      if (prop === "labels" && target.expectedMatched()) {
        const m = target.series();
        return () => Labels.fromObject(labelsOf.get(m) ?? labelsAlone(m));
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { outcome: outcome(guessing), matched };
}

/**
 * Guesses that fit a line but are not its series text are not taken: a
 * prefix followed by what reads as a sample, and a text of the same
 * length. parserOf makes the parser of a body; each body ends with end.
 */
export function assertNearMissesNotTaken(parserOf: (text: string) => Parser, end: string): void {
  for (const [line, guess] of [
    ["a12 3\n", "a"],
    ['a{b="c"} 1\n', 'a{b="d"}'],
  ] as const) {
    const p = parserOf(line + end);
    p.expect(guess);
    assert.equal(p.next(), Entry.Series);
    assert.deepEqual([p.expectedMatched(), p.series()], [false, line.slice(0, line.indexOf(" "))], line);
  }
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
