import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import type { SMTPServerOptions } from "smtp-server";
import { Labels } from "../../model/index.ts";
import { systemClock } from "../../util/index.ts";
import { loadConfig } from "../config/index.ts";
import { NotificationTemplate } from "../template/index.ts";
import { newAlert } from "../types/index.ts";
import { NotifyError, NotifyMetrics, RetryStage, buildReceiverIntegrations } from "./index.ts";
import type { NotifyContext } from "./index.ts";

const T0 = Date.UTC(2024, 4, 1, 12);
const alerts = [
  newAlert({ labels: Labels.fromObject({ alertname: "Down", instance: "a" }), annotations: Labels.fromObject({ summary: "s" }), startsAt: T0, endsAt: 0, generatorURL: "http://g", updatedAt: T0, timeout: false }),
];

function context(signal: AbortSignal = new AbortController().signal): NotifyContext {
  return {
    now: T0 + 1000,
    groupKey: '{}:{alertname="Down"}',
    groupLabels: Labels.fromObject({ alertname: "Down" }),
    receiver: "r",
    repeatIntervalMs: 1,
    muteTimeIntervals: [],
    activeTimeIntervals: [],
    routeID: "{}",
    signal,
    firingAlerts: [1n],
    resolvedAlerts: [],
  };
}

interface Received {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
}

interface Server {
  port: number;
  got: Received[];
  authAttempts: number;
  /** The mechanism of each authentication attempt. */
  authMethods: string[];
  close(): Promise<void>;
}

async function startServer(o: SMTPServerOptions, users?: { user: string; pass: string }): Promise<Server> {
  const s: Server = { port: 0, got: [], authAttempts: 0, authMethods: [], close: async () => undefined };
  const srv = new SMTPServer({
    logger: false,
    allowInsecureAuth: true,
    authOptional: users === undefined,
    ...o,
    onAuth(auth, _session, cb) {
      s.authAttempts++;
      s.authMethods.push(auth.method);
      const ok = users !== undefined && auth.username === users.user && (auth.method === "CRAM-MD5" ? auth.validatePassword(users.pass) : auth.password === users.pass);
      if (ok) cb(null, { user: auth.username });
      else cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (d: Buffer) => chunks.push(d));
      stream.on("end", () => {
        const env = session.envelope;
        s.got.push({
          from: env.mailFrom === false ? "" : env.mailFrom.address,
          to: env.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          secure: session.secure,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  s.port = (srv.server.address() as AddressInfo).port;
  s.close = () => new Promise<void>((r) => srv.close(() => r()));
  return s;
}

function emailIntegration(yaml: string): ReturnType<typeof buildReceiverIntegrations>[number] {
  const cfg = loadConfig(`route: {receiver: r}\nreceivers:\n- name: r\n  email_configs:\n  - ${yaml}\n`);
  const [integration] = buildReceiverIntegrations(cfg.receivers[0]!, { tmpl: new NotificationTemplate({ externalURL: "http://am" }) });
  assert.equal(integration!.name, "email");
  return integration!;
}

/** The decoded body of the MIME part with the given content type (the whole body of a single-part message). */
function part(raw: string, type: string): string {
  const top = header(raw, "Content-Type") ?? "";
  const boundary = /boundary="?([^";]+)"?/.exec(top)?.[1];
  const parts = boundary === undefined ? [raw] : raw.split(`--${boundary}`).slice(1, -1).map((p) => p.replace(/^\r\n/, ""));
  const p = parts.find((x) => (header(x, "Content-Type") ?? "").startsWith(type));
  assert.ok(p !== undefined, `no ${type} part in:\n${raw}`);
  const sep = p.indexOf("\r\n\r\n");
  const body = p.slice(sep + 4).replace(/\r\n$/, "");
  if (!/quoted-printable/i.test(header(p, "Content-Transfer-Encoding") ?? "")) return body;
  return Buffer.from(body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
}

function header(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]+/g, " ");
  const m = new RegExp(`^${name}: (.*)$`, "mi").exec(head);
  return m?.[1];
}

const deliveries: ReadonlyArray<{ name: string; server: SMTPServerOptions; users?: { user: string; pass: string }; yaml: (port: number) => string; text: boolean; method?: string }> = [
  {
    name: "without auth",
    server: { disabledCommands: ["STARTTLS", "AUTH"] },
    yaml: (p) => `{to: 'ops@example.org, dev@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${p}', require_tls: false, hello: mx.example.org}`,
    text: false,
  },
  {
    name: "with PLAIN auth",
    server: { disabledCommands: ["STARTTLS"], authMethods: ["PLAIN"] },
    users: { user: "u", pass: "p" },
    yaml: (p) => `{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${p}', require_tls: false, auth_username: u, auth_password: p, text: 'alerts: {{ len .Alerts }}'}`,
    text: true,
  },
  {
    name: "with PLAIN auth and identity",
    server: { disabledCommands: ["STARTTLS"], authMethods: ["PLAIN"] },
    users: { user: "u", pass: "p" },
    yaml: (p) => `{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${p}', require_tls: false, auth_username: u, auth_password: p, auth_identity: u}`,
    text: false,
  },
  {
    name: "with LOGIN auth",
    server: { disabledCommands: ["STARTTLS"], authMethods: ["LOGIN"] },
    users: { user: "u", pass: "p" },
    yaml: (p) => `{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${p}', require_tls: false, auth_username: u, auth_password: p}`,
    text: false,
    method: "LOGIN",
  },
  {
    name: "with CRAM-MD5 auth",
    server: { disabledCommands: ["STARTTLS"], authMethods: ["CRAM-MD5"] },
    users: { user: "u", pass: "s3cret" },
    yaml: (p) => `{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${p}', require_tls: false, auth_username: u, auth_secret: s3cret}`,
    text: false,
    method: "CRAM-MD5",
  },
  {
    name: "with CRAM-MD5 when only the secret is set and PLAIN and LOGIN are offered first",
    server: { disabledCommands: ["STARTTLS"], authMethods: ["PLAIN", "LOGIN", "CRAM-MD5"] },
    users: { user: "u", pass: "s3cret" },
    yaml: (p) => `{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${p}', require_tls: false, auth_username: u, auth_secret: s3cret}`,
    text: false,
    method: "CRAM-MD5",
  },
  {
    name: "with PLAIN when a password is set and CRAM-MD5 is offered too",
    server: { disabledCommands: ["STARTTLS"], authMethods: ["PLAIN", "CRAM-MD5"] },
    users: { user: "u", pass: "p" },
    yaml: (p) => `{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${p}', require_tls: false, auth_username: u, auth_password: p, auth_secret: other}`,
    text: false,
    method: "PLAIN",
  },
];

for (const d of deliveries) {
  test(`email delivery ${d.name}`, async () => {
    const srv = await startServer(d.server, d.users);
    try {
      await emailIntegration(d.yaml(srv.port)).notifier.notify(context(), alerts);
      assert.equal(srv.got.length, 1);
      const m = srv.got[0]!;
      assert.equal(m.from, "am@example.org");
      assert.equal(header(m.raw, "From"), "am@example.org");
      assert.equal(header(m.raw, "Subject"), "[FIRING:1] Down (a)");
      // nodemailer sends an HTML-only message as a single text/html part, text and HTML as multipart/alternative.
      assert.match(header(m.raw, "Content-Type") ?? "", d.text ? /^multipart\/alternative/ : /^text\/html/);
      const html = part(m.raw, "text/html");
      assert.match(html, /<a href="http:\/\/am\/#\/alerts\?receiver=r"/);
      assert.match(html, /alertname = Down/);
      assert.match(html, /instance = a/);
      if (d.text) assert.equal(part(m.raw, "text/plain").trim(), "alerts: 1");
      else assert.equal(m.raw.includes("Content-Type: text/plain"), false);
      if (d.users !== undefined) assert.equal(srv.authAttempts, 1);
      if (d.method !== undefined) assert.deepEqual(srv.authMethods, [d.method]);
      if (d.name === "without auth") {
        assert.deepEqual(m.to, ["ops@example.org", "dev@example.org"]);
        assert.equal(header(m.raw, "To"), "ops@example.org, dev@example.org");
      }
    } finally {
      await srv.close();
    }
  });
}

test("email headers are rendered templates and override the defaults", async () => {
  const srv = await startServer({ disabledCommands: ["STARTTLS", "AUTH"] });
  try {
    await emailIntegration(`{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${srv.port}', require_tls: false, headers: {subject: '{{ .Status }} {{ .GroupLabels.alertname }}', x-team: 'team-{{ .Receiver }}'}}`).notifier.notify(context(), alerts);
    const raw = srv.got[0]!.raw;
    assert.equal(header(raw, "Subject"), "firing Down");
    assert.equal(header(raw, "X-Team"), "team-r");
  } finally {
    await srv.close();
  }
});

test("email require_tls against a server without STARTTLS fails with upstream's error", async () => {
  const srv = await startServer({ disabledCommands: ["STARTTLS", "AUTH"] });
  try {
    const smarthost = `127.0.0.1:${srv.port}`;
    await assert.rejects(emailIntegration(`{to: 'ops@example.org', from: 'am@example.org', smarthost: '${smarthost}'}`).notifier.notify(context(), alerts), (e: unknown) => {
      assert.ok(e instanceof NotifyError);
      assert.equal(e.message, `'require_tls' is true (default) but "${smarthost}" does not advertise the STARTTLS extension`);
      assert.equal(e.retry, true);
      return true;
    });
    assert.equal(srv.got.length, 0);
  } finally {
    await srv.close();
  }
});

test("email with wrong credentials fails without retry and is counted", async () => {
  const srv = await startServer({ disabledCommands: ["STARTTLS"], authMethods: ["PLAIN"] }, { user: "u", pass: "p" });
  try {
    const integration = emailIntegration(`{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${srv.port}', require_tls: false, auth_username: u, auth_password: wrong}`);
    const metrics = new NotifyMetrics();
    const stage = new RetryStage(integration, { clock: systemClock, metrics, random: () => 0 });
    await assert.rejects(stage.exec(context(AbortSignal.timeout(5000)), alerts), /r\/email\[0\]: notify retry canceled due to unrecoverable error after 1 attempts: PLAIN auth: .*535/);
    assert.equal(srv.authAttempts, 1);
    assert.equal(srv.got.length, 0);
    assert.equal(metrics.requestsTotal.with("email").value, 1);
    assert.equal(metrics.requestsFailedTotal.with("email").value, 1);
    assert.equal(metrics.notificationsTotal.with("email").value, 1);
  } finally {
    await srv.close();
  }
});

test("email without a usable auth mechanism fails with upstream's error", async () => {
  const srv = await startServer({ disabledCommands: ["STARTTLS"], authMethods: ["CRAM-MD5"] }, { user: "u", pass: "p" });
  try {
    const integration = emailIntegration(`{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${srv.port}', require_tls: false, auth_username: u, auth_password: p}`);
    await assert.rejects(integration.notifier.notify(context(), alerts), (e: unknown) => {
      assert.ok(e instanceof NotifyError);
      assert.equal(e.message, "find auth mechanism: missing secret for CRAM-MD5 auth mechanism");
      assert.equal(e.retry, true);
      return true;
    });
    assert.equal(srv.authAttempts, 0);
    assert.equal(srv.got.length, 0);
  } finally {
    await srv.close();
  }
});

test("email with a wrong CRAM-MD5 secret fails without retry", async () => {
  const srv = await startServer({ disabledCommands: ["STARTTLS"], authMethods: ["CRAM-MD5"] }, { user: "u", pass: "s3cret" });
  try {
    const integration = emailIntegration(`{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${srv.port}', require_tls: false, auth_username: u, auth_secret: wrong}`);
    await assert.rejects(integration.notifier.notify(context(), alerts), (e: unknown) => {
      assert.ok(e instanceof NotifyError);
      assert.match(e.message, /^CRAM-MD5 auth: .*535/);
      assert.equal(e.retry, false);
      return true;
    });
    assert.deepEqual(srv.authMethods, ["CRAM-MD5"]);
  } finally {
    await srv.close();
  }
});

test("email 4xx replies are retried, 5xx are not", async () => {
  for (const [code, retry] of [[451, true], [550, false]] as const) {
    const srv = await startServer({
      disabledCommands: ["STARTTLS", "AUTH"],
      onRcptTo(_addr, _session, cb) {
        cb(Object.assign(new Error("mailbox unavailable"), { responseCode: code }));
      },
    });
    try {
      await assert.rejects(emailIntegration(`{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${srv.port}', require_tls: false}`).notifier.notify(context(), alerts), (e: unknown) => {
        assert.ok(e instanceof NotifyError);
        assert.match(e.message, new RegExp(`^send RCPT command: .*${code}`));
        assert.equal(e.retry, retry);
        return true;
      });
    } finally {
      await srv.close();
    }
  }
});

test("email connection refused is retried", async () => {
  const srv = await startServer({});
  const port = srv.port;
  await srv.close();
  await assert.rejects(emailIntegration(`{to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${port}', require_tls: false}`).notifier.notify(context(), alerts), (e: unknown) => {
    assert.ok(e instanceof NotifyError);
    assert.match(e.message, /^establish connection to server: .*ECONNREFUSED/);
    assert.equal(e.retry, true);
    return true;
  });
});

function selfSigned(): { key: string; cert: string } | null {
  let dir = "";
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    dir = mkdtempSync(join(tmpdir(), "email-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { stdio: "ignore" });
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } catch {
    return null;
  } finally {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  }
}

const tlsPair = selfSigned();

test("email STARTTLS with a self-signed certificate", { skip: tlsPair === null ? "openssl not available to make a self-signed certificate" : false }, async () => {
  const { key, cert } = tlsPair!;
  const srv = await startServer({ key, cert, authMethods: ["PLAIN"], allowInsecureAuth: false }, { user: "u", pass: "p" });
  try {
    const base = `to: 'ops@example.org', from: 'am@example.org', smarthost: '127.0.0.1:${srv.port}', auth_username: u, auth_password: p`;
    // Trusting the certificate through tls_config.ca.
    const ca = JSON.stringify(cert);
    await emailIntegration(`{${base}, tls_config: {ca: ${ca}}}`).notifier.notify(context(), alerts);
    // Skipping verification.
    await emailIntegration(`{${base}, tls_config: {insecure_skip_verify: true}}`).notifier.notify(context(), alerts);
    assert.equal(srv.got.length, 2);
    for (const m of srv.got) {
      assert.equal(m.secure, true);
      assert.equal(header(m.raw, "Subject"), "[FIRING:1] Down (a)");
    }
    // Without trust the handshake fails, and that is retried.
    await assert.rejects(emailIntegration(`{${base}}`).notifier.notify(context(), alerts), (e: unknown) => {
      assert.ok(e instanceof NotifyError);
      assert.match(e.message, /^send STARTTLS command: .*self-signed certificate/);
      assert.equal(e.retry, true);
      return true;
    });
    assert.equal(srv.got.length, 2);
  } finally {
    await srv.close();
  }
});
