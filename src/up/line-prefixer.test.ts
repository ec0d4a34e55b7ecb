import { test } from "node:test";
import assert from "node:assert/strict";
import { LinePrefixer, componentPrefix } from "./index.ts";

const cases: Array<{ name: string; chunks: Array<string | Uint8Array>; flush: boolean; want: string[] }> = [
  { name: "one line per write", chunks: ["a\n", "b\n"], flush: false, want: ["p | a\n", "p | b\n"] },
  { name: "several lines in one chunk are written together", chunks: ["a\nb\n"], flush: false, want: ["p | a\np | b\n"] },
  { name: "a partial line waits for its newline", chunks: ["ab", "c\nd"], flush: false, want: ["p | abc\n"] },
  { name: "flush writes the partial line", chunks: ["ab", "c\nd"], flush: true, want: ["p | abc\n", "p | d\n"] },
  { name: "flush without a partial line writes nothing", chunks: ["a\n"], flush: true, want: ["p | a\n"] },
  { name: "CRLF loses its CR", chunks: ["a\r\n"], flush: false, want: ["p | a\n"] },
  { name: "empty lines are kept", chunks: ["\n\n"], flush: false, want: ["p | \np | \n"] },
  { name: "a UTF-8 character split across chunks", chunks: [new Uint8Array([0xc3]), new Uint8Array([0xa9, 0x0a])], flush: false, want: ["p | é\n"] },
];

for (const c of cases) {
  test(`LinePrefixer: ${c.name}`, () => {
    const got: string[] = [];
    const p = new LinePrefixer("p | ", (t) => got.push(t));
    for (const ch of c.chunks) p.push(ch);
    if (c.flush) p.flush();
    assert.deepEqual(got, c.want);
  });
}

test("componentPrefix pads names to a common width", () => {
  assert.equal(componentPrefix("up", 13), "up            | ");
  assert.equal(componentPrefix("node-exporter", 13), "node-exporter | ");
});
