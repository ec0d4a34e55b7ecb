/**
 * HTTP for integrations: a client built from a receiver's http_config
 * (headers and TLS from config's http-request.ts), a POST that
 * honours the flush's deadline, and upstream's Retrier status check
 * (2xx succeeds, 5xx and 429 are retried, other codes fail for good).
 */

import { readFileSync } from "node:fs";
import { Agent, configHeaders, request, tlsOptions } from "../../config/index.ts";
import type { HTTPClientConfig } from "../../config/index.ts";
import { NotifyError, reasonFromStatus } from "./notify.ts";

/** The User-Agent upstream sends ("Alertmanager/<version>"). */
export const USER_AGENT = "Alertmanager/0.28.1";

function secret(value: string, file: string): string {
  return file !== "" ? readFileSync(file, "utf8").trim() : value;
}

/** An HTTP response: status and body text. */
export interface HTTPResponse {
  readonly status: number;
  readonly body: string;
}

/** Posts requests with one receiver integration's http_config. */
export class HTTPClient {
  readonly #cfg: HTTPClientConfig | null;
  readonly #agent: Agent;

  constructor(cfg: HTTPClientConfig | null) {
    this.#cfg = cfg;
    this.#agent = new Agent({ connect: cfg === null ? {} : tlsOptions(cfg.tlsConfig) });
  }

  /**
   * POSTs `body` to `url`. Network errors and an aborted signal throw a
   * retriable NotifyError whose message has the URL's query removed.
   */
  async post(url: string, body: string | Uint8Array, contentType: string, signal: AbortSignal, headers: Record<string, string> = {}): Promise<HTTPResponse> {
    try {
      const res = await request(url, {
        method: "POST",
        body,
        headers: { "content-type": contentType, "user-agent": USER_AGENT, ...(this.#cfg === null ? {} : configHeaders(this.#cfg)), ...headers },
        dispatcher: this.#agent,
        signal,
      });
      return { status: res.statusCode, body: await res.body.text() };
    } catch (e) {
      const cause = signal.aborted && signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
      throw new NotifyError(`Post "${redactURL(url)}": ${(e as Error).message}${cause}`, true);
    }
  }

  /** Closes idle connections. */
  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** The URL without its query string and user info (upstream RedactURL). */
export function redactURL(url: string): string {
  try {
    const u = new URL(url);
    u.search = u.search === "" ? "" : "?<redacted>";
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return "<invalid URL>";
  }
}

/**
 * Upstream Retrier.Check: null for 2xx; otherwise a NotifyError
 * "unexpected status code N: <details>" that is retriable for 5xx and the
 * extra `retryCodes` (429 for every integration here).
 */
export function checkResponse(res: HTTPResponse, details: (body: string) => string = (b) => b, retryCodes: readonly number[] = [429]): NotifyError | null {
  if (Math.floor(res.status / 100) === 2) return null;
  const retry = Math.floor(res.status / 100) === 5 || retryCodes.includes(res.status);
  const d = details(res.body);
  return new NotifyError(`unexpected status code ${res.status}${d !== "" ? `: ${d}` : ""}`, retry, reasonFromStatus(res.status));
}

/** Posts JSON and throws the status check's error. */
export async function postJSON(client: HTTPClient, url: string, payload: string, signal: AbortSignal, details?: (body: string) => string): Promise<HTTPResponse> {
  const res = await client.post(url, payload, "application/json", signal);
  const err = checkResponse(res, details);
  if (err !== null) throw err;
  return res;
}

/** Reads a secret given inline or in a file (`*_file` fields). */
export function readSecret(value: string | null, file: string): string {
  return secret(value ?? "", file);
}

/** Go's strings.TrimSpace on a secret file's content, as upstream reads URL files. */
export function readURLSecret(url: string | null, file: string): string {
  return file !== "" ? readFileSync(file, "utf8").trim() : (url ?? "");
}
