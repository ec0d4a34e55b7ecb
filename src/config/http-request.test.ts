import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HTTPClientError, authorizationHeader, configHeaders, newHTTPClientConfig, tlsOptions } from "./index.ts";
import type { HTTPClientConfig } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "promstack-http-request-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "token"), "file-token\n");
writeFileSync(join(dir, "pass"), " s3cret \n");

function cfg(change: (c: HTTPClientConfig) => void): HTTPClientConfig {
  const c = newHTTPClientConfig();
  change(c);
  return c;
}
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

const authCases = [
  { name: "none", c: cfg(() => {}), want: null },
  { name: "basic auth inline", c: cfg((c) => (c.basicAuth = { username: "u", usernameFile: "", usernameRef: "", password: "p", passwordFile: "", passwordRef: "" })), want: basic("u", "p") },
  { name: "basic auth password file, trimmed", c: cfg((c) => (c.basicAuth = { username: "u", usernameFile: "", usernameRef: "", password: "", passwordFile: join(dir, "pass"), passwordRef: "" })), want: basic("u", "s3cret") },
  { name: "authorization with type", c: cfg((c) => (c.authorization = { type: "Token", credentials: "abc", credentialsFile: "", credentialsRef: "" })), want: "Token abc" },
  { name: "authorization credentials file, Bearer by default", c: cfg((c) => (c.authorization = { type: "", credentials: "", credentialsFile: join(dir, "token"), credentialsRef: "" })), want: "Bearer file-token" },
  { name: "bearer_token_file", c: cfg((c) => (c.bearerTokenFile = join(dir, "token"))), want: "Bearer file-token" },
];
for (const t of authCases) test(`authorizationHeader: ${t.name}`, () => assert.equal(authorizationHeader(t.c), t.want));

test("configHeaders: http_headers values, secrets and files, plus Authorization", () => {
  const c = cfg((c) => {
    c.httpHeaders = new Map([
      ["X-Scope-OrgID", { values: ["a"], secrets: ["b"], files: [join(dir, "token")] }],
      ["X-Empty", { values: [], secrets: null, files: null }],
    ]);
    c.bearerToken = "t";
  });
  assert.deepEqual(configHeaders(c), { "X-Scope-OrgID": ["a", "b", "file-token"], authorization: "Bearer t" });
});

test("an unreadable secret file is an HTTPClientError naming it", () => {
  const c = cfg((c) => (c.bearerTokenFile = join(dir, "missing")));
  assert.throws(() => configHeaders(c), (e: unknown) => e instanceof HTTPClientError && e.message.startsWith(`unable to read bearer token file ${join(dir, "missing")}`));
});

test("tlsOptions: TLS 1.2 at least unless set, verification unless skipped, server name", () => {
  const d = tlsOptions(newHTTPClientConfig().tlsConfig);
  assert.equal(d.minVersion, "TLSv1.2");
  assert.equal(d.rejectUnauthorized, true);
  const c = cfg((c) => {
    c.tlsConfig.minVersion = "TLS13";
    c.tlsConfig.insecureSkipVerify = true;
    c.tlsConfig.serverName = "example.org";
    c.tlsConfig.ca = "PEM";
  });
  assert.deepEqual(tlsOptions(c.tlsConfig), { ca: "PEM", servername: "example.org", rejectUnauthorized: false, minVersion: "TLSv1.3" });
});
