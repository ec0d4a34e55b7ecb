// The template lexer: Go's text/template/parse/lex.go rules (delimiters,
// trim markers "{{- " and " -}}", comments, newlines inside actions), with
// its error texts. Positions are indexes into the JS string.

/** Token kinds. */
export const ItemType = {
  Error: 0,
  Bool: 1,
  Char: 2,
  CharConstant: 3,
  Complex: 4,
  Assign: 5,
  Declare: 6,
  EOF: 7,
  Field: 8,
  Identifier: 9,
  LeftDelim: 10,
  LeftParen: 11,
  Number: 12,
  Pipe: 13,
  RawString: 14,
  RightDelim: 15,
  RightParen: 16,
  Space: 17,
  String: 18,
  Text: 19,
  Variable: 20,
  // Keywords come after everything else.
  Keyword: 30,
  Block: 31,
  Break: 32,
  Continue: 33,
  Dot: 34,
  Define: 35,
  Else: 36,
  End: 37,
  If: 38,
  Nil: 39,
  Range: 40,
  Template: 41,
  With: 42,
} as const;
/** A token kind. */
export type ItemType = (typeof ItemType)[keyof typeof ItemType];

/** A token: kind, start index in the input, text, and 1-based line of its start. */
export interface Item {
  readonly typ: ItemType;
  readonly pos: number;
  readonly val: string;
  readonly line: number;
}

const keywords: Record<string, ItemType> = {
  ".": ItemType.Dot,
  block: ItemType.Block,
  break: ItemType.Break,
  continue: ItemType.Continue,
  define: ItemType.Define,
  else: ItemType.Else,
  end: ItemType.End,
  if: ItemType.If,
  range: ItemType.Range,
  nil: ItemType.Nil,
  template: ItemType.Template,
  with: ItemType.With,
};

/** Go's %q of a string (the lexer and parser quote values in messages). */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** How the parser prints a token in "unexpected X in Y" messages (Go's item.String). */
export function itemString(i: Item): string {
  if (i.typ === ItemType.EOF) return "EOF";
  if (i.typ === ItemType.Error) return i.val;
  if (i.typ > ItemType.Keyword) return `<${i.val}>`;
  if ([...i.val].length > 10) return quote([...i.val].slice(0, 10).join("")) + "...";
  return quote(i.val);
}

/** Go's %#U: U+0023 '#' (the character only when printable). */
function formatRune(r: string): string {
  const cp = r.codePointAt(0)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return r === " " || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(r) ? `${hex} '${r}'` : hex;
}

const isSpace = (r: string): boolean => r === " " || r === "\t" || r === "\r" || r === "\n";
const isAlphaNumeric = (r: string): boolean => r === "_" || /^[\p{L}\p{Nd}]$/u.test(r);

/**
 * Lexes a whole template into tokens. The last token is EOF or an Error
 * (whose text is Go's lexer message, e.g. "unclosed action").
 */
export function lex(input: string, leftDelim: string, rightDelim: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  let done = false;

  // Lines are counted over each consumed span when it is emitted or ignored.
  const emitVal = (typ: ItemType, val: string): void => {
    items.push({ typ, pos: start, val, line: startLine });
    line += count(input.slice(start, pos), "\n");
    start = pos;
    startLine = line;
  };
  const emit = (typ: ItemType): void => {
    emitVal(typ, input.slice(start, pos));
  };
  const ignore = (): void => {
    line += count(input.slice(start, pos), "\n");
    start = pos;
    startLine = line;
  };
  const errorf = (msg: string): void => {
    items.push({ typ: ItemType.Error, pos: start, val: msg, line: startLine });
    done = true;
  };
  const peekRune = (): string => (pos < input.length ? String.fromCodePoint(input.codePointAt(pos)!) : "");
  const nextRune = (): string => {
    const r = peekRune();
    pos += r.length;
    return r;
  };
  const backup = (r: string): void => {
    pos -= r.length;
  };
  const accept = (valid: string): boolean => {
    const r = nextRune();
    if (r !== "" && valid.includes(r)) return true;
    backup(r);
    return false;
  };
  const acceptRun = (valid: string): void => {
    while (accept(valid)) {
      // absorb
    }
  };
  const hasLeftTrimMarker = (at: number): boolean => input[at] === "-" && at + 1 < input.length && isSpace(input[at + 1]!);
  const hasRightTrimMarker = (at: number): boolean => at + 1 < input.length && isSpace(input[at]!) && input[at + 1] === "-";
  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    if (hasRightTrimMarker(pos) && input.startsWith(rightDelim, pos + 2)) return { delim: true, trim: true };
    if (input.startsWith(rightDelim, pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };
  const atTerminator = (): boolean => {
    const r = peekRune();
    if (r === "" || isSpace(r)) return true;
    if (".,|:)(".includes(r)) return true;
    return input.startsWith(rightDelim, pos);
  };
  const leftTrimLength = (from: number): number => {
    let i = from;
    while (i < input.length && isSpace(input[i]!)) i++;
    return i - from;
  };

  type State = () => State | null;

  const lexText: State = () => {
    const x = input.indexOf(leftDelim, pos);
    if (x >= 0) {
      if (x > pos) {
        pos = x;
        let trimLength = 0;
        if (hasLeftTrimMarker(pos + leftDelim.length)) {
          let i = pos;
          while (i > start && isSpace(input[i - 1]!)) i--;
          trimLength = pos - i;
        }
        pos -= trimLength;
        if (pos > start) emit(ItemType.Text);
        pos += trimLength;
        ignore();
      }
      return lexLeftDelim;
    }
    pos = input.length;
    if (pos > start) emit(ItemType.Text);
    emitVal(ItemType.EOF, "");
    return null;
  };

  const lexLeftDelim: State = () => {
    pos += leftDelim.length;
    const trim = hasLeftTrimMarker(pos);
    const after = trim ? 2 : 0;
    if (input.startsWith("/*", pos + after)) {
      pos += after;
      ignore();
      return lexComment;
    }
    emit(ItemType.LeftDelim);
    pos += after;
    ignore();
    parenDepth = 0;
    return lexInsideAction;
  };

  const lexComment: State = () => {
    pos += 2;
    const x = input.indexOf("*/", pos);
    if (x < 0) {
      errorf("unclosed comment");
      return null;
    }
    pos = x + 2;
    const { delim, trim } = atRightDelim();
    if (!delim) {
      errorf("comment ends before closing delimiter");
      return null;
    }
    if (trim) pos += 2;
    pos += rightDelim.length;
    if (trim) pos += leftTrimLength(pos);
    ignore();
    return lexText;
  };

  const lexRightDelim: State = () => {
    const { trim } = atRightDelim();
    if (trim) {
      pos += 2;
      ignore();
    }
    pos += rightDelim.length;
    emit(ItemType.RightDelim);
    if (trim) {
      pos += leftTrimLength(pos);
      ignore();
    }
    return lexText;
  };

  const lexInsideAction: State = () => {
    const { delim } = atRightDelim();
    if (delim) {
      if (parenDepth === 0) return lexRightDelim;
      errorf("unclosed left paren");
      return null;
    }
    const r = nextRune();
    if (r === "") {
      errorf("unclosed action");
      return null;
    }
    if (isSpace(r)) {
      backup(r);
      return lexSpace;
    }
    switch (r) {
      case "=":
        emit(ItemType.Assign);
        return lexInsideAction;
      case ":":
        if (nextRune() !== "=") {
          errorf("expected :=");
          return null;
        }
        emit(ItemType.Declare);
        return lexInsideAction;
      case "|":
        emit(ItemType.Pipe);
        return lexInsideAction;
      case '"':
        return lexQuote;
      case "`":
        return lexRawQuote;
      case "$":
        return lexVariable;
      case "'":
        return lexChar;
      case "(":
        emit(ItemType.LeftParen);
        parenDepth++;
        return lexInsideAction;
      case ")":
        parenDepth--;
        if (parenDepth < 0) {
          errorf("unexpected right paren");
          return null;
        }
        emit(ItemType.RightParen);
        return lexInsideAction;
    }
    if (r === ".") {
      // ".field" unless a digit follows (then it starts a number).
      if (pos < input.length) {
        const c = input[pos]!;
        if (c < "0" || c > "9") return lexField;
      }
      backup(r);
      return lexNumber;
    }
    if (r === "+" || r === "-" || (r >= "0" && r <= "9")) {
      backup(r);
      return lexNumber;
    }
    if (isAlphaNumeric(r)) {
      backup(r);
      return lexIdentifier;
    }
    const cp = r.codePointAt(0)!;
    if (cp <= 0x7f && cp >= 0x20 && cp !== 0x7f) {
      emit(ItemType.Char);
      return lexInsideAction;
    }
    errorf(`unrecognized character in action: ${formatRune(r)}`);
    return null;
  };

  const lexSpace: State = () => {
    let numSpaces = 0;
    for (;;) {
      const r = peekRune();
      if (r === "" || !isSpace(r)) break;
      nextRune();
      numSpaces++;
    }
    // Be careful about a trim-marked closing delimiter, which starts with a space.
    if (hasRightTrimMarker(pos - 1) && input.startsWith(rightDelim, pos + 1)) {
      backup(input[pos - 1]!);
      if (numSpaces === 1) return lexRightDelim;
    }
    emit(ItemType.Space);
    return lexInsideAction;
  };

  const lexIdentifier: State = () => {
    for (;;) {
      const r = nextRune();
      if (r !== "" && isAlphaNumeric(r)) continue;
      backup(r);
      const word = input.slice(start, pos);
      if (!atTerminator()) {
        errorf(`bad character ${formatRune(r)}`);
        return null;
      }
      const kw = keywords[word];
      if (kw !== undefined && kw > ItemType.Keyword) emit(kw);
      else if (word[0] === ".") emit(ItemType.Field);
      else if (word === "true" || word === "false") emit(ItemType.Bool);
      else emit(ItemType.Identifier);
      return lexInsideAction;
    }
  };

  const lexFieldOrVariable = (typ: ItemType): State | null => {
    if (atTerminator()) {
      emit(typ === ItemType.Variable ? ItemType.Variable : ItemType.Dot);
      return lexInsideAction;
    }
    let r: string;
    for (;;) {
      r = nextRune();
      if (r === "" || !isAlphaNumeric(r)) {
        backup(r);
        break;
      }
    }
    if (!atTerminator()) {
      errorf(`bad character ${formatRune(r)}`);
      return null;
    }
    emit(typ);
    return lexInsideAction;
  };
  const lexField: State = () => lexFieldOrVariable(ItemType.Field);
  const lexVariable: State = () => {
    if (atTerminator()) {
      emit(ItemType.Variable);
      return lexInsideAction;
    }
    return lexFieldOrVariable(ItemType.Variable);
  };

  const lexChar: State = () => {
    for (;;) {
      const r = nextRune();
      if (r === "\\") {
        const n = nextRune();
        if (n !== "" && n !== "\n") continue;
      }
      if (r === "\\" || r === "" || r === "\n") {
        errorf("unterminated character constant");
        return null;
      }
      if (r === "'") break;
    }
    emit(ItemType.CharConstant);
    return lexInsideAction;
  };

  const scanNumber = (): boolean => {
    accept("+-");
    let digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (accept("oO")) digits = "01234567_";
      else if (accept("bB")) digits = "01_";
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.length === 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.length === 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    const r = peekRune();
    if (r !== "" && isAlphaNumeric(r)) {
      nextRune();
      return false;
    }
    return true;
  };

  const lexNumber: State = () => {
    if (!scanNumber()) {
      errorf(`bad number syntax: ${quote(input.slice(start, pos))}`);
      return null;
    }
    const sign = peekRune();
    if (sign === "+" || sign === "-") {
      if (!scanNumber() || input[pos - 1] !== "i") {
        errorf(`bad number syntax: ${quote(input.slice(start, pos))}`);
        return null;
      }
      emit(ItemType.Complex);
    } else emit(ItemType.Number);
    return lexInsideAction;
  };

  const lexQuote: State = () => {
    for (;;) {
      const r = nextRune();
      if (r === "\\") {
        const n = nextRune();
        if (n !== "" && n !== "\n") continue;
      }
      if (r === "\\" || r === "" || r === "\n") {
        errorf("unterminated quoted string");
        return null;
      }
      if (r === '"') break;
    }
    emit(ItemType.String);
    return lexInsideAction;
  };

  const lexRawQuote: State = () => {
    for (;;) {
      const r = nextRune();
      if (r === "") {
        errorf("unterminated raw quoted string");
        return null;
      }
      if (r === "`") break;
    }
    emit(ItemType.RawString);
    return lexInsideAction;
  };

  let state: State | null = lexText;
  while (state !== null && !done) state = state();
  return items;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}
