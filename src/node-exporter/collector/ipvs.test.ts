import { test } from "node:test";
import assert from "node:assert/strict";
import { parseIPPort, parseIPVSBackends, parseIPVSLabels } from "./ipvs.ts";

const addresses = [
  { name: "IPv4", input: "C0A80016:0CEA", want: { address: "192.168.0.22", port: 3306 } },
  { name: "IPv6 with a zero run", input: "[2620:0000:0abc:0000:0000:0000:0000:0001]:0050", want: { address: "2620:0:abc::1", port: 80 } },
  { name: "IPv6 first zero run wins a tie", input: "[2001:0db8:0000:0000:0001:0000:0000:0001]:01BB", want: { address: "2001:db8::1:0:0:1", port: 443 } },
  { name: "IPv6 single zero group stays", input: "[2001:0db8:0000:0001:0001:0001:0001:0001]:0050", want: { address: "2001:db8:0:1:1:1:1:1", port: 80 } },
  { name: "IPv4-mapped IPv6 as dotted quad", input: "[0000:0000:0000:0000:0000:ffff:c0a8:0001]:0050", want: { address: "192.168.0.1", port: 80 } },
];
for (const c of addresses) test(`ipvs address: ${c.name}`, () => assert.deepEqual(parseIPPort(c.input), c.want));

test("ipvs: FWM services have a mark and no local address", () => {
  const text = "IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\nFWM  10001000 wlc\n  -> C0A8321A:0CEA      Tunnel  20     64         1\n";
  assert.deepEqual(parseIPVSBackends(text), [
    { localAddress: "", localPort: 0, localMark: "10001000", proto: "FWM", remoteAddress: "192.168.50.26", remotePort: 3306, weight: 20, activeConn: 64, inactConn: 1 },
  ]);
});

const labels = [
  { name: "keeps upstream order", input: "proto,local_address", want: ["local_address", "proto"] },
  { name: "empty keeps none", input: "", want: [] },
];
for (const c of labels) test(`ipvs labels: ${c.name}`, () => assert.deepEqual(parseIPVSLabels(c.input), c.want));
test("ipvs labels: unknown ones are named", () => assert.throws(() => parseIPVSLabels("proto,zz,aa"), /unknown IPVS backend labels: "aa, zz"/));
