import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { commandAvailable, devStackSpecs } from "./index.ts";

const cli = { command: "/usr/bin/node", args: ["/repo/bin/promstack"] };

const cases = [
  {
    name: "the guide's stack: server flags, Alertmanager as a single peer, node exporter defaults",
    config: { cli, configDir: "/repo/config", dataDir: "/repo/data", portOffset: 0, alertmanager: true },
    want: [
      {
        name: "prometheus",
        args: [
          "/repo/bin/promstack",
          "prometheus",
          "--config.file=/repo/config/prometheus/prometheus.yml",
          "--storage.tsdb.path=/repo/data/prometheus",
          "--storage.tsdb.retention.time=7d",
          "--web.enable-lifecycle",
          "--web.listen-address=0.0.0.0:9090",
        ],
        readyUrl: "http://127.0.0.1:9090/-/ready",
      },
      {
        name: "alertmanager",
        args: [
          "/repo/bin/promstack",
          "alertmanager",
          "--config.file=/repo/config/alertmanager/alertmanager.yml",
          "--storage.path=/repo/data/alertmanager",
          "--cluster.listen-address=",
          "--web.listen-address=:9093",
        ],
        readyUrl: "http://127.0.0.1:9093/-/ready",
      },
      { name: "node-exporter", args: ["/repo/bin/promstack", "node-exporter", "--web.listen-address=:9100"], readyUrl: "http://127.0.0.1:9100/" },
    ],
  },
  {
    name: "a port offset shifts every port; relative directories become absolute",
    config: { cli, configDir: "cfg", dataDir: "d", portOffset: 1000, alertmanager: false },
    want: [
      {
        name: "prometheus",
        args: [
          "/repo/bin/promstack",
          "prometheus",
          `--config.file=${resolve("cfg/prometheus/prometheus.yml")}`,
          `--storage.tsdb.path=${resolve("d/prometheus")}`,
          "--storage.tsdb.retention.time=7d",
          "--web.enable-lifecycle",
          "--web.listen-address=0.0.0.0:10090",
        ],
        readyUrl: "http://127.0.0.1:10090/-/ready",
      },
      { name: "node-exporter", args: ["/repo/bin/promstack", "node-exporter", "--web.listen-address=:10100"], readyUrl: "http://127.0.0.1:10100/" },
    ],
  },
];

for (const c of cases) {
  test(`devStackSpecs: ${c.name}`, () => {
    const got = devStackSpecs(c.config);
    assert.deepEqual(
      got.map((s) => ({ name: s.name, args: s.args, readyUrl: s.readyUrl })),
      c.want,
    );
    for (const s of got) assert.equal(s.command, "/usr/bin/node");
  });
}

test("commandAvailable: exit code 0 of `<cli> <name> --version` means available", async () => {
  const node = { command: process.execPath, args: ["-e", "process.exit(process.argv[1] === 'there' ? 0 : 1)"] };
  assert.equal(await commandAvailable(node, "there"), true);
  assert.equal(await commandAvailable(node, "missing"), false);
  assert.equal(await commandAvailable({ command: "/nonexistent/promstack", args: [] }, "up"), false);
});
