import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import type { Server as HTTPServer, IncomingHttpHeaders } from "node:http";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { VirtualClock } from "../util/index.ts";
import { WebConfigError, WebConfigSource, certificateSANs, createWebServer, parseBasicAuth, webConfigHooks } from "./index.ts";

const OPENSSL = "/usr/bin/openssl";
const noOpenssl = existsSync(OPENSSL) ? false : `${OPENSSL} not installed`;

/** Runs openssl in `dir`; throws with its stderr. */
function openssl(dir: string, ...args: string[]): void {
  const r = spawnSync(OPENSSL, args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** P-256 keys: RSA key generation takes seconds on a busy machine. */
const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

/**
 * Test PKI in `dir`: server.crt/key (self-signed, SANs localhost and
 * 127.0.0.1), server2.crt/key (another one), ca.crt/key, client.crt/key
 * signed by the CA (SANs DNS client.example and an e-mail), rogue.crt/key
 * (self-signed, not from the CA).
 */
function makePKI(dir: string): void {
  const selfSigned = (name: string, cn: string, san: string): void =>
    openssl(dir, "req", "-x509", ...KEY, "-nodes", "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", `/CN=${cn}`, "-days", "1", "-addext", `subjectAltName=${san}`);
  selfSigned("server", "localhost", "DNS:localhost,IP:127.0.0.1");
  selfSigned("server2", "localhost", "DNS:localhost,IP:127.0.0.1");
  selfSigned("ca", "test-ca", "DNS:test-ca");
  selfSigned("rogue", "rogue", "DNS:client.example");
  openssl(dir, "req", ...KEY, "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=client");
  writeFileSync(join(dir, "client.ext"), "subjectAltName=DNS:client.example,email:ops@example.com\n");
  openssl(dir, "x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.crt", "-days", "1", "-extfile", "client.ext");
}

/** Replaces a file atomically (a new inode), as configuration management and Kubernetes do. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** SHA-256 fingerprint of the server certificate (HTTPS only). */
  fingerprint: string;
}

/** One request on a new connection; rejects when the connection or handshake fails. */
function request(url: string, opts: { auth?: string; ca?: string; cert?: string; key?: string; maxVersion?: "TLSv1.2" } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.auth !== undefined) headers.authorization = opts.auth;
    const common = { agent: false as const, headers };
    const onRes = (res: http.IncomingMessage): void => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        const sock = res.socket as unknown as { getPeerCertificate?: () => { fingerprint256?: string } };
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, fingerprint: sock.getPeerCertificate?.().fingerprint256 ?? "" });
      });
      res.on("error", reject);
    };
    const req = url.startsWith("https:")
      ? https.get(url, { ...common, ca: opts.ca, cert: opts.cert, key: opts.key, maxVersion: opts.maxVersion }, onRes)
      : http.get(url, common, onRes);
    req.on("error", reject);
  });
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/** Starts a server for the web config file `yaml` (written to dir/web.yml) answering "ok". */
async function serve(dir: string, yaml: string, fn: (base: string, file: string) => Promise<void>): Promise<void> {
  const file = join(dir, "web.yml");
  writeFileSync(file, yaml);
  const source = new WebConfigSource(file);
  const server = createWebServer(source, (_req, res) => res.end("ok")) as HTTPServer;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const scheme = server instanceof https.Server ? "https" : "http";
  try {
    await fn(`${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/`, file);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let pkiDir: string | null = null;
after(() => {
  if (pkiDir !== null) rmSync(pkiDir, { recursive: true, force: true });
});

/** A directory holding the test PKI (made once per file) for a test's files; removed afterwards. */
async function withPKI(fn: (dir: string) => Promise<void>): Promise<void> {
  if (pkiDir === null) {
    pkiDir = mkdtempSync(join(tmpdir(), "promstack-pki-"));
    makePKI(pkiDir);
  }
  const shared = pkiDir;
  await withDir(async (dir) => {
    for (const n of ["server", "server2", "ca", "client", "rogue"]) {
      for (const ext of ["crt", "key"]) writeFileSync(join(dir, `${n}.${ext}`), readFileSync(join(shared, `${n}.${ext}`)));
    }
    await fn(dir);
  });
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "promstack-websrv-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const basicAuthRows = [
  { name: "no credentials", auth: undefined, status: 401 },
  { name: "wrong password", auth: basic("alice", "nope"), status: 401 },
  { name: "unknown user", auth: basic("mallory", "secret"), status: 401 },
  { name: "bearer token", auth: "Bearer secret", status: 401 },
  { name: "malformed base64", auth: "Basic !!!", status: 401 },
  { name: "no colon", auth: `Basic ${Buffer.from("alice").toString("base64")}`, status: 401 },
  { name: "right password", auth: basic("alice", "secret"), status: 200 },
  { name: "scheme in lower case", auth: basic("alice", "secret").replace("Basic", "basic"), status: 200 },
  { name: "second user", auth: basic("bob", "p:w"), status: 200 },
];

test("basic auth over HTTP: 401 with WWW-Authenticate without valid credentials; headers on every response", async () => {
  const yaml = [
    "http_server_config:",
    "  headers:",
    "    X-Frame-Options: deny",
    "    Content-Security-Policy: default-src 'none'",
    "basic_auth_users:",
    `  alice: ${bcrypt.hashSync("secret", 4)}`,
    `  bob: ${bcrypt.hashSync("p:w", 4)}`,
  ].join("\n");
  await withDir((dir) =>
    serve(dir, yaml, async (base) => {
      for (const r of basicAuthRows) {
        const res = await request(base, r.auth === undefined ? {} : { auth: r.auth });
        assert.equal(res.status, r.status, r.name);
        assert.equal(res.headers["x-frame-options"], "deny", r.name);
        assert.equal(res.headers["content-security-policy"], "default-src 'none'", r.name);
        if (r.status === 401) {
          assert.equal(res.headers["www-authenticate"], "Basic", r.name);
          assert.equal(res.body, "Unauthorized\n", r.name);
          assert.equal(res.headers["content-type"], "text/plain; charset=utf-8", r.name);
        } else {
          assert.equal(res.body, "ok", r.name);
        }
      }
    }),
  );
});

test("no web config: a plain HTTP server without checks", async () => {
  const server = createWebServer(null, (_req, res) => res.end("ok")) as HTTPServer;
  assert.ok(!(server instanceof https.Server));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const res = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    assert.deepEqual([res.status, res.body], [200, "ok"]);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("hooks: a cached bcrypt result answers synchronously, a new password is checked again", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "web.yml");
    writeFileSync(file, `basic_auth_users:\n  alice: ${bcrypt.hashSync("secret", 4)}\n`);
    const hooks = webConfigHooks(new WebConfigSource(file));
    const req = { headers: { authorization: basic("alice", "secret") } };
    const first = hooks.check(req);
    assert.ok(first instanceof Promise, "the first check runs bcrypt");
    assert.equal((await first).status, 0);
    const second = hooks.check(req);
    assert.ok(!(second instanceof Promise), "the second check is served from the cache");
    assert.equal(second.status, 0);
    const wrong = { headers: { authorization: basic("alice", "other") } };
    const w1 = hooks.check(wrong);
    assert.ok(w1 instanceof Promise);
    assert.equal((await w1).status, 401);
    const w2 = hooks.check(wrong);
    assert.ok(!(w2 instanceof Promise), "failures are cached too");
    assert.equal(w2.status, 401);
  });
});

test("hooks: users and headers follow the file; a broken file gives 500 until fixed", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "web.yml");
    writeFileSync(file, `basic_auth_users:\n  alice: ${bcrypt.hashSync("one", 4)}\n`);
    const hooks = webConfigHooks(new WebConfigSource(file));
    const as = async (pw: string): Promise<number> => (await hooks.check({ headers: { authorization: basic("alice", pw) } })).status;
    assert.equal(await as("one"), 0);
    // Rewritten in place, right away: same inode, and possibly the same mtime tick.
    writeFileSync(file, `basic_auth_users:\n  alice: ${bcrypt.hashSync("two", 4)}\n`);
    assert.equal(await as("one"), 401);
    assert.equal(await as("two"), 0);
    replaceFile(file, "basic_auth_users: [\n");
    assert.equal(await as("two"), 500);
    replaceFile(file, "http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\n");
    const d = await hooks.check({ headers: {} });
    assert.deepEqual(d, { status: 0, headers: [["X-Frame-Options", "sameorigin"]] });
  });
});

test("hooks: the rate limit is a token bucket of burst tokens, one more per interval", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "web.yml");
    writeFileSync(file, "rate_limit:\n  interval: 1s\n  burst: 2\n");
    const clock = new VirtualClock(1_000_000);
    const hooks = webConfigHooks(new WebConfigSource(file), { clock });
    const status = async (): Promise<number> => (await hooks.check({ headers: {} })).status;
    assert.deepEqual([await status(), await status(), await status()], [0, 0, 429]);
    clock.advance(999);
    assert.equal(await status(), 429);
    clock.advance(1);
    assert.deepEqual([await status(), await status()], [0, 429]);
    clock.advance(10_000);
    assert.deepEqual([await status(), await status(), await status()], [0, 0, 429]);
  });
});

test("HTTPS: served with the configured certificate; TLS 1.2 refused when min_version is TLS13; plain HTTP fails", { skip: noOpenssl }, async () => {
  await withPKI(async (dir) => {
    const ca = readFileSync(join(dir, "server.crt"), "utf8");
    await serve(dir, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n", async (base) => {
      const res = await request(base, { ca });
      assert.deepEqual([res.status, res.body], [200, "ok"]);
      await assert.rejects(request(base, { ca, maxVersion: "TLSv1.2" }));
      await assert.rejects(request(base.replace("https:", "http:")));
      await assert.rejects(request(base), /self-signed certificate/);
    });
  });
});

test("HTTPS with basic auth", { skip: noOpenssl }, async () => {
  await withPKI(async (dir) => {
    const ca = readFileSync(join(dir, "server.crt"), "utf8");
    const yaml = `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  alice: ${bcrypt.hashSync("secret", 4)}\n`;
    await serve(dir, yaml, async (base) => {
      assert.equal((await request(base, { ca })).status, 401);
      assert.equal((await request(base, { ca, auth: basic("alice", "secret") })).status, 200);
    });
  });
});

/** Client certificate policies: which clients get through (true) or lose the connection (false). */
const clientAuthRows = [
  { policy: "RequireAndVerifyClientCert", sans: null, none: false, fromCA: true, rogue: false },
  { policy: "RequireAnyClientCert", sans: null, none: false, fromCA: true, rogue: true },
  { policy: "VerifyClientCertIfGiven", sans: null, none: true, fromCA: true, rogue: false },
  { policy: "RequestClientCert", sans: null, none: true, fromCA: true, rogue: true },
  { policy: "RequireAndVerifyClientCert", sans: ["client.example"], none: false, fromCA: true, rogue: false },
  { policy: "RequireAndVerifyClientCert", sans: ["ops@example.com"], none: false, fromCA: true, rogue: false },
  { policy: "RequireAndVerifyClientCert", sans: ["other.example"], none: false, fromCA: false, rogue: false },
  { policy: "RequireAnyClientCert", sans: ["client.example"], none: false, fromCA: true, rogue: true },
  { policy: "RequireAnyClientCert", sans: ["other.example"], none: false, fromCA: false, rogue: false },
];

test("mutual TLS: client_auth_type and client_allowed_sans", { skip: noOpenssl }, async () => {
  await withPKI(async (dir) => {
    const ca = readFileSync(join(dir, "server.crt"), "utf8");
    const pair = (n: string): { cert: string; key: string } => ({ cert: readFileSync(join(dir, `${n}.crt`), "utf8"), key: readFileSync(join(dir, `${n}.key`), "utf8") });
    for (const r of clientAuthRows) {
      const name = `${r.policy} ${JSON.stringify(r.sans)}`;
      let yaml = `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: ${r.policy}\n  client_ca_file: ca.crt\n`;
      if (r.sans !== null) yaml += `  client_allowed_sans: ${JSON.stringify(r.sans)}\n`;
      await serve(dir, yaml, async (base) => {
        const outcome = async (client: { cert: string; key: string } | null): Promise<boolean> => {
          try {
            const res = await request(base, { ca, ...(client ?? {}) });
            return res.status === 200;
          } catch {
            return false;
          }
        };
        assert.equal(await outcome(null), r.none, `${name}: no client certificate`);
        assert.equal(await outcome(pair("client")), r.fromCA, `${name}: certificate from the CA`);
        assert.equal(await outcome(pair("rogue")), r.rogue, `${name}: self-signed certificate`);
      });
    }
  });
});

test("TLS reload: a new certificate, a new client policy and a broken key apply to the next connection", { skip: noOpenssl }, async () => {
  await withPKI(async (dir) => {
    const read = (f: string): string => readFileSync(join(dir, f), "utf8");
    const caBoth = read("server.crt") + read("server2.crt");
    const fp = (f: string): string => spawnSync(OPENSSL, ["x509", "-noout", "-fingerprint", "-sha256", "-in", join(dir, f)], { encoding: "utf8" }).stdout.trim().split("=")[1]!;
    writeFileSync(join(dir, "live.crt"), read("server.crt"));
    writeFileSync(join(dir, "live.key"), read("server.key"));
    await serve(dir, "tls_server_config:\n  cert_file: live.crt\n  key_file: live.key\n", async (base, file) => {
      assert.equal((await request(base, { ca: caBoth })).fingerprint, fp("server.crt"));
      // Certificate rotation: key first (a mismatching pair refuses connections), then the certificate.
      replaceFile(join(dir, "live.key"), read("server2.key"));
      await assert.rejects(request(base, { ca: caBoth }));
      replaceFile(join(dir, "live.crt"), read("server2.crt"));
      assert.equal((await request(base, { ca: caBoth })).fingerprint, fp("server2.crt"));
      // Client certificates become required.
      replaceFile(file, "tls_server_config:\n  cert_file: live.crt\n  key_file: live.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n");
      await assert.rejects(request(base, { ca: caBoth }));
      const res = await request(base, { ca: caBoth, cert: read("client.crt"), key: read("client.key") });
      assert.equal(res.status, 200);
    });
  });
});

test("createWebServer: bad TLS settings and the HTTP/2 cipher check throw WebConfigError", { skip: noOpenssl }, async () => {
  await withPKI(async (dir) => {
    const file = join(dir, "web.yml");
    writeFileSync(file, "tls_server_config:\n  cert_file: server.crt\n  key_file: ca.key\n");
    assert.throws(() => new WebConfigSource(file), { name: "WebConfigError", message: "failed to load X509KeyPair: tls: private key does not match public key" });
    writeFileSync(file, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n");
    const source = new WebConfigSource(file);
    assert.throws(() => createWebServer(source, (_req, res) => res.end()), (e: unknown) => e instanceof WebConfigError && e.message.startsWith("http2: TLSConfig.CipherSuites is missing an HTTP/2-required"));
    writeFileSync(file, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\nhttp_server_config:\n  http2: false\n");
    assert.ok(createWebServer(new WebConfigSource(file), (_req, res) => res.end()) instanceof https.Server);
  });
});

const basicAuthHeaders = [
  { name: "user and password", h: basic("alice", "s3cret"), want: { user: "alice", password: "s3cret" } },
  { name: "colon in the password", h: basic("alice", "a:b"), want: { user: "alice", password: "a:b" } },
  { name: "empty password", h: basic("alice", ""), want: { user: "alice", password: "" } },
  { name: "UTF-8", h: basic("zoë", "pässword"), want: { user: "zoë", password: "pässword" } },
  { name: "absent", h: undefined, want: null },
  { name: "other scheme", h: "Digest x", want: null },
  { name: "three bytes, no padding needed", h: "Basic YTpi", want: { user: "a", password: "b" } },
  { name: "base64 missing padding", h: "Basic YTpiYw", want: null },
];
for (const c of basicAuthHeaders) test(`parseBasicAuth: ${c.name}`, () => assert.deepEqual(parseBasicAuth(c.h), c.want));

const sanRows = [
  { name: "DNS and IP", san: "DNS:a.example, IP Address:127.0.0.1", want: ["a.example", "127.0.0.1"] },
  { name: "e-mail and URI", san: "email:ops@example.com, URI:spiffe://cluster/ns/x", want: ["ops@example.com", "spiffe://cluster/ns/x"] },
  { name: "IPv6 in Go's form", san: "IP Address:0:0:0:0:0:0:0:1", want: ["::1"] },
  { name: "quoted value with a comma", san: 'DNS:"a,b.example", DNS:c.example', want: ["a,b.example", "c.example"] },
  { name: "other names are not SANs Go matches", san: "DirName:CN=x, DNS:d.example", want: ["d.example"] },
  { name: "none", san: undefined, want: [] },
];
for (const c of sanRows) test(`certificateSANs: ${c.name}`, () => assert.deepEqual(certificateSANs(c.san), c.want));
