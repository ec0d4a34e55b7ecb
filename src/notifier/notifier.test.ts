import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../config/index.ts";
import { fromStaticGroup } from "../discovery/index.ts";
import { Labels } from "../model/index.ts";
import { Notifier, type NotifierAlert } from "./index.ts";

interface Received {
  path: string;
  body: Array<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string }>;
}

async function receiver(status = 200): Promise<{ server: Server; port: number; got: Received[]; next: () => Promise<Received> }> {
  const got: Received[] = [];
  let waiter: ((r: Received) => void) | null = null;
  const server = createServer(async (req: IncomingMessage, res) => {
    let data = "";
    for await (const c of req) data += c;
    const r = { path: req.url ?? "", body: JSON.parse(data) as Received["body"] };
    got.push(r);
    res.statusCode = status;
    res.end();
    waiter?.(r);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const next = () => new Promise<Received>((r) => (waiter = r));
  return { server, port, got, next };
}

function alert(name: string, extra: Record<string, string> = {}): NotifierAlert {
  return {
    labels: Labels.fromObject({ alertname: name, ...extra }),
    annotations: Labels.fromObject({ summary: `${name} is firing` }),
    startsAt: Date.UTC(2026, 0, 1, 0, 0, 0),
    endsAt: Date.UTC(2026, 0, 1, 0, 4, 0),
    generatorURL: "http://prom:9090/graph?g0.expr=up",
  };
}

function configFor(port: number, extra = ""): ReturnType<typeof loadConfig> {
  return loadConfig(
    `global:\n  external_labels:\n    replica: r1\n    team: ops\nalerting:\n  alert_relabel_configs:\n    - source_labels: [drop]\n      regex: "yes"\n      action: drop\n  alertmanagers:\n    - path_prefix: /am\n      static_configs:\n        - targets: ["127.0.0.1:${port}"]\n${extra}`,
    "prometheus.yml",
  );
}

function syncStatic(n: Notifier, cfg: ReturnType<typeof loadConfig>): void {
  const sets: Record<string, ReturnType<typeof fromStaticGroup>[]> = {};
  cfg.alerting.alertmanagers.forEach((am, i) => {
    sets[`config-${i}`] = am.serviceDiscoveryConfigs.flatMap((sd) => ("groups" in sd && sd.mechanism === "static" ? sd.groups.map(fromStaticGroup) : []));
  });
  n.sync(sets);
}

test("notifier posts alerts with external labels to the API v2 path, dropping relabelled ones", async () => {
  const r = await receiver();
  const n = new Notifier();
  const cfg = configFor(r.port);
  n.applyConfig(cfg);
  syncStatic(n, cfg);
  assert.deepEqual(n.alertmanagers(), { active: [`http://127.0.0.1:${r.port}/am/api/v2/alerts`], dropped: [] });
  n.start();
  const got = r.next();
  n.send([alert("A", { team: "dev" }), alert("B", { drop: "yes" })]);
  const req = await got;
  await n.stop();
  r.server.close();
  assert.equal(req.path, "/am/api/v2/alerts");
  assert.deepEqual(req.body, [
    {
      annotations: { summary: "A is firing" },
      endsAt: "2026-01-01T00:04:00.000Z",
      startsAt: "2026-01-01T00:00:00.000Z",
      generatorURL: "http://prom:9090/graph?g0.expr=up",
      labels: { alertname: "A", replica: "r1", team: "dev" },
    },
  ]);
});

test("notifier drops the oldest alerts when the queue is full", () => {
  const n = new Notifier({ queueCapacity: 3 });
  n.applyConfig(loadConfig("global: {}\n", "p.yml"));
  n.send([alert("1"), alert("2")]);
  n.send([alert("3"), alert("4")]);
  assert.equal(n.queueLength, 3);
});

test("an Alertmanager answering 500 counts errors and does not stop the loop", async () => {
  const bad = await receiver(500);
  const n = new Notifier();
  const cfg = configFor(bad.port);
  n.applyConfig(cfg);
  syncStatic(n, cfg);
  n.start();
  const first = bad.next();
  n.send([alert("A")]);
  await first;
  const second = bad.next();
  n.send([alert("B")]);
  await second;
  await n.stop();
  bad.server.close();
  assert.equal(bad.got.length, 2);
});
