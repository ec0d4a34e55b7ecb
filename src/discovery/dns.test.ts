import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import type { AddressInfo } from "node:net";
import type { DNSSDConfig } from "../config/index.ts";
import { VirtualClock, nopLogger } from "../util/index.ts";
import { DNSDiscoverer, nameList, parseResolvConf } from "./dns.ts";
import type { ResolvConf } from "./dns.ts";
import { DiscoveryMetrics } from "./index.ts";
import type { TargetGroup } from "./index.ts";

// ---- a tiny authoritative DNS server on UDP -------------------------------------

type RR = { type: "A"; ip: string } | { type: "AAAA"; ip: string } | { type: "SRV"; port: number; target: string } | { type: "MX"; pref: number; host: string } | { type: "NS"; host: string };
const TYPES = { A: 1, NS: 2, MX: 15, AAAA: 28, SRV: 33 } as const;

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, "").split(".").filter((p) => p !== "");
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p)])), Buffer.from([0])]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function rdata(rr: RR): Buffer {
  switch (rr.type) {
    case "A":
      return Buffer.from(rr.ip.split(".").map(Number));
    case "AAAA": {
      // Expand "::" and write eight 16-bit groups.
      const [head, tail] = rr.ip.split("::") as [string, string | undefined];
      const h = head === "" ? [] : head.split(":");
      const t = tail === undefined || tail === "" ? [] : tail.split(":");
      const groups = [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
      return Buffer.concat(groups.map((g) => u16(parseInt(g, 16))));
    }
    case "SRV":
      return Buffer.concat([u16(10), u16(5), u16(rr.port), encodeName(rr.target)]);
    case "MX":
      return Buffer.concat([u16(rr.pref), encodeName(rr.host)]);
    case "NS":
      return encodeName(rr.host);
  }
}

/**
 * Answers queries from `zone` (name -> records); a name missing from the zone
 * is NXDOMAIN, a name in `servfail` gets SERVFAIL. Returns the "host:port" to
 * point a Resolver at, and the names asked.
 */
async function dnsServer(zone: Record<string, RR[]>, servfail: string[] = []) {
  const sock = createSocket("udp4");
  const asked: string[] = [];
  sock.on("message", (q, rinfo) => {
    let off = 12;
    const labels: string[] = [];
    while (q[off]! !== 0) {
      labels.push(q.subarray(off + 1, off + 1 + q[off]!).toString());
      off += q[off]! + 1;
    }
    const qname = labels.join(".").toLowerCase();
    const qtype = q.readUInt16BE(off + 1);
    const question = q.subarray(12, off + 5);
    asked.push(qname);
    const records = zone[qname];
    const answers = (records ?? []).filter((r) => TYPES[r.type] === qtype);
    const rcode = servfail.includes(qname) ? 2 : records === undefined ? 3 : 0;
    const header = Buffer.concat([q.subarray(0, 2), u16(0x8180 | 0x0400 | rcode), u16(1), u16(rcode === 0 ? answers.length : 0), u16(0), u16(0)]);
    const body = rcode !== 0 ? [] : answers.map((rr) => {
      const rd = rdata(rr);
      return Buffer.concat([u16(0xc00c), u16(TYPES[rr.type]), u16(1), Buffer.from([0, 0, 0, 30]), u16(rd.length), rd]);
    });
    sock.send(Buffer.concat([header, question, ...body]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  return { server: `127.0.0.1:${(sock.address() as AddressInfo).port}`, asked, close: () => sock.close() };
}

// ---- tests ----------------------------------------------------------------------

const zone: Record<string, RR[]> = {
  "_prom._tcp.example.test": [
    { type: "SRV", port: 9100, target: "n1.example.test" },
    { type: "SRV", port: 9101, target: "n2.example.test" },
  ],
  "am.example.test": [
    { type: "A", ip: "10.0.0.1" },
    { type: "A", ip: "10.0.0.2" },
    { type: "AAAA", ip: "fd00::1" },
  ],
  "mail.example.test": [{ type: "MX", pref: 10, host: "mx1.example.test" }],
  "zone.example.test": [{ type: "NS", host: "ns1.example.test" }],
  "web.search.test": [{ type: "A", ip: "10.0.0.9" }],
  "empty.example.test": [],
};

function discoverer(server: string, cfg: Partial<DNSSDConfig>, conf: ResolvConf = { search: [], ndots: 1 }) {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([server]);
  const metrics = new DiscoveryMetrics();
  const full: DNSSDConfig = { mechanism: "dns", names: [], refreshIntervalMs: 30_000, type: "SRV", port: 0, ...cfg };
  return { d: new DNSDiscoverer(full, { logger: nopLogger, clock: new VirtualClock(0), metrics, setName: "job" }, resolver, conf), metrics };
}

function plain(gs: TargetGroup[]): unknown {
  return gs.map((g) => ({ source: g.source, targets: g.targets.map((t) => t.toObject()) }));
}

const cases = [
  {
    name: "SRV records give host:port targets and the record labels",
    cfg: { names: ["_prom._tcp.example.test"], type: "SRV" },
    want: [
      {
        source: "_prom._tcp.example.test",
        targets: [
          { __address__: "n1.example.test:9100", __meta_dns_name: "_prom._tcp.example.test", __meta_dns_srv_record_port: "9100", __meta_dns_srv_record_target: "n1.example.test." },
          { __address__: "n2.example.test:9101", __meta_dns_name: "_prom._tcp.example.test", __meta_dns_srv_record_port: "9101", __meta_dns_srv_record_target: "n2.example.test." },
        ],
      },
    ],
  },
  {
    name: "A records use the configured port",
    cfg: { names: ["am.example.test"], type: "A", port: 9093 },
    want: [
      {
        source: "am.example.test",
        targets: [
          { __address__: "10.0.0.1:9093", __meta_dns_name: "am.example.test" },
          { __address__: "10.0.0.2:9093", __meta_dns_name: "am.example.test" },
        ],
      },
    ],
  },
  {
    name: "AAAA records are bracketed",
    cfg: { names: ["am.example.test"], type: "AAAA", port: 9093 },
    want: [{ source: "am.example.test", targets: [{ __address__: "[fd00::1]:9093", __meta_dns_name: "am.example.test" }] }],
  },
  {
    name: "MX records",
    cfg: { names: ["mail.example.test"], type: "MX", port: 25 },
    want: [{ source: "mail.example.test", targets: [{ __address__: "mx1.example.test:25", __meta_dns_mx_record_target: "mx1.example.test.", __meta_dns_name: "mail.example.test" }] }],
  },
  {
    name: "NS records",
    cfg: { names: ["zone.example.test"], type: "NS", port: 53 },
    want: [{ source: "zone.example.test", targets: [{ __address__: "ns1.example.test:53", __meta_dns_name: "zone.example.test", __meta_dns_ns_record_target: "ns1.example.test." }] }],
  },
  {
    name: "a name that does not exist, or has no such records, has no targets",
    cfg: { names: ["missing.example.test", "empty.example.test"], type: "A", port: 80 },
    want: [
      { source: "missing.example.test", targets: [] },
      { source: "empty.example.test", targets: [] },
    ],
  },
];

for (const c of cases) {
  test(`dns_sd: ${c.name}`, async (t) => {
    const srv = await dnsServer(zone);
    t.after(() => srv.close());
    const { d, metrics } = discoverer(srv.server, c.cfg);
    assert.deepEqual(plain(await d.refresh(new AbortController().signal)), c.want);
    assert.equal(metrics.value("prometheus_sd_dns_lookups_total"), c.cfg.names.length);
    assert.equal(metrics.value("prometheus_sd_dns_lookup_failures_total"), 0);
  });
}

test("dns_sd: relative names go through the search path", async (t) => {
  const srv = await dnsServer(zone);
  t.after(() => srv.close());
  const { d } = discoverer(srv.server, { names: ["web"], type: "A", port: 80 }, { search: ["nowhere.test", "search.test"], ndots: 1 });
  assert.deepEqual(plain(await d.refresh(new AbortController().signal)), [{ source: "web", targets: [{ __address__: "10.0.0.9:80", __meta_dns_name: "web" }] }]);
  assert.deepEqual(srv.asked, ["web.nowhere.test", "web.search.test"]);
});

test("dns_sd: a failing name is left out (its old targets stay) and counted", async (t) => {
  const srv = await dnsServer(zone, ["broken.example.test"]);
  t.after(() => srv.close());
  const { d, metrics } = discoverer(srv.server, { names: ["broken.example.test", "am.example.test"], type: "A", port: 1 });
  const got = await d.refresh(new AbortController().signal);
  assert.deepEqual(got.map((g) => g.source), ["am.example.test"]);
  assert.equal(metrics.value("prometheus_sd_dns_lookup_failures_total"), 1);
});

test("dns_sd: resolv.conf parsing and the name list", () => {
  const conf = parseResolvConf("# k8s\nnameserver 10.96.0.10\nsearch ns.svc.cluster.local svc.cluster.local\noptions ndots:5 timeout:2\n");
  assert.deepEqual(conf, { search: ["ns.svc.cluster.local", "svc.cluster.local"], ndots: 5 });
  assert.deepEqual(nameList("am", conf), ["am.ns.svc.cluster.local.", "am.svc.cluster.local.", "am."]);
  assert.deepEqual(nameList("a.b.c.d.e.f", conf), ["a.b.c.d.e.f.", "a.b.c.d.e.f.ns.svc.cluster.local.", "a.b.c.d.e.f.svc.cluster.local."]);
  assert.deepEqual(nameList("rooted.", conf), ["rooted."]);
});
