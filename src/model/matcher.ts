import { compileMatcherRegex } from "./fast-regex.ts";
import type { MatchStringFunc } from "./fast-regex.ts";
import { formatLabelName, quoteString } from "./labels.ts";

/** The four matcher kinds of PromQL and the HTTP API. */
export const MatchType = {
  Equal: "=",
  NotEqual: "!=",
  Regexp: "=~",
  NotRegexp: "!~",
} as const;
export type MatchType = (typeof MatchType)[keyof typeof MatchType];

/**
 * A label matcher. Regex matchers are fully anchored and use RE2 syntax;
 * the constructor throws RegexError for a pattern RE2 rejects.
 * A matcher on a missing label sees the empty string, as in Prometheus.
 */
export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  readonly #match: MatchStringFunc | null;

  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    this.#match = type === MatchType.Regexp || type === MatchType.NotRegexp ? compileMatcherRegex(value) : null;
  }

  /** Whether `v` (a label value, "" when absent) satisfies the matcher. */
  matches(v: string): boolean {
    switch (this.type) {
      case MatchType.Equal:
        return v === this.value;
      case MatchType.NotEqual:
        return v !== this.value;
      case MatchType.Regexp:
        return this.#match!(v);
      case MatchType.NotRegexp:
        return !this.#match!(v);
    }
  }

  /** Whether the matcher matches the empty string (i.e. series without the label). */
  matchesEmpty(): boolean {
    return this.matches("");
  }

  /** PromQL form: `name="value"`. */
  toString(): string {
    return formatLabelName(this.name) + this.type + quoteString(this.value);
  }
}
