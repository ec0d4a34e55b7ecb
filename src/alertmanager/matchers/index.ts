export { MatcherParseError, parseMatcher, parseMatchers, compareMatchers, formatMatcher, formatMatchers, matchesAll } from "./matchers.ts";
