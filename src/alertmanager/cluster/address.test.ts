import { test } from "node:test";
import assert from "node:assert/strict";
import { AddressError, advertiseAddress, isPrivateIP, joinHostPort, resolvePeers, splitHostPort } from "./index.ts";

const splits = [
  { name: "IPv4", in: "10.1.2.3:9094", want: { host: "10.1.2.3", port: 9094 } },
  { name: "any host", in: ":9094", want: { host: "", port: 9094 } },
  { name: "name", in: "alertmanager-0.alertmanager.monitoring.svc:9094", want: { host: "alertmanager-0.alertmanager.monitoring.svc", port: 9094 } },
  { name: "IPv6", in: "[::1]:9094", want: { host: "::1", port: 9094 } },
  { name: "no port", in: "10.1.2.3", want: null },
  { name: "bare IPv6", in: "::1:9094", want: null },
  { name: "port out of range", in: "a:70000", want: null },
];
for (const c of splits) {
  test(`splitHostPort: ${c.name}`, () => {
    if (c.want === null) assert.throws(() => splitHostPort(c.in), AddressError);
    else assert.deepEqual(splitHostPort(c.in), c.want);
  });
}

test("joinHostPort brackets IPv6", () => {
  assert.equal(joinHostPort("::1", 1), "[::1]:1");
  assert.equal(joinHostPort("a.b", 2), "a.b:2");
});

const privates = [
  { ip: "10.0.0.1", want: true },
  { ip: "172.16.0.1", want: true },
  { ip: "172.32.0.1", want: false },
  { ip: "192.168.1.1", want: true },
  { ip: "100.64.0.1", want: true },
  { ip: "8.8.8.8", want: false },
  { ip: "fd00::1", want: true },
  { ip: "2001:db8::1", want: false },
];
for (const c of privates) test(`isPrivateIP ${c.ip}`, () => assert.equal(isPrivateIP(c.ip), c.want));

test("advertise address: explicit, then a specific listen host with the bound port", () => {
  const warnings: string[] = [];
  const warn = (m: string): void => void warnings.push(m);
  assert.equal(advertiseAddress("10.9.9.9:7946", "0.0.0.0", 9094, warn), "10.9.9.9:7946");
  assert.equal(advertiseAddress("", "127.0.0.1", 40001, warn), "127.0.0.1:40001");
  const derived = splitHostPort(advertiseAddress("", "0.0.0.0", 9094, warn));
  assert.equal(derived.port, 9094);
  assert.notEqual(derived.host, "0.0.0.0");
  assert.throws(() => advertiseAddress("10.9.9.9", "", 1, warn), AddressError);
});

test("resolvePeers keeps IPs, resolves names and reports the ones that do not resolve", async () => {
  const failed: string[] = [];
  const got = await resolvePeers(
    ["10.0.0.1:9094", "am-0.am:9094", "am-1.am:9094", "nope"],
    async (h) => {
      if (h === "am-0.am") return ["10.0.0.5", "10.0.0.6"];
      throw Object.assign(new Error(`lookup ${h}: no such host`), { code: "ENOTFOUND" });
    },
    (p) => void failed.push(p),
  );
  assert.deepEqual(got, ["10.0.0.1:9094", "10.0.0.5:9094", "10.0.0.6:9094"]);
  assert.deepEqual(failed.sort(), ["am-1.am:9094", "nope"]);
});
