/**
 * The email integration (upstream notify/email/email.go) on nodemailer's
 * SMTP client: implicit TLS on port 465 (or force_implicit_tls), STARTTLS
 * required when require_tls is set, CRAM-MD5/PLAIN/LOGIN authentication when the
 * server advertises AUTH and a username is configured, and a
 * multipart/alternative message whose headers, text and HTML parts are
 * rendered with the notification templates. SMTP replies 4xx and network
 * failures are retried, 5xx replies fail for good.
 */

import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { createTransport } from "nodemailer";
import addressparser from "nodemailer/lib/addressparser";
import type { Address } from "nodemailer/lib/addressparser";
import type { EmailConfig } from "../config/index.ts";
import type { NotificationTemplate, TemplateData } from "../template/index.ts";
import type { Alert } from "../types/index.ts";
import { NotifyError } from "./notify.ts";
import type { Notifier, NotifyContext } from "./notify.ts";

/** The Subject header used when the config sets none (upstream DefaultEmailSubject). */
export const DEFAULT_EMAIL_SUBJECT = '{{ template "email.default.subject" . }}';

/** What nodemailer's SMTP errors carry besides the message. */
interface SMTPFailure {
  readonly message: string;
  readonly code?: string;
  readonly responseCode?: number;
  readonly command?: string;
  /** The system error code nodemailer replaced with its own (e.g. DEPTH_ZERO_SELF_SIGNED_CERT). */
  readonly originalCode?: string;
}

/** Node's codes for a failed certificate check or TLS handshake. */
const TLS_FAILURE = /CERT|SELF_SIGNED|TLS|SSL|UNABLE_TO_(GET|VERIFY)/;

function fileOr(value: string | null, file: string): string {
  return file !== "" ? readFileSync(file, "utf8").trim() : (value ?? "");
}

/** The mailbox addresses of an address list (groups flattened). */
function mailboxes(list: string): string[] {
  const out: string[] = [];
  const walk = (as: readonly Address[]): void => {
    for (const a of as) {
      if (a.group !== undefined) walk(a.group);
      else if (a.address !== "") out.push(a.address);
    }
  };
  walk(addressparser(list));
  return out;
}

/** Retriable unless the server answered with a permanent (5xx) reply. */
function smtpError(prefix: string, e: SMTPFailure): NotifyError {
  const retry = e.responseCode === undefined || e.responseCode < 500;
  return new NotifyError(`${prefix}: ${e.message}`, retry);
}

/** What nodemailer hands a custom authentication handler. */
interface AuthContext {
  /** The mechanisms the server advertised that nodemailer knows, in nodemailer's order (PLAIN, LOGIN, CRAM-MD5). */
  readonly authMethods: readonly string[];
  sendCommand(cmd: string): Promise<{ status: number; response: string }>;
}

/**
 * SMTP authentication as upstream's Email.auth: the first advertised
 * mechanism the configuration can serve is used: CRAM-MD5 with
 * auth_secret, PLAIN (with auth_identity) or LOGIN with auth_password.
 * NOTE: upstream walks the mechanisms in the server's order; nodemailer
 * only tells which ones are advertised, so they are tried in its order.
 */
class SMTPAuth {
  readonly #username: string;
  readonly #password: string;
  readonly #secret: string;
  readonly #identity: string;
  /** The mechanism used, once chosen. */
  mechanism: string | null;
  /** Why no mechanism could be used (upstream's messages joined), or null. */
  setupError: string | null;

  constructor(username: string, password: string, secret: string, identity: string) {
    this.#username = username;
    this.#password = password;
    this.#secret = secret;
    this.#identity = identity;
    this.mechanism = null;
    this.setupError = null;
  }

  async run(a: AuthContext): Promise<void> {
    const errs: string[] = [];
    for (const m of a.authMethods) {
      if (m === "CRAM-MD5" && this.#secret === "") errs.push("missing secret for CRAM-MD5 auth mechanism");
      else if ((m === "PLAIN" || m === "LOGIN") && this.#password === "") errs.push(`missing password for ${m} auth mechanism`);
      else if (m === "CRAM-MD5" || m === "PLAIN" || m === "LOGIN") {
        this.mechanism = m;
        return this.#auth(a, m);
      }
    }
    this.setupError = errs.length > 0 ? errs.join("; ") : `unknown auth mechanism: ${a.authMethods.join(" ")}`;
    throw new Error(this.setupError);
  }

  async #auth(a: AuthContext, m: string): Promise<void> {
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    let r: { status: number; response: string };
    if (m === "PLAIN") {
      r = await a.sendCommand(`AUTH PLAIN ${b64(`${this.#identity}\u0000${this.#username}\u0000${this.#password}`)}`);
    } else if (m === "LOGIN") {
      r = await a.sendCommand("AUTH LOGIN");
      if (r.status === 334) r = await a.sendCommand(b64(this.#username));
      if (r.status === 334) r = await a.sendCommand(b64(this.#password));
    } else {
      r = await a.sendCommand("AUTH CRAM-MD5");
      if (r.status === 334) {
        const challenge = Buffer.from(r.response.replace(/^334\s+/, ""), "base64");
        r = await a.sendCommand(b64(`${this.#username} ${createHmac("md5", this.#secret).update(challenge).digest("hex")}`));
      }
    }
    if (r.status !== 235) throw new Error(r.response);
  }
}

/** Sends notifications as email through one `email_configs` entry. */
export class EmailNotifier implements Notifier {
  readonly #c: EmailConfig;
  readonly #tmpl: NotificationTemplate;
  readonly #headers: ReadonlyMap<string, string>;

  constructor(c: EmailConfig, tmpl: NotificationTemplate) {
    this.#c = c;
    this.#tmpl = tmpl;
    const h = new Map(c.headers ?? []);
    if (!h.has("Subject")) h.set("Subject", DEFAULT_EMAIL_SUBJECT);
    if (!h.has("To")) h.set("To", c.to);
    if (!h.has("From")) h.set("From", c.from);
    this.#headers = h;
  }

  async #text(what: string, s: string, data: TemplateData): Promise<string> {
    try {
      return await this.#tmpl.executeText(s, data);
    } catch (e) {
      throw new NotifyError(`execute ${what} template: ${(e as Error).message}`, false);
    }
  }

  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.#c;
    const data = this.#tmpl.data(ctx.receiver, ctx.groupLabels, alerts, ctx.now);
    const from = await this.#text("'from'", c.from, data);
    const to = await this.#text("'to'", c.to, data);
    const fromAddrs = mailboxes(from);
    if (fromAddrs.length !== 1) throw new NotifyError(`must be exactly one 'from' address (got: ${fromAddrs.length})`, false);
    const toAddrs = mailboxes(to);
    if (toAddrs.length === 0) throw new NotifyError(`parse 'to' addresses: no address in ${JSON.stringify(to)}`, false);

    const headers: Record<string, string> = {};
    for (const [name, t] of this.#headers) headers[name] = await this.#text(JSON.stringify(name) + " header", t, data);
    const text = c.text !== "" ? await this.#text("text", c.text, data) : "";
    let html = "";
    if (c.html !== "") {
      try {
        html = await this.#tmpl.executeHTML(c.html, data);
      } catch (e) {
        throw new NotifyError(`execute html template: ${(e as Error).message}`, false);
      }
    }
    const { From: fromHeader, To: toHeader, Subject: subject, ...rest } = headers;

    const sep = c.smarthost.lastIndexOf(":");
    const host = c.smarthost.slice(0, sep).replace(/^\[(.*)\]$/, "$1");
    const port = Number(c.smarthost.slice(sep + 1));
    const implicitTLS = this.#implicitTLS();
    const requireTLS = (c.requireTls ?? true) && !implicitTLS;
    const tls = c.tlsConfig;
    const username = c.authUsername.trim();
    let password = "";
    let secret = "";
    if (username !== "") {
      try {
        password = fileOr(c.authPassword, c.authPasswordFile);
      } catch (e) {
        throw new NotifyError(`could not read ${c.authPasswordFile}: ${(e as Error).message}`, true);
      }
      try {
        secret = fileOr(c.authSecret, c.authSecretFile);
      } catch (e) {
        throw new NotifyError(`could not read ${c.authSecretFile}: ${(e as Error).message}`, true);
      }
    }
    const auth = new SMTPAuth(username, password, secret, c.authIdentity);
    const handler = (a: AuthContext): Promise<void> => auth.run(a);
    const transport = createTransport({
      host,
      port,
      secure: implicitTLS,
      requireTLS,
      ignoreTLS: !requireTLS,
      name: c.hello !== "" ? c.hello : "localhost",
      tls: {
        // Node checks an IP smarthost against the certificate's IP SANs; SNI takes names only.
        ...(tls !== null && tls.serverName !== "" ? { servername: tls.serverName } : isIP(host) === 0 ? { servername: host } : {}),
        rejectUnauthorized: !(tls?.insecureSkipVerify ?? false),
        ...(tls !== null && (tls.ca !== "" || tls.caFile !== "") ? { ca: tls.ca !== "" ? tls.ca : readFileSync(tls.caFile, "utf8") } : {}),
        ...(tls !== null && (tls.cert !== "" || tls.certFile !== "") ? { cert: tls.cert !== "" ? tls.cert : readFileSync(tls.certFile, "utf8") } : {}),
        ...(tls !== null && (tls.key !== "" || tls.keyFile !== "") ? { key: tls.key !== "" ? tls.key : readFileSync(tls.keyFile, "utf8") } : {}),
      },
      // Whichever mechanism nodemailer picks, SMTPAuth chooses as upstream does.
      ...(username !== "" && (password !== "" || secret !== "")
        ? { auth: { user: username, pass: password !== "" ? password : secret }, customAuth: { PLAIN: handler, LOGIN: handler, "CRAM-MD5": handler } }
        : {}),
    });

    const send = transport.sendMail({
      envelope: { from: fromAddrs[0]!, to: toAddrs },
      from: fromHeader ?? from,
      to: toHeader ?? to,
      subject: subject ?? "",
      headers: rest,
      ...(text !== "" ? { text } : {}),
      ...(html !== "" ? { html } : {}),
    });
    let onAbort: (() => void) | null = null;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        const why = ctx.signal.reason instanceof Error ? `: ${ctx.signal.reason.message}` : "";
        reject(new NotifyError(`send email to ${JSON.stringify(c.smarthost)}: aborted${why}`, true));
      };
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    try {
      await Promise.race([send, aborted]);
    } catch (e) {
      if (e instanceof NotifyError) throw e;
      if (auth.setupError !== null) throw new NotifyError(`find auth mechanism: ${auth.setupError}`, true);
      throw this.#mapError(e as SMTPFailure, auth.mechanism);
    } finally {
      if (onAbort !== null) ctx.signal.removeEventListener("abort", onAbort);
      send.catch(() => undefined);
      transport.close();
    }
  }

  /** Implicit TLS: forced by the config, else on port 465 as upstream. */
  #implicitTLS(): boolean {
    return this.#c.forceImplicitTls ?? this.#c.smarthost.endsWith(":465");
  }

  /** Upstream's error wording for each step of the SMTP session. */
  #mapError(e: SMTPFailure, authMechanism: string | null): NotifyError {
    const c = this.#c;
    if (e.originalCode !== undefined && TLS_FAILURE.test(e.originalCode)) {
      return smtpError(this.#implicitTLS() ? "establish TLS connection to server" : "send STARTTLS command", e);
    }
    switch (e.code) {
      case "ETLS":
        // With require_tls nodemailer issues STARTTLS even when it was not advertised; the server refuses it.
        if (e.command === "STARTTLS" && e.responseCode !== undefined && e.responseCode >= 500) {
          return new NotifyError(`'require_tls' is true (default) but ${JSON.stringify(c.smarthost)} does not advertise the STARTTLS extension`, true);
        }
        return smtpError("send STARTTLS command", e);
      case "EAUTH":
        return smtpError(`${authMechanism ?? (e.command ?? "AUTH").replace(/^AUTH /, "")} auth`, e);
      case "EENVELOPE":
        return smtpError(e.command !== undefined && e.command.startsWith("RCPT") ? "send RCPT command" : "send MAIL command", e);
      case "EMESSAGE":
        return smtpError("delivery failure", e);
      case "ECONNECTION":
      case "ESOCKET":
      case "ETIMEDOUT":
      case "EDNS":
      case "ECONNREFUSED":
        return smtpError("establish connection to server", e);
      default:
        return smtpError("send email", e);
    }
  }
}
