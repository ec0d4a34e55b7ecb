import type { Output } from "./test-promql.ts";

/** The standard streams of a promtool command; process.stdout/stderr in the CLI, buffers in tests. */
export interface Streams {
  stdout: Output;
  stderr: Output;
}

/** promtool's exit codes: success, failure, and "one or more lint issues detected". */
export const ExitCode = {
  Success: 0,
  Failure: 1,
  Lint: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Collects what a command writes, for tests and for in-process callers. */
export class BufferStreams implements Streams {
  out: string;
  err: string;
  readonly stdout: Output;
  readonly stderr: Output;

  constructor() {
    this.out = "";
    this.err = "";
    this.stdout = { write: (s: string) => void (this.out += s) };
    this.stderr = { write: (s: string) => void (this.err += s) };
  }
}
