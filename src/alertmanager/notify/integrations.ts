/**
 * Receiver integrations with upstream's payloads (notify/<name>/<name>.go):
 * webhook, email (email.ts), Slack, PagerDuty (events v2), Opsgenie, VictorOps, Pushover,
 * Telegram, Discord, Webex, Microsoft Teams (connector cards and v2
 * Adaptive Cards). Config fields are rendered with the notification
 * templates against the notification's data.
 */

import { createHash } from "node:crypto";
import type { ReceiverConfig } from "../config/index.ts";
import { DEFAULT_PAGERDUTY_DETAILS } from "../config/index.ts";
import type {
  DiscordConfig,
  MSTeamsConfig,
  MSTeamsV2Config,
  OpsGenieConfig,
  PagerdutyConfig,
  PushoverConfig,
  SlackConfig,
  TelegramConfig,
  VictorOpsConfig,
  WebexConfig,
  WebhookConfig,
} from "../config/index.ts";
import { goJSON, templateDataJSON } from "../template/index.ts";
import type { NotificationTemplate, TemplateData } from "../template/index.ts";
import { alertsStatusAt } from "../types/index.ts";
import type { Alert } from "../types/index.ts";
import type { Logger } from "../../util/index.ts";
import { nopLogger } from "../../util/index.ts";
import { HTTPClient, checkResponse, postJSON, readSecret, readURLSecret } from "./http.ts";
import { EmailNotifier } from "./email.ts";
import { Integration, NotifyError } from "./notify.ts";
import type { Notifier, NotifyContext } from "./notify.ts";

/** sha256 hex of the group key: upstream's dedup key / alias / entity id (notify.hashKey). */
export function hashKey(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** Truncates to n runes, ending with "…" when cut (upstream notify.TruncateInRunes). */
export function truncateInRunes(s: string, n: number): { text: string; truncated: boolean } {
  const r = [...s];
  if (r.length <= n) return { text: s, truncated: false };
  return { text: n <= 1 ? r.slice(0, n).join("") : r.slice(0, n - 1).join("") + "…", truncated: true };
}

/** Truncates to n UTF-8 bytes, ending with "…" when cut (upstream notify.TruncateInBytes). */
export function truncateInBytes(s: string, n: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(s) <= n) return { text: s, truncated: false };
  let out = "";
  let size = 0;
  const limit = n - Buffer.byteLength("…");
  for (const c of s) {
    const b = Buffer.byteLength(c);
    if (size + b > limit) break;
    out += c;
    size += b;
  }
  return { text: out + "…", truncated: true };
}

/** Renders config fields of one notification; the first error is kept and thrown by check(). */
class Renderer {
  readonly #tmpl: NotificationTemplate;
  readonly data: TemplateData;
  constructor(tmpl: NotificationTemplate, data: TemplateData) {
    this.#tmpl = tmpl;
    this.data = data;
  }
  async text(s: string): Promise<string> {
    try {
      return await this.#tmpl.executeText(s, this.data);
    } catch (e) {
      throw new NotifyError(`template error: ${(e as Error).message}`, false);
    }
  }
  async html(s: string): Promise<string> {
    try {
      return await this.#tmpl.executeHTML(s, this.data);
    } catch (e) {
      throw new NotifyError(`template error: ${(e as Error).message}`, false);
    }
  }
}

/** Options for building integrations. */
export interface IntegrationOptions {
  readonly tmpl: NotificationTemplate;
  readonly logger?: Logger;
  /** Endpoints without a config field (Pushover's API); tests point them at local servers. */
  readonly pushoverURL?: string;
}

function renderer(o: IntegrationOptions, ctx: NotifyContext, alerts: readonly Alert[]): Renderer {
  return new Renderer(o.tmpl, o.tmpl.data(ctx.receiver, ctx.groupLabels, alerts, ctx.now));
}

/** webhook: the template data plus version "4", the group key and the count of alerts cut by max_alerts. */
class WebhookNotifier implements Notifier {
  readonly #c: WebhookConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: WebhookConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const max = this.#c.maxAlerts;
    const sent = max > 0 && alerts.length > max ? alerts.slice(0, max) : alerts;
    const r = renderer(this.#o, ctx, sent);
    const msg = { ...templateDataJSON(r.data), version: "4", groupKey: ctx.groupKey, truncatedAlerts: alerts.length - sent.length };
    let url = readURLSecret(this.#c.url, this.#c.urlFile);
    if (url.includes("{{")) url = (await r.text(url)).trim();
    await postJSON(this.#client, url, goJSON(msg) + "\n", withTimeout(ctx.signal, this.#c.timeout));
  }
}

function withTimeout(signal: AbortSignal, ms: number): AbortSignal {
  return ms > 0 ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : signal;
}

/** Slack: an incoming-webhook (or chat.postMessage) message with one attachment. */
class SlackNotifier implements Notifier {
  readonly #c: SlackConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: SlackConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.#c;
    const r = renderer(this.#o, ctx, alerts);
    const title = truncateInRunes(await r.text(c.title), 1024).text;
    const att: Record<string, unknown> = {};
    const put = (k: string, v: unknown, always = false): void => {
      if (always || (v !== "" && v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))) att[k] = v;
    };
    put("title", title);
    put("title_link", await r.text(c.titleLink));
    put("pretext", await r.text(c.pretext));
    put("text", await r.text(c.text), true);
    put("fallback", await r.text(c.fallback), true);
    put("callback_id", await r.text(c.callbackId), true);
    const fields: Array<Record<string, unknown>> = [];
    for (const f of c.fields ?? []) {
      fields.push({ title: await r.text(f.title), value: await r.text(f.value), short: f.short ?? c.shortFields });
    }
    put("fields", fields);
    const actions: Array<Record<string, unknown>> = [];
    for (const a of c.actions ?? []) {
      const act: Record<string, unknown> = { type: await r.text(a.type), text: await r.text(a.text) };
      for (const [k, v] of [["url", a.url], ["style", a.style], ["name", a.name], ["value", a.value]] as const) {
        const s = await r.text(v);
        if (s !== "") act[k] = s;
      }
      if (a.confirm !== null) {
        act["confirm"] = {
          text: await r.text(a.confirm.text),
          ...(a.confirm.title !== "" ? { title: await r.text(a.confirm.title) } : {}),
          ...(a.confirm.okText !== "" ? { ok_text: await r.text(a.confirm.okText) } : {}),
          ...(a.confirm.dismissText !== "" ? { dismiss_text: await r.text(a.confirm.dismissText) } : {}),
        };
      }
      actions.push(act);
    }
    put("actions", actions);
    put("image_url", await r.text(c.imageUrl));
    put("thumb_url", await r.text(c.thumbUrl));
    put("footer", await r.text(c.footer), true);
    put("color", await r.text(c.color));
    put("mrkdwn_in", c.mrkdwnIn !== null && c.mrkdwnIn.length > 0 ? c.mrkdwnIn : ["fallback", "pretext", "text"]);
    const req: Record<string, unknown> = {};
    const setReq = (k: string, v: unknown): void => {
      if (v !== "" && v !== false) req[k] = v;
    };
    setReq("channel", await r.text(c.channel));
    setReq("username", await r.text(c.username));
    setReq("icon_emoji", await r.text(c.iconEmoji));
    setReq("icon_url", await r.text(c.iconUrl));
    setReq("link_names", c.linkNames);
    setReq("text", await r.text(c.messageText));
    req["attachments"] = [att];
    const url = readURLSecret(c.apiUrl, c.apiUrlFile);
    const res = await postJSON(this.#client, url, goJSON(req), withTimeout(ctx.signal, c.timeout));
    // chat.postMessage answers 200 with {"ok": false, "error": "..."} on failure.
    if (res.body.trimStart().startsWith("{")) {
      const j = JSON.parse(res.body) as { ok?: boolean; error?: string };
      if (j.ok === false) throw new NotifyError(`error response from Slack: ${j.error ?? "unknown"}`, false);
    }
  }
}

/** PagerDuty events API v2: trigger or resolve the incident keyed by the group key's hash. */
class PagerdutyNotifier implements Notifier {
  readonly #c: PagerdutyConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: PagerdutyConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.#c;
    const r = renderer(this.#o, ctx, alerts);
    const status = alertsStatusAt(alerts, ctx.now);
    const details: Record<string, string> = {};
    const src = new Map<string, unknown>(DEFAULT_PAGERDUTY_DETAILS);
    for (const [k, v] of c.details ?? []) src.set(k, v);
    for (const k of [...src.keys()].sort()) details[k] = await r.text(String(src.get(k) ?? ""));
    const client = await r.text(c.client);
    const source = (await r.text(c.source)) || client;
    const payload: Record<string, unknown> = {
      summary: truncateInRunes(await r.text(c.description), 1024).text,
      source,
      severity: (await r.text(c.severity)) || "error",
    };
    for (const [k, v] of [["class", c.class], ["component", c.component], ["group", c.group]] as const) {
      const s = await r.text(v);
      if (s !== "") payload[k] = s;
    }
    payload["custom_details"] = details;
    const msg: Record<string, unknown> = {
      routing_key: readSecret(c.routingKey, c.routingKeyFile),
      dedup_key: hashKey(ctx.groupKey),
      event_action: status === "firing" ? "trigger" : "resolve",
      payload,
    };
    if (client !== "") msg["client"] = client;
    const clientURL = await r.text(c.clientUrl);
    if (clientURL !== "") msg["client_url"] = clientURL;
    const images: Array<Record<string, string>> = [];
    for (const i of c.images ?? []) {
      const img = { src: await r.text(i.src), alt: await r.text(i.alt), href: await r.text(i.href) };
      if (img.src !== "") images.push(img);
    }
    if (images.length > 0) msg["images"] = images;
    const links: Array<Record<string, string>> = [];
    for (const l of c.links ?? []) {
      const link = { href: await r.text(l.href), text: await r.text(l.text) };
      if (link.href !== "") links.push(link);
    }
    if (links.length > 0) msg["links"] = links;
    await postJSON(this.#client, c.url ?? "", goJSON(msg), withTimeout(ctx.signal, c.timeout));
  }
}

/** Opsgenie alert API: create (firing) or close (resolved) the alert aliased by the group key's hash. */
class OpsGenieNotifier implements Notifier {
  readonly #c: OpsGenieConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: OpsGenieConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.#c;
    const r = renderer(this.#o, ctx, alerts);
    const alias = hashKey(ctx.groupKey);
    const headers = { authorization: `GenieKey ${readSecret(c.apiKey, c.apiKeyFile)}` };
    const base = c.apiUrl ?? "";
    const signal = ctx.signal;
    let url: string;
    let body: Record<string, unknown>;
    if (alertsStatusAt(alerts, ctx.now) === "resolved") {
      url = `${base}v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`;
      body = { source: await r.text(c.source) };
    } else {
      const details: Record<string, string> = {};
      for (const [k, v] of c.details ?? []) details[k] = await r.text(v);
      body = { alias, message: truncateInRunes(await r.text(c.message), 130).text };
      const description = await r.text(c.description);
      if (description !== "") body["description"] = description;
      body["details"] = details;
      body["source"] = await r.text(c.source);
      const responders: Array<Record<string, string>> = [];
      for (const x of c.responders ?? []) {
        const rs: Record<string, string> = {};
        for (const [k, v] of [["id", x.id], ["name", x.name], ["username", x.username]] as const) {
          const s = await r.text(v);
          if (s !== "") rs[k] = s;
        }
        rs["type"] = await r.text(x.type);
        responders.push(rs);
      }
      if (responders.length > 0) body["responders"] = responders;
      const split = (s: string): string[] => s.split(",").map((t) => t.trim()).filter((t) => t !== "");
      const tags = split(await r.text(c.tags));
      if (tags.length > 0) body["tags"] = tags;
      for (const [k, v] of [["note", c.note], ["priority", c.priority], ["entity", c.entity]] as const) {
        const s = await r.text(v);
        if (s !== "") body[k] = s;
      }
      const actions = split(await r.text(c.actions));
      if (actions.length > 0) body["actions"] = actions;
      url = `${base}v2/alerts`;
    }
    const res = await this.#client.post(url, goJSON(body), "application/json", signal, headers);
    const err = checkResponse(res);
    if (err !== null) throw err;
  }
}

/** VictorOps REST endpoint: CRITICAL (or the configured type) while firing, RECOVERY once resolved. */
class VictorOpsNotifier implements Notifier {
  readonly #c: VictorOpsConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: VictorOpsConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.#c;
    const r = renderer(this.#o, ctx, alerts);
    const routingKey = await r.text(c.routingKey);
    const url = `${c.apiUrl ?? ""}${readSecret(c.apiKey, c.apiKeyFile)}/${routingKey}`;
    const resolved = alertsStatusAt(alerts, ctx.now) === "resolved";
    const msg: Record<string, string> = {};
    for (const [k, v] of c.customFields ?? []) msg[k] = await r.text(v);
    msg["message_type"] = resolved ? "RECOVERY" : await r.text(c.messageType);
    msg["entity_id"] = hashKey(ctx.groupKey);
    msg["entity_display_name"] = await r.text(c.entityDisplayName);
    msg["state_message"] = truncateInRunes(await r.text(c.stateMessage), 20480).text;
    msg["monitoring_tool"] = await r.text(c.monitoringTool);
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(msg).sort()) sorted[k] = msg[k]!;
    await postJSON(this.#client, url, goJSON(sorted), ctx.signal);
  }
}

/** Pushover messages API (a form POST). */
class PushoverNotifier implements Notifier {
  readonly #c: PushoverConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: PushoverConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.#c;
    const r = renderer(this.#o, ctx, alerts);
    const p = new URLSearchParams();
    p.set("token", readSecret(c.token, c.tokenFile));
    p.set("user", readSecret(c.userKey, c.userKeyFile));
    p.set("title", truncateInRunes(await r.text(c.title), 250).text);
    const message = truncateInRunes(await r.text(c.message), 1024).text;
    p.set("message", message === "" ? "(no details)" : message);
    if (c.html) p.set("html", "1");
    if (c.monospace) p.set("monospace", "1");
    p.set("url", truncateInRunes(await r.text(c.url), 512).text);
    p.set("url_title", await r.text(c.urlTitle));
    const priority = await r.text(c.priority);
    p.set("priority", priority);
    p.set("retry", String(Math.trunc(c.retry / 1000)));
    p.set("expire", String(Math.trunc(c.expire / 1000)));
    if (c.ttl > 0) p.set("ttl", String(Math.trunc(c.ttl / 1000)));
    p.set("device", await r.text(c.device));
    p.set("sound", await r.text(c.sound));
    const url = this.#o.pushoverURL ?? "https://api.pushover.net/1/messages.json";
    const res = await this.#client.post(url, p.toString(), "application/x-www-form-urlencoded", ctx.signal);
    const err = checkResponse(res);
    if (err !== null) throw err;
  }
}

/** Telegram Bot API sendMessage (HTML templates when parse_mode is HTML). */
class TelegramNotifier implements Notifier {
  readonly #c: TelegramConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: TelegramConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.#c;
    const r = renderer(this.#o, ctx, alerts);
    const text = c.parseMode === "HTML" ? await r.html(c.message) : await r.text(c.message);
    const body: Record<string, unknown> = { chat_id: c.chatId, text: truncateInRunes(text, 4096).text };
    if (c.messageThreadId !== 0) body["message_thread_id"] = c.messageThreadId;
    if (c.parseMode !== "") body["parse_mode"] = c.parseMode;
    if (c.disableNotifications) body["disable_notification"] = true;
    const url = `${(c.apiUrl ?? "").replace(/\/$/, "")}/bot${readSecret(c.botToken, c.botTokenFile)}/sendMessage`;
    const res = await this.#client.post(url, goJSON(body), "application/json", ctx.signal);
    const err = checkResponse(res, (b) => {
      try {
        return (JSON.parse(b) as { description?: string }).description ?? b;
      } catch {
        return b;
      }
    });
    if (err !== null) throw new NotifyError(err.message.replace(new RegExp(`bot[^/]*/`, "g"), "bot<redacted>/"), err.retry, err.reason);
  }
}

const DISCORD_COLORS = { firing: 0x992d22, resolved: 0x2ecc71 } as const;

/** Discord webhook: content plus one embed colored by status. */
class DiscordNotifier implements Notifier {
  readonly #c: DiscordConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: DiscordConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.#c;
    const r = renderer(this.#o, ctx, alerts);
    const status = alertsStatusAt(alerts, ctx.now);
    const body: Record<string, unknown> = {};
    const content = truncateInRunes(await r.text(c.content), 2000).text;
    if (content !== "") body["content"] = content;
    body["embeds"] = [
      {
        title: truncateInRunes(await r.text(c.title), 256).text,
        description: truncateInRunes(await r.text(c.message), 4096).text,
        color: DISCORD_COLORS[status],
      },
    ];
    if (c.username !== "") body["username"] = c.username;
    if (c.avatarUrl !== "") body["avatar_url"] = c.avatarUrl;
    await postJSON(this.#client, readURLSecret(c.webhookUrl, c.webhookUrlFile), goJSON(body), ctx.signal);
  }
}

/** Webex messages API: markdown into a room. */
class WebexNotifier implements Notifier {
  readonly #c: WebexConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: WebexConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const r = renderer(this.#o, ctx, alerts);
    const markdown = truncateInBytes(await r.text(this.#c.message), 7439).text;
    await postJSON(this.#client, this.#c.apiUrl ?? "", goJSON({ markdown, roomId: this.#c.roomId }), ctx.signal);
  }
}

/** Microsoft Teams incoming webhook: a MessageCard (connector) colored by status. */
class MSTeamsNotifier implements Notifier {
  readonly #c: MSTeamsConfig;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: MSTeamsConfig, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const r = renderer(this.#o, ctx, alerts);
    const status = alertsStatusAt(alerts, ctx.now);
    const body = {
      "@context": "http://schema.org/extensions",
      type: "MessageCard",
      title: await r.text(this.#c.title),
      summary: await r.text(this.#c.summary),
      text: await r.text(this.#c.text),
      themeColor: status === "firing" ? "8C1A1A" : "2DC72D",
    };
    await postJSON(this.#client, readURLSecret(this.#c.webhookUrl, this.#c.webhookUrlFile), goJSON(body), ctx.signal);
  }
}

/** Microsoft Teams workflows (msteamsv2): an Adaptive Card with a title and a text block. */
class MSTeamsV2Notifier implements Notifier {
  readonly #c: MSTeamsV2Config;
  readonly #o: IntegrationOptions;
  readonly #client: HTTPClient;
  constructor(c: MSTeamsV2Config, o: IntegrationOptions) {
    this.#c = c;
    this.#o = o;
    this.#client = new HTTPClient(c.httpConfig);
  }
  async notify(ctx: NotifyContext, alerts: readonly Alert[]): Promise<void> {
    const r = renderer(this.#o, ctx, alerts);
    const status = alertsStatusAt(alerts, ctx.now);
    const body = {
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.2",
            body: [
              { type: "TextBlock", text: await r.text(this.#c.title), weight: "Bolder", size: "Medium", wrap: true, style: "heading", color: status === "firing" ? "Attention" : "Good" },
              { type: "TextBlock", text: await r.text(this.#c.text), wrap: true },
            ],
            msteams: { width: "full" },
          },
        },
      ],
    };
    await postJSON(this.#client, readURLSecret(this.#c.webhookUrl, this.#c.webhookUrlFile), goJSON(body), ctx.signal);
  }
}

/** Integration kinds this build cannot send to yet; a receiver using them logs a warning. */
export const UNSUPPORTED_INTEGRATIONS = ["wechatConfigs", "snsConfigs", "jiraConfigs", "rocketchatConfigs", "mattermostConfigs"] as const;

/**
 * The integrations of a receiver (upstream BuildReceiverIntegrations), in
 * upstream's order, each indexed within its kind. Kinds not implemented
 * (UNSUPPORTED_INTEGRATIONS) are skipped with a warning.
 */
export function buildReceiverIntegrations(rc: ReceiverConfig, o: IntegrationOptions): Integration[] {
  const out: Integration[] = [];
  const add = <C extends { sendResolved: boolean }>(name: string, cs: readonly C[], mk: (c: C) => Notifier): void => {
    cs.forEach((c, i) => out.push(new Integration(name, i, rc.name, c.sendResolved, mk(c))));
  };
  add("webhook", rc.webhookConfigs, (c) => new WebhookNotifier(c, o));
  add("email", rc.emailConfigs, (c) => new EmailNotifier(c, o.tmpl));
  add("pagerduty", rc.pagerdutyConfigs, (c) => new PagerdutyNotifier(c, o));
  add("opsgenie", rc.opsgenieConfigs, (c) => new OpsGenieNotifier(c, o));
  add("slack", rc.slackConfigs, (c) => new SlackNotifier(c, o));
  add("victorops", rc.victoropsConfigs, (c) => new VictorOpsNotifier(c, o));
  add("pushover", rc.pushoverConfigs, (c) => new PushoverNotifier(c, o));
  add("telegram", rc.telegramConfigs, (c) => new TelegramNotifier(c, o));
  add("discord", rc.discordConfigs, (c) => new DiscordNotifier(c, o));
  add("webex", rc.webexConfigs, (c) => new WebexNotifier(c, o));
  add("msteams", rc.msteamsConfigs, (c) => new MSTeamsNotifier(c, o));
  add("msteamsv2", rc.msteamsv2Configs, (c) => new MSTeamsV2Notifier(c, o));
  const logger = o.logger ?? nopLogger;
  for (const k of UNSUPPORTED_INTEGRATIONS) {
    if (rc[k].length > 0) logger.warn("Integration not supported, skipping", "receiver", rc.name, "integration", k.replace(/Configs$/, ""));
  }
  return out;
}
