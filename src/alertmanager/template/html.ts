/**
 * HTML templates (the email body): an approximation of Go's html/template
 * contextual escaping over the text/template engine. Every action that
 * prints gets an escaper appended to its pipeline: HTML-escaping in text
 * and quoted attributes, and URL filtering and normalizing at the start
 * of an href/src attribute. Values made by safeHtml/safeUrl pass through.
 * Escaping in JavaScript and CSS contexts is not modelled (the default
 * templates print nothing there).
 */

import { defineFunc, formatValue } from "../../template/index.ts";
import type { FuncMap } from "../../template/index.ts";
import { SafeHTML, SafeURL } from "./funcs.ts";

/** The escaper for HTML text and attribute values. */
export const HTML_ESCAPER = "__promstack_html_escaper";
/** The escaper for a value at the start of a URL attribute. */
export const URL_ESCAPER = "__promstack_url_escaper";

const HTML_REPLACEMENTS: Readonly<Record<string, string>> = {
  "\u0000": "\uFFFD",
  '"': "&#34;",
  "&": "&amp;",
  "'": "&#39;",
  "+": "&#43;",
  "<": "&lt;",
  ">": "&gt;",
};

/** html/template's htmlEscaper. */
export function escapeHTML(s: string): string {
  return s.replace(/[\u0000"&'+<>]/g, (c) => HTML_REPLACEMENTS[c]!);
}

function stringify(v: unknown): string {
  if (v === null || v === undefined) return "";
  return formatValue(v);
}

/** html/template's urlNormalizer: percent-encodes what may not appear in a URL, keeping reserved characters and escapes. */
function normalizeURL(s: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    if (b < 0x80 && /[A-Za-z0-9\-._~!#$&*+,/:;=?@[\]%'()]/.test(c)) out += c;
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** The functions the rewritten templates call. */
export const htmlEscapeFuncs: FuncMap = {
  [HTML_ESCAPER]: defineFunc(["any"], null, (v: unknown) => (v instanceof SafeHTML ? v.html : escapeHTML(stringify(v)))),
  [URL_ESCAPER]: defineFunc(["any"], null, (v: unknown) => {
    if (v instanceof SafeURL || v instanceof SafeHTML) return escapeHTML(normalizeURL(v.String()));
    const s = stringify(v);
    // urlFilter: a scheme other than http, https or mailto is replaced.
    const scheme = /^([^:/?#]*):/.exec(s);
    if (scheme !== null && !["http", "https", "mailto"].includes(scheme[1]!.toLowerCase())) return "#ZgotmplZ";
    return escapeHTML(normalizeURL(s));
  }),
};

const KEYWORDS = new Set(["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"]);

/** The end of the action starting at `i` (just after the left delimiter): the index of the right delimiter. */
function actionEnd(text: string, i: number, right: string): number {
  let quote = "";
  for (let j = i; j < text.length; j++) {
    const c = text[j]!;
    if (quote !== "") {
      if (c === "\\" && quote !== "`") j++;
      else if (c === quote) quote = "";
      continue;
    }
    if (text.startsWith("/*", j)) {
      const e = text.indexOf("*/", j + 2);
      if (e < 0) return -1;
      j = e + 1;
      continue;
    }
    if (c === '"' || c === "`" || c === "'") quote = c;
    else if (text.startsWith(right, j)) return j;
  }
  return -1;
}

/**
 * Rewrites template text so that each printing action escapes its output
 * for the HTML context it appears in. Text that does not lex (an
 * unterminated action) is returned as is, for the parser to report.
 */
export function escapeTemplateText(text: string, left = "{{", right = "}}"): string {
  let out = "";
  let literal = "";
  let pos = 0;
  for (;;) {
    const start = text.indexOf(left, pos);
    if (start < 0) break;
    const end = actionEnd(text, start + left.length, right);
    if (end < 0) return text;
    literal += text.slice(pos, start);
    out += text.slice(pos, start);
    let inner = text.slice(start + left.length, end);
    const trimLeft = /^-\s/.test(inner);
    const trimRight = /\s-$/.test(inner);
    if (trimLeft) inner = inner.slice(1);
    if (trimRight) inner = inner.slice(0, -1);
    const body = inner.trim();
    const word = /^[A-Za-z_]+/.exec(body)?.[0] ?? "";
    const prints = body !== "" && !body.startsWith("/*") && !KEYWORDS.has(word) && !/^\$\w*\s*(,\s*\$\w*\s*)?:?=/.test(body);
    if (prints) {
      const urlStart = /\b(?:href|src|action)\s*=\s*"$/i.test(literal);
      inner = `${inner} | ${urlStart ? URL_ESCAPER : HTML_ESCAPER} `;
    }
    out += left + (trimLeft ? "-" : "") + inner + (trimRight ? "-" : "") + right;
    pos = end + right.length;
  }
  return out + text.slice(pos);
}
