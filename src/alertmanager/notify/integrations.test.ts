import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Labels } from "../../model/index.ts";
import { loadConfig } from "../config/index.ts";
import { NotificationTemplate } from "../template/index.ts";
import { newAlert } from "../types/index.ts";
import { buildReceiverIntegrations, hashKey, truncateInRunes } from "./index.ts";
import type { NotifyContext } from "./index.ts";

const T0 = Date.UTC(2024, 4, 1, 12);
const GK = '{}:{alertname="Down"}';
const alerts = [
  newAlert({ labels: Labels.fromObject({ alertname: "Down", instance: "a" }), annotations: Labels.fromObject({ summary: "s" }), startsAt: T0, endsAt: 0, generatorURL: "http://g", updatedAt: T0, timeout: false }),
];

interface Got {
  path: string;
  auth: string;
  type: string;
  body: string;
}

const cases: ReadonlyArray<{ name: string; yaml: (u: string) => string; check: (g: Got) => void }> = [
  {
    name: "slack",
    yaml: (u) => `slack_configs: [{api_url: '${u}/slack', channel: '#ops', fields: [{title: t, value: '{{ .Status }}'}]}]`,
    check: (g) => {
      assert.equal(g.path, "/slack");
      const b = JSON.parse(g.body) as Record<string, unknown>;
      assert.equal(b["channel"], "#ops");
      assert.equal(b["username"], "Alertmanager");
      const att = (b["attachments"] as Array<Record<string, unknown>>)[0]!;
      assert.deepEqual(att, {
        title: "[FIRING:1] Down (a)",
        title_link: "http://am/#/alerts?receiver=r",
        text: "",
        fallback: "[FIRING:1] Down (a) | http://am/#/alerts?receiver=r",
        callback_id: "",
        fields: [{ title: "t", value: "firing", short: false }],
        footer: "",
        color: "danger",
        mrkdwn_in: ["fallback", "pretext", "text"],
      });
    },
  },
  {
    name: "pagerduty events v2",
    yaml: (u) => `pagerduty_configs: [{routing_key: rk, url: '${u}/pd', severity: critical}]`,
    check: (g) => {
      const b = JSON.parse(g.body) as Record<string, unknown>;
      assert.equal(b["routing_key"], "rk");
      assert.equal(b["dedup_key"], hashKey(GK));
      assert.equal(b["event_action"], "trigger");
      assert.equal(b["client"], "Alertmanager");
      assert.equal(b["client_url"], "http://am/#/alerts?receiver=r");
      const p = b["payload"] as Record<string, unknown>;
      assert.equal(p["summary"], "[FIRING:1] Down (a)");
      assert.equal(p["source"], "Alertmanager");
      assert.equal(p["severity"], "critical");
      assert.deepEqual(Object.keys(p["custom_details"] as object), ["firing", "num_firing", "num_resolved", "resolved"]);
      assert.equal((p["custom_details"] as Record<string, string>)["num_firing"], "1");
    },
  },
  {
    name: "opsgenie create",
    yaml: (u) => `opsgenie_configs: [{api_key: k, api_url: '${u}/og/', tags: 'a, b', priority: P1}]`,
    check: (g) => {
      assert.equal(g.path, "/og/v2/alerts");
      assert.equal(g.auth, "GenieKey k");
      const b = JSON.parse(g.body) as Record<string, unknown>;
      assert.equal(b["alias"], hashKey(GK));
      assert.equal(b["message"], "[FIRING:1] Down (a)");
      assert.deepEqual(b["tags"], ["a", "b"]);
      assert.equal(b["priority"], "P1");
      assert.equal(b["source"], "http://am/#/alerts?receiver=r");
    },
  },
  {
    name: "victorops",
    yaml: (u) => `victorops_configs: [{api_key: key, api_url: '${u}/vo/', routing_key: team}]`,
    check: (g) => {
      assert.equal(g.path, "/vo/key/team");
      const b = JSON.parse(g.body) as Record<string, unknown>;
      assert.equal(b["message_type"], "CRITICAL");
      assert.equal(b["entity_id"], hashKey(GK));
      assert.equal(b["entity_display_name"], "[FIRING:1] Down (a)");
      assert.equal(b["monitoring_tool"], "Alertmanager");
    },
  },
  {
    name: "pushover form",
    yaml: () => `pushover_configs: [{user_key: u, token: t}]`,
    check: (g) => {
      assert.equal(g.type, "application/x-www-form-urlencoded");
      const p = new URLSearchParams(g.body);
      assert.deepEqual([p.get("token"), p.get("user"), p.get("title"), p.get("priority"), p.get("retry"), p.get("expire")], ["t", "u", "[FIRING:1] Down (a)", "2", "60", "3600"]);
    },
  },
  {
    name: "telegram",
    yaml: (u) => `telegram_configs: [{bot_token: tok, chat_id: 42, api_url: '${u}'}]`,
    check: (g) => {
      assert.equal(g.path, "/bottok/sendMessage");
      const b = JSON.parse(g.body) as Record<string, unknown>;
      assert.equal(b["chat_id"], 42);
      assert.equal(b["parse_mode"], "HTML");
      assert.match(String(b["text"]), /Alerts Firing:\nLabels:\n - alertname = Down/);
    },
  },
  {
    name: "discord",
    yaml: (u) => `discord_configs: [{webhook_url: '${u}/dc'}]`,
    check: (g) => {
      const b = JSON.parse(g.body) as { embeds: Array<Record<string, unknown>> };
      assert.equal(b.embeds[0]!["title"], "[FIRING:1] Down (a)");
      assert.equal(b.embeds[0]!["color"], 0x992d22);
    },
  },
  {
    name: "webex",
    yaml: (u) => `webex_configs: [{api_url: '${u}/wx', room_id: room, http_config: {authorization: {credentials: secret}}}]`,
    check: (g) => {
      assert.equal(g.auth, "Bearer secret");
      const b = JSON.parse(g.body) as Record<string, unknown>;
      assert.equal(b["roomId"], "room");
      assert.match(String(b["markdown"]), /^s\n\nAlerts Firing:/);
    },
  },
  {
    name: "msteams connector card",
    yaml: (u) => `msteams_configs: [{webhook_url: '${u}/teams'}]`,
    check: (g) => {
      const b = JSON.parse(g.body) as Record<string, unknown>;
      assert.deepEqual([b["@context"], b["type"], b["title"], b["themeColor"]], ["http://schema.org/extensions", "MessageCard", "[FIRING:1] Down (a)", "8C1A1A"]);
    },
  },
  {
    name: "msteamsv2 adaptive card",
    yaml: (u) => `msteamsv2_configs: [{webhook_url: '${u}/teams2'}]`,
    check: (g) => {
      const b = JSON.parse(g.body) as { type: string; attachments: Array<{ contentType: string; content: { type: string; version: string; body: Array<Record<string, unknown>> } }> };
      assert.equal(b.type, "message");
      assert.equal(b.attachments[0]!.contentType, "application/vnd.microsoft.card.adaptive");
      assert.equal(b.attachments[0]!.content.version, "1.2");
      assert.deepEqual(b.attachments[0]!.content.body[0], { type: "TextBlock", text: "[FIRING:1] Down (a)", weight: "Bolder", size: "Medium", wrap: true, style: "heading", color: "Attention" });
    },
  },
];

for (const c of cases) {
  test(`integration payload: ${c.name}`, async () => {
    const got: Got[] = [];
    const srv = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        got.push({ path: req.url ?? "", auth: req.headers.authorization ?? "", type: req.headers["content-type"] ?? "", body });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const cfg = loadConfig(`route: {receiver: r}\nreceivers:\n- name: r\n  ${c.yaml(url)}\n`);
      const tmpl = new NotificationTemplate({ externalURL: "http://am" });
      const [integration] = buildReceiverIntegrations(cfg.receivers[0]!, { tmpl, pushoverURL: `${url}/po` });
      const ctx: NotifyContext = {
        now: T0 + 1000,
        groupKey: GK,
        groupLabels: Labels.fromObject({ alertname: "Down" }),
        receiver: "r",
        repeatIntervalMs: 1,
        muteTimeIntervals: [],
        activeTimeIntervals: [],
        routeID: "{}",
        signal: new AbortController().signal,
        firingAlerts: null,
        resolvedAlerts: null,
      };
      await integration!.notifier.notify(ctx, alerts);
      assert.equal(got.length, 1);
      c.check(got[0]!);
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
}

test("truncateInRunes ends a cut text with an ellipsis", () => {
  assert.deepEqual(truncateInRunes("héllo", 3), { text: "hé…", truncated: true });
  assert.deepEqual(truncateInRunes("hé", 3), { text: "hé", truncated: false });
});
