/**
 * Notification templates (upstream template.Template): a text set and an
 * HTML set, both holding the default templates and the configured
 * template files, with Alertmanager's functions and missingkey=zero.
 * Integrations render their config fields with executeText (and the
 * email body with executeHTML) against buildTemplateData's data.
 */

import { readFileSync } from "node:fs";
import { globFiles } from "../../config/index.ts";
import type { Labels } from "../../model/index.ts";
import { MissingKey, Template } from "../../template/index.ts";
import type { FuncMap } from "../../template/index.ts";
import type { Alert } from "../types/index.ts";
import { buildTemplateData } from "./data.ts";
import type { TemplateData } from "./data.ts";
import { DEFAULT_TMPL, EMAIL_TMPL } from "./default-tmpl.ts";
import { alertmanagerFuncs } from "./funcs.ts";
import { escapeTemplateText, htmlEscapeFuncs } from "./html.ts";

// A text that defines templates itself.
const DEFINES = /\{\{-?\s*(?:define|block)\b/;

/** Options of a NotificationTemplate. */
export interface NotificationTemplateOptions {
  /** `--web.external-url` as templates print it (`.ExternalURL`), without a trailing slash. */
  readonly externalURL?: string;
  /** The time `since` measures against (ms); default Date.now. */
  readonly now?: () => number;
}

/** The text and HTML template sets of a running configuration. */
export class NotificationTemplate {
  readonly externalURL: string;
  readonly #text: Template;
  readonly #html: Template;
  // Each distinct text executed is parsed once into the set under its own name
  // (upstream clones the set per execution; config texts are few and reused).
  readonly #textNames: Map<string, string>;
  readonly #htmlNames: Map<string, string>;
  readonly #funcs: FuncMap;
  // Every text parsed into the sets, for the rare fresh set (see #exec).
  readonly #sources: string[];

  /** A template set with the default templates. Throws TemplateParseError only on a bug. */
  constructor(o: NotificationTemplateOptions = {}) {
    this.externalURL = o.externalURL ?? "";
    const funcs = alertmanagerFuncs(o.now ?? Date.now);
    this.#funcs = funcs;
    this.#sources = [];
    this.#text = new Template("", { funcs, missingKey: MissingKey.Zero });
    this.#html = new Template("", { funcs: { ...funcs, ...htmlEscapeFuncs }, missingKey: MissingKey.Zero });
    this.#textNames = new Map();
    this.#htmlNames = new Map();
    this.parse(DEFAULT_TMPL);
    this.parse(EMAIL_TMPL);
  }

  /**
   * A template set with the defaults and the files matching `globs`
   * (the config's `templates`; a glob matching nothing is fine, as
   * upstream). Throws TemplateParseError or the fs error.
   */
  static fromGlobs(globs: readonly string[], o: NotificationTemplateOptions = {}): NotificationTemplate {
    const t = new NotificationTemplate(o);
    for (const g of globs) for (const f of globFiles(g)) t.parse(readFileSync(f, "utf8"));
    return t;
  }

  /** Parses template text (definitions) into both sets. Throws TemplateParseError. */
  parse(text: string): void {
    this.#text.parse(text);
    this.#html.parse(escapeTemplateText(text));
    this.#sources.push(text);
  }

  /** Whether a template of this name is defined. */
  has(name: string): boolean {
    return this.#text.has(name);
  }

  /** Renders `text` as a text template (upstream ExecuteTextString). Throws TemplateParseError, TemplateExecError. */
  async executeText(text: string, data: unknown): Promise<string> {
    if (text === "") return "";
    if (!text.includes("{{")) return text;
    return this.#exec(this.#text, this.#textNames, text, text, data, false);
  }

  /** Renders `text` as an HTML template (upstream ExecuteHTMLString). Throws TemplateParseError, TemplateExecError. */
  async executeHTML(text: string, data: unknown): Promise<string> {
    if (text === "") return "";
    return this.#exec(this.#html, this.#htmlNames, text, escapeTemplateText(text), data, true);
  }

  async #exec(set: Template, names: Map<string, string>, key: string, text: string, data: unknown, html: boolean): Promise<string> {
    if (DEFINES.test(text)) {
      // Definitions inside the text must not leak into the shared set: run it
      // in a fresh copy, as upstream runs every text in a clone.
      const fresh = new Template("", { funcs: html ? { ...this.#funcs, ...htmlEscapeFuncs } : this.#funcs, missingKey: MissingKey.Zero });
      for (const src of this.#sources) fresh.parse(html ? escapeTemplateText(src) : src);
      return fresh.parse(text).execute(data);
    }
    let name = names.get(key);
    if (name === undefined) {
      name = `__promstack_text_${names.size}`;
      // Parse through a named define so the set's own template stays untouched.
      set.parse(`{{ define "${name}" }}${text}{{ end }}`);
      names.set(key, name);
    }
    return set.executeTemplate(name, data);
  }

  /** The data of a notification (upstream Template.Data) with this set's external URL. */
  data(receiver: string, groupLabels: Labels, alerts: readonly Alert[], now: number): TemplateData {
    return buildTemplateData(receiver, groupLabels, alerts, this.externalURL, now);
  }
}
