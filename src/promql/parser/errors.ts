import type { PositionRange } from "./ast.ts";

/** One problem found in a query: where, and Prometheus's text for it. */
export interface ParseErrorItem {
  positionRange: PositionRange;
  /** The message without position, e.g. `unexpected end of input`. */
  reason: string;
}

/**
 * A query that does not parse or does not type-check. Like Prometheus's
 * ParseErrors, it carries every problem found (`errors`, in the order
 * Prometheus reports them); the message, position and reason are those of
 * the first, formatted as `<line>:<col>: parse error: <reason>`.
 */
export class ParseError extends Error {
  readonly positionRange: PositionRange;
  readonly query: string;
  readonly reason: string;
  readonly errors: readonly ParseErrorItem[];

  /** `errors` must not be empty. */
  constructor(query: string, errors: readonly ParseErrorItem[]) {
    const first = errors[0];
    if (first === undefined) throw new Error("BUG: ParseError without errors");
    super(`${startPosInput(query, first.positionRange.start)}: parse error: ${first.reason}`);
    this.name = "ParseError";
    this.positionRange = first.positionRange;
    this.query = query;
    this.reason = first.reason;
    this.errors = errors;
  }
}

/** `line:col` of an offset (both 1-based), as posrange.StartPosInput. */
export function startPosInput(query: string, pos: number): string {
  if (query === "") return "unknown position";
  if (pos < 0 || pos > query.length) return "invalid position";
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < pos; i++) {
    if (query.charCodeAt(i) === 0x0a) {
      line++;
      lastBreak = i;
    }
  }
  return `${line}:${pos - lastBreak}`;
}
