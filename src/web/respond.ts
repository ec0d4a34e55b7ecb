import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError, ErrorType, errorStatus } from "./errors.ts";

/**
 * Sends JSON produced in chunks as a stream with backpressure, gzipped when
 * the client accepts it.
 */
export function sendJSONChunks(req: FastifyRequest, reply: FastifyReply, status: number, chunks: Iterable<string>): FastifyReply {
  reply.code(status).header("content-type", "application/json");
  const body = Readable.from(chunks, { objectMode: false });
  if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
    reply.header("content-encoding", "gzip");
    return reply.send(body.pipe(createGzip()));
  }
  return reply.send(body);
}

/** The API's error envelope for err (an ApiError, or an internal error otherwise). */
export function sendApiError(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = err instanceof ApiError ? err : new ApiError(ErrorType.Internal, err instanceof Error ? err.message : String(err));
  const body = JSON.stringify({ status: "error", errorType: e.type, error: e.message });
  return sendJSONChunks(req, reply, errorStatus[e.type], [body]);
}

/** The API's success envelope around a small value. */
export function sendApiData(req: FastifyRequest, reply: FastifyReply, data: unknown, warnings: readonly string[] = []): FastifyReply {
  const env: Record<string, unknown> = { status: "success", data };
  if (warnings.length > 0) env.warnings = warnings;
  return sendJSONChunks(req, reply, 200, [JSON.stringify(env)]);
}
