import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { WebConfigError } from "../web/index.ts";
import { PrometheusServer, type ServerOptions, testServerOptions } from "./index.ts";

const OPENSSL = "/usr/bin/openssl";
const noOpenssl = existsSync(OPENSSL) ? false : `${OPENSSL} not installed`;

function options(dir: string, webConfigFile: string): ServerOptions {
  return testServerOptions(dir, { webConfigFile });
}

function get(url: string, ca: string, auth: string | null): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = auth === null ? {} : { authorization: `Basic ${Buffer.from(auth).toString("base64")}` };
    https
      .get(url, { ca, headers, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

test("server: with --web.config.file every endpoint needs credentials, over HTTPS", { skip: noOpenssl }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-server-web-"));
  try {
    writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1h\n");
    const r = spawnSync(OPENSSL, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "tls.key", "-out", "tls.crt", "-subj", "/CN=localhost", "-days", "1", "-addext", "subjectAltName=IP:127.0.0.1"], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const ca = readFileSync(join(dir, "tls.crt"), "utf8");
    writeFileSync(join(dir, "web.yml"), `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  admin: ${bcrypt.hashSync("s3cret", 4)}\n`);
    const s = new PrometheusServer(options(dir, join(dir, "web.yml")));
    await s.start();
    try {
      const base = `https://127.0.0.1:${s.address.port}`;
      for (const path of ["/-/healthy", "/-/ready", "/metrics", "/api/v1/query?query=1", "/federate?match[]=up", "/no-such-page"]) {
        const none = await get(base + path, ca, null);
        assert.deepEqual(none, { status: 401, body: "Unauthorized\n" }, `${path} without credentials`);
        assert.equal((await get(base + path, ca, "admin:wrong")).status, 401, `${path} with a wrong password`);
      }
      assert.deepEqual(await get(`${base}/-/healthy`, ca, "admin:s3cret"), { status: 200, body: "Prometheus Server is Healthy.\n" });
      const q = await get(`${base}/api/v1/query?query=vector(3)&time=10`, ca, "admin:s3cret");
      assert.deepEqual(q, { status: 200, body: '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[10,"3"]}]}}' });
      assert.equal((await get(`${base}/no-such-page`, ca, "admin:s3cret")).status, 404);
    } finally {
      await s.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("server: an invalid web config file is refused before anything starts", () => {
  const dir = mkdtempSync(join(tmpdir(), "promstack-server-web-"));
  try {
    writeFileSync(join(dir, "web.yml"), "basic_auth_users:\n  admin: plaintext\n");
    assert.throws(() => new PrometheusServer(options(dir, join(dir, "web.yml"))), (e: unknown) => {
      assert.ok(e instanceof WebConfigError);
      assert.equal(e.message, "crypto/bcrypt: hashedSecret too short to be a bcrypted password");
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
