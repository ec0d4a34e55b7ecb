/**
 * Splits a child's output into lines and writes each with the component's
 * name in front, as docker compose does (`prometheus    | ...`).
 */
import { StringDecoder } from "node:string_decoder";

/**
 * Turns chunks of bytes into prefixed lines. A partial line is held until
 * its newline arrives or flush() is called. Not safe across streams: use
 * one per stream so lines of stdout and stderr never interleave mid-line.
 */
export class LinePrefixer {
  readonly #prefix: string;
  readonly #write: (text: string) => void;
  readonly #decoder: StringDecoder;
  #partial: string;

  /** prefix is written verbatim before every line; write receives whole lines ending in "\n". */
  constructor(prefix: string, write: (text: string) => void) {
    this.#prefix = prefix;
    this.#write = write;
    this.#decoder = new StringDecoder("utf8");
    this.#partial = "";
  }

  /** Feeds a chunk; writes every line it completes. */
  push(chunk: Uint8Array | string): void {
    const text = this.#partial + (typeof chunk === "string" ? chunk : this.#decoder.write(Buffer.from(chunk)));
    const lines = text.split("\n");
    this.#partial = lines.pop()!;
    if (lines.length === 0) return;
    let out = "";
    for (const l of lines) out += `${this.#prefix}${l.endsWith("\r") ? l.slice(0, -1) : l}\n`;
    this.#write(out);
  }

  /** Writes the held partial line, if any (at the stream's end). */
  flush(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = "";
    if (rest !== "") this.#write(`${this.#prefix}${rest}\n`);
  }
}

/** The prefix for a component: its name padded to width, then " | ". */
export function componentPrefix(name: string, width: number): string {
  return `${name.padEnd(width)} | `;
}
