/** Go's os.Expand: `$name` and `${name}` in s replaced by mapping(name). */

const SPECIAL = "*#$@!?-0123456789";

function isAlphaNum(c: string): boolean {
  return c === "_" || (c >= "0" && c <= "9") || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
}

/** The name after a `$` and the characters it spans; an empty name with width > 0 is bad syntax, eaten. */
function shellName(s: string): [string, number] {
  if (s[0] === "{") {
    if (s.length > 2 && SPECIAL.includes(s[1]!) && s[2] === "}") return [s[1]!, 3];
    for (let i = 1; i < s.length; i++) {
      if (s[i] === "}") return i === 1 ? ["", 2] : [s.slice(1, i), i + 1];
    }
    return ["", 1];
  }
  if (s.length > 0 && SPECIAL.includes(s[0]!)) return [s[0]!, 1];
  let i = 0;
  while (i < s.length && isAlphaNum(s[i]!)) i++;
  return [s.slice(0, i), i];
}

/**
 * Replaces `$name` and `${name}` in s by mapping(name), as Go's os.Expand:
 * a `$` followed by no name is kept, `${}` and an unclosed `${` are dropped.
 */
export function goExpand(s: string, mapping: (name: string) => string): string {
  let out = "";
  let from = 0;
  for (let j = 0; j < s.length; j++) {
    if (s[j] !== "$" || j + 1 >= s.length) continue;
    out += s.slice(from, j);
    const [name, w] = shellName(s.slice(j + 1));
    if (name === "" && w === 0) out += "$";
    else if (name !== "") out += mapping(name);
    j += w;
    from = j + 1;
  }
  return out + s.slice(from);
}
