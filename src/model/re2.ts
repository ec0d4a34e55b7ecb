/** An RE2 pattern that cannot be compiled. Message reads like Go's regexp errors. */
export class RegexError extends Error {
  readonly pattern: string;
  constructor(message: string, pattern: string) {
    super(message);
    this.name = "RegexError";
    this.pattern = pattern;
  }
}

/**
 * Compiles an RE2 pattern into a JavaScript RegExp that matches the whole
 * string (Prometheus anchors matcher regexes as `^(?s:re)$`, so `.` matches
 * newlines). Syntax RE2 rejects (backreferences, lookaround) throws
 * RegexError instead of being accepted by the JavaScript engine.
 */
export function compileAnchoredRE2(pattern: string): RegExp {
  if (/\\[1-9]/.test(pattern)) {
    throw new RegexError(`error parsing regexp: invalid escape sequence: \`${pattern.match(/\\[1-9]/)![0]}\``, pattern);
  }
  const look = pattern.match(/\(\?<?[=!]/);
  if (look) throw new RegexError(`error parsing regexp: invalid or unsupported Perl syntax: \`${look[0]}\``, pattern);
  try {
    return new RegExp(`^(?:${pattern})$`, "s");
  } catch (e) {
    throw new RegexError(`error parsing regexp: ${(e as Error).message}`, pattern);
  }
}
