/**
 * The entry point of a parse worker thread (see ParsePool): parses each
 * body posted to it into columns and posts them back with their buffers
 * transferred. One message in, one message out, in order.
 *
 *   in:  { body: Uint8Array (its buffer transferred), mediaType }
 *   out: ParsedColumns
 */
import { parentPort } from "node:worker_threads";
import { parseToColumns, transferList } from "./parsed-body.ts";
import type { ColumnsMediaType } from "./parsed-body.ts";

/** A request to a parse worker. */
export interface ParseRequest {
  body: Uint8Array;
  mediaType: ColumnsMediaType;
}

const port = parentPort;
if (port === null) throw new Error("BUG: parse-worker.js must run in a worker thread");
port.on("message", (req: ParseRequest) => {
  const out = parseToColumns(req.body, req.mediaType);
  port.postMessage(out, transferList(out));
});
