import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebConfigError, bcryptCost, checkWebConfigFile, loadWebConfig, parseWebConfig, tlsServerSettings } from "./index.ts";

const OPENSSL = "/usr/bin/openssl";
const PROMTOOL = "/usr/bin/promtool";
const noOpenssl = existsSync(OPENSSL) ? false : `${OPENSSL} not installed`;
const HASH = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

test("parseWebConfig: defaults of an empty file", () => {
  const c = parseWebConfig("", "/etc");
  assert.equal(c.tlsServerConfig.minVersion, "TLS12");
  assert.equal(c.tlsServerConfig.maxVersion, "TLS13");
  assert.equal(c.tlsServerConfig.preferServerCipherSuites, true);
  assert.equal(c.tlsServerConfig.clientAllowedSans, null);
  assert.equal(c.httpServerConfig.http2, true);
  assert.equal(c.basicAuthUsers.size, 0);
  assert.deepEqual(c.rateLimit, { burst: 0, intervalMs: 0 });
  assert.equal(tlsServerSettings(c.tlsServerConfig), null);
});

test("parseWebConfig: fields, relative paths and durations", () => {
  const c = parseWebConfig(
    [
      "tls_server_config:",
      "  cert_file: tls/server.crt",
      "  key_file: /abs/server.key",
      "  client_ca_file: ../ca.crt",
      "  client_auth_type: RequireAndVerifyClientCert",
      "  client_allowed_sans: [a.example, 127.0.0.1]",
      "  min_version: TLS13",
      "  max_version: ~",
      "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]",
      "  curve_preferences: [X25519, CurveP256]",
      "  prefer_server_cipher_suites: no",
      "http_server_config:",
      "  http2: false",
      "  headers:",
      "    X-Frame-Options: deny",
      "    Strict-Transport-Security: max-age=31536000",
      "rate_limit:",
      "  interval: 1m30s",
      "  burst: 5",
      "basic_auth_users:",
      `  alice: ${HASH}`,
      `  bob: "${HASH}"`,
    ].join("\n"),
    "/etc/prometheus",
  );
  const t = c.tlsServerConfig;
  assert.equal(t.certFile, "/etc/prometheus/tls/server.crt");
  assert.equal(t.keyFile, "/abs/server.key");
  assert.equal(t.clientCAFile, "/etc/ca.crt");
  assert.equal(t.clientAuthType, "RequireAndVerifyClientCert");
  assert.deepEqual(t.clientAllowedSans, ["a.example", "127.0.0.1"]);
  assert.equal(t.minVersion, "TLS13");
  assert.equal(t.maxVersion, null);
  assert.deepEqual(t.cipherSuites, ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]);
  assert.deepEqual(t.curvePreferences, ["X25519", "CurveP256"]);
  assert.equal(t.preferServerCipherSuites, false);
  assert.equal(c.httpServerConfig.http2, false);
  assert.deepEqual([...c.httpServerConfig.headers], [
    ["X-Frame-Options", "deny"],
    ["Strict-Transport-Security", "max-age=31536000"],
  ]);
  assert.deepEqual(c.rateLimit, { burst: 5, intervalMs: 90_000 });
  assert.deepEqual([...c.basicAuthUsers.keys()], ["alice", "bob"]);
});

const parseErrors = [
  { name: "unknown top-level field", yaml: "tls_config: {}\n", err: "yaml: unmarshal errors:\n  line 1: field tls_config not found in type web.Config" },
  { name: "unknown TLS field", yaml: "tls_server_config:\n  certfile: x\n", err: "yaml: unmarshal errors:\n  line 2: field certfile not found in type web.TLSConfig" },
  { name: "repeated field", yaml: "http_server_config:\n  http2: true\n  http2: false\n", err: "yaml: unmarshal errors:\n  line 3: field http2 already set in type web.HTTPConfig" },
  { name: "repeated user", yaml: `basic_auth_users:\n  alice: ${HASH}\n  alice: ${HASH}\n`, err: 'yaml: unmarshal errors:\n  line 3: key "alice" already set in map' },
  { name: "bool of the wrong kind", yaml: "http_server_config:\n  http2: maybe\n", err: "yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str `maybe` into bool" },
  { name: "users not a map", yaml: "basic_auth_users: [alice]\n", err: "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into map[string]config.Secret" },
  { name: "unknown TLS version", yaml: "tls_server_config:\n  min_version: TLS9\n", err: "unknown TLS version: TLS9" },
  { name: "unknown cipher", yaml: "tls_server_config:\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n", err: "unknown cipher: TLS_RSA_WITH_RC4_128_SHA" },
  { name: "unknown curve", yaml: "tls_server_config:\n  curve_preferences: [CurveP999]\n", err: "unknown curve: CurveP999" },
  { name: "header not allowed", yaml: "http_server_config:\n  headers:\n    Server: x\n", err: 'HTTP header "Server" can not be configured' },
  { name: "header name is case-sensitive", yaml: "http_server_config:\n  headers:\n    x-frame-options: deny\n", err: 'HTTP header "x-frame-options" can not be configured' },
  {
    name: "header value not allowed",
    yaml: "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
    err: 'invalid value for X-Frame-Options. Expected one of: ["deny" "sameorigin"], but got: "allow"',
  },
  { name: "bad rate limit interval", yaml: "rate_limit:\n  interval: fast\n", err: "yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str `fast` into time.Duration" },
  { name: "YAML syntax", yaml: "basic_auth_users: [\n", err: /^yaml: line \d+: / },
];
for (const c of parseErrors) {
  test(`parseWebConfig rejects: ${c.name}`, () => {
    assert.throws(() => parseWebConfig(c.yaml, "/etc"), (e: unknown) => {
      assert.ok(e instanceof WebConfigError);
      if (typeof c.err === "string") assert.equal(e.message, c.err);
      else assert.match(e.message, c.err);
      return true;
    });
  });
}

const costs = [
  { name: "a 2y hash", hash: HASH, want: 10 },
  { name: "a 2a hash of cost 4", hash: "$2a$04$" + "a".repeat(53), want: 4 },
  { name: "a plain password", hash: "secret", err: "crypto/bcrypt: hashedSecret too short to be a bcrypted password" },
  { name: "no dollar", hash: "x".repeat(60), err: "crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with 'x'" },
  { name: "version 3", hash: "$3a$10$" + "a".repeat(53), err: "crypto/bcrypt: bcrypt algorithm version '3' requested is newer than current version '2'" },
  { name: "cost not a number", hash: "$2a$xx$" + "a".repeat(53), err: 'strconv.Atoi: parsing "xx": invalid syntax' },
  { name: "cost too low", hash: "$2a$03$" + "a".repeat(53), err: "crypto/bcrypt: cost 3 is outside allowed range (4,31)" },
];
for (const c of costs) {
  test(`bcryptCost: ${c.name}`, () => {
    if (c.err === undefined) assert.equal(bcryptCost(c.hash), c.want);
    else assert.throws(() => bcryptCost(c.hash), { name: "WebConfigError", message: c.err });
  });
}


/** Certificates for the file checks: a self-signed server pair, another key, a CA. */
function makeCerts(dir: string): void {
  const run = (...args: string[]): void => {
    const r = spawnSync(OPENSSL, args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  };
  // P-256 keys: RSA key generation takes seconds on a busy machine.
  run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "tls.key", "-out", "tls.crt", "-subj", "/CN=localhost", "-days", "1");
  run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key");
}

/**
 * Files and what exporter-toolkit's Validate says. `debian: false` marks
 * rows using fields newer than Debian's promtool 2.42 (exporter-toolkit
 * 0.8), so only our verdict is checked; `sameText` rows print the very
 * same message there.
 */
function fileCases(dir: string): Array<{ name: string; yaml: string; err: string | null; debian?: boolean; sameText?: boolean }> {
  const p = (f: string): string => join(dir, f);
  return [
    { name: "empty file", yaml: "", err: null },
    { name: "basic auth only", yaml: `basic_auth_users:\n  alice: ${HASH}\n`, err: null },
    { name: "plain-text password", yaml: "basic_auth_users:\n  alice: secret\n", err: "crypto/bcrypt: hashedSecret too short to be a bcrypted password", sameText: true },
    { name: "headers", yaml: "http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n    Content-Security-Policy: default-src 'self'\n", err: null },
    { name: "TLS with relative paths", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n", err: null },
    { name: "TLS 1.3 only, some ciphers and curves", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  min_version: TLS13\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n  curve_preferences: [CurveP256]\n", err: null },
    { name: "cert without key", yaml: "tls_server_config:\n  cert_file: tls.crt\n", err: "missing one of key or key_file", debian: false },
    { name: "key without cert", yaml: "tls_server_config:\n  key_file: tls.key\n", err: "missing one of cert or cert_file", debian: false },
    { name: "client auth type alone", yaml: "tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n", err: "missing one of cert or cert_file", debian: false },
    { name: "missing cert file", yaml: "tls_server_config:\n  cert_file: nope.crt\n  key_file: tls.key\n", err: `failed to read cert_file (${p("nope.crt")}): open ${p("nope.crt")}: no such file or directory` },
    { name: "missing key file", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: nope.key\n", err: `failed to read key_file (${p("nope.key")}): open ${p("nope.key")}: no such file or directory` },
    { name: "key of another certificate", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: other.key\n", err: "failed to load X509KeyPair: tls: private key does not match public key", sameText: true },
    { name: "cert file that is not PEM", yaml: "tls_server_config:\n  cert_file: web.yml\n  key_file: tls.key\n", err: "failed to load X509KeyPair: tls: failed to find any PEM data in certificate input", sameText: true },
    { name: "key and cert swapped", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.crt\n", err: "failed to load X509KeyPair: tls: found a certificate rather than a key in the PEM for the private key", sameText: true },
    { name: "missing client CA file", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: nope.crt\n", err: `open ${p("nope.crt")}: no such file or directory`, sameText: true },
    { name: "client CA without a policy", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_ca_file: tls.crt\n", err: "client CA's have been configured without a Client Auth Policy" },
    { name: "invalid client auth type", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: Sometimes\n", err: "invalid ClientAuth: Sometimes" },
    { name: "mutual TLS", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: tls.crt\n", err: null },
    { name: "the old RequireClientCert name", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: RequireClientCert\n", err: null },
    {
      name: "allowed SANs with optional client certs",
      yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: tls.crt\n  client_allowed_sans: [a]\n",
      err: "client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or RequireAndVerifyClientCert",
      debian: false,
    },
    { name: "allowed SANs with required client certs", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: tls.crt\n  client_allowed_sans: [a]\n", err: null, debian: false },
    { name: "inline certificate and key", yaml: `tls_server_config:\n  cert: ${JSON.stringify(readPEM(dir, "tls.crt"))}\n  key: ${JSON.stringify(readPEM(dir, "tls.key"))}\n`, err: null, debian: false },
    { name: "rate limit", yaml: "rate_limit:\n  interval: 1s\n  burst: 10\n", err: null, debian: false },
    { name: "unknown field", yaml: "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n  verify: true\n", err: "yaml: unmarshal errors:\n  line 4: field verify not found in type web.TLSConfig", sameText: true },
    { name: "repeated user", yaml: `basic_auth_users:\n  alice: ${HASH}\n  alice: ${HASH}\n`, err: 'yaml: unmarshal errors:\n  line 3: key "alice" already set in map', sameText: true },
    { name: "bad header value", yaml: "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n", err: 'invalid value for X-Content-Type-Options. Expected one of: ["nosniff"], but got: "sniff"', sameText: true },
  ];
}

function readPEM(dir: string, f: string): string {
  return readFileSync(join(dir, f), "utf8");
}

test("checkWebConfigFile: verdicts and upstream's messages on files", { skip: noOpenssl }, () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-webcfg-"));
  try {
    makeCerts(dir);
    for (const c of fileCases(dir)) {
      const f = join(dir, "web.yml");
      writeFileSync(f, c.yaml);
      if (c.err === null) assert.doesNotThrow(() => checkWebConfigFile(f), c.name);
      else assert.throws(() => checkWebConfigFile(f), { name: "WebConfigError", message: c.err }, c.name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("checkWebConfigFile: a missing file, and no file at all", () => {
  assert.throws(() => checkWebConfigFile("/nonexistent/web.yml"), { message: "open /nonexistent/web.yml: no such file or directory" });
  assert.doesNotThrow(() => checkWebConfigFile(""));
  assert.throws(() => loadWebConfig("/nonexistent/web.yml"), WebConfigError);
});

const noPromtool = existsSync(PROMTOOL) ? noOpenssl : `${PROMTOOL} (Debian's promtool) not installed`;
test("checkWebConfigFile accepts and rejects the files Debian's promtool check web-config does", { skip: noPromtool }, () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-webcfg-"));
  try {
    makeCerts(dir);
    const compared: string[] = [];
    for (const c of fileCases(dir)) {
      if (c.debian === false) continue;
      const f = join(dir, "web.yml");
      writeFileSync(f, c.yaml);
      const r = spawnSync(PROMTOOL, ["check", "web-config", f], { encoding: "utf8" });
      const theirs = r.status === 0 ? "SUCCESS" : "FAILED";
      let ours = "SUCCESS";
      try {
        checkWebConfigFile(f);
      } catch {
        ours = "FAILED";
      }
      assert.equal(ours, theirs, `${c.name}: Debian says ${r.stderr.trim()}`);
      if (c.sameText === true) assert.equal(r.stderr, `${f} FAILED: ${c.err}\n`, c.name);
      compared.push(c.name);
    }
    assert.ok(compared.length >= 15, `compared ${compared.length} files`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
