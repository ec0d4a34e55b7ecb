import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * The pages of the web UI, one path segment each under the route prefix;
 * every one answers with the UI's index.html and the page is chosen in the
 * browser. `graph` is the pre-3.0 name of `query` and redirects to it.
 */
export const UI_PAGES = ["query", "alerts", "rules", "targets", "service-discovery", "status", "tsdb-status", "flags", "config"] as const;

/** Where `npm run build:ui` writes the UI: dist-ui/ at the package root (dist/ is wiped by `npm test`). */
export function defaultUIAssetsDir(): string {
  // This file runs as dist/src/web/ui.js.
  return fileURLToPath(new URL("../../../dist-ui/", import.meta.url));
}

/** How the UI is served. */
export interface UIOptions {
  /** The route prefix without a trailing slash ("" at the root). */
  prefix: string;
  /**
   * The path the browser sees the prefix at (the external URL's path when
   * --web.external-url is set, else the prefix), without a trailing slash;
   * `/` redirects to `<externalPath>/query`.
   */
  externalPath: string;
  /** The directory of the built UI (index.html, favicon.svg, assets/). */
  assetsDir: string;
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".map": "application/json",
};

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
}

/** Compress text assets above this size; smaller ones gain nothing. */
const GZIP_MIN_BYTES = 1024;

/** The built UI's files, read once and kept (gzipped when worth it, when the client accepts it). */
interface AssetServer {
  /** A handler answering with the HTML page `rel`, or 500 saying how to build the UI. */
  page(rel: string): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  /** Registers `<prefix>/favicon.svg` and `<prefix>/assets/:name`. */
  registerAssets(app: FastifyInstance, prefix: string): void;
}

function assetServer(assetsDir: string): AssetServer {
  const cache = new Map<string, Promise<Asset | null>>();
  const load = (rel: string): Promise<Asset | null> => {
    let a = cache.get(rel);
    if (a === undefined) {
      a = readFile(join(assetsDir, rel)).then(
        (body) => {
          const type = contentTypes[extname(rel)] ?? "application/octet-stream";
          const text = type.startsWith("text/") || type === "image/svg+xml" || type === "application/json";
          return { body, type, gzip: text && body.length >= GZIP_MIN_BYTES ? gzipSync(body) : null };
        },
        () => null,
      );
      // A missing file is not cached, so a UI built after the start is found.
      void a.then((x) => x === null && cache.delete(rel));
      cache.set(rel, a);
    }
    return a;
  };
  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset, cacheControl: string): FastifyReply => {
    reply.type(a.type).header("cache-control", cacheControl).header("vary", "accept-encoding");
    if (a.gzip !== null && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
      return reply.header("content-encoding", "gzip").send(a.gzip);
    }
    return reply.send(a.body);
  };
  const file = (rel: string, cacheControl: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const a = await load(rel);
    if (a === null) return reply.code(404).type("text/plain; charset=utf-8").send("404 page not found\n");
    return send(req, reply, a, cacheControl);
  };
  const page = (rel: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const a = await load(rel);
    if (a === null) {
      return reply
        .code(500)
        .type("text/plain; charset=utf-8")
        .send(`The web UI is not built (no ${join(assetsDir, rel)}): run \`npm run build:ui\`.\n`);
    }
    return send(req, reply, a, "no-cache");
  };
  const registerAssets = (app: FastifyInstance, prefix: string): void => {
    app.get(`${prefix}/favicon.svg`, file("favicon.svg", "public, max-age=86400"));
    app.get(`${prefix}/assets/:name`, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      // Names are Vite's flat, content-hashed file names: no path separators.
      if (!/^[\w.-]+$/.test(name) || name.startsWith(".")) return reply.code(404).type("text/plain; charset=utf-8").send("404 page not found\n");
      return file(`assets/${name}`, "public, max-age=31536000, immutable")(req, reply);
    });
  };
  return { page, registerAssets };
}

/**
 * Serves the built web UI: `/` (and the prefix without a slash) redirect to
 * the query page, each page of UI_PAGES answers with index.html, and
 * `/assets/*` and `/favicon.svg` with their files (read once, gzipped when
 * the client accepts it). When the UI was not built, pages answer 500 with
 * how to build it; the API is unaffected.
 */
export function registerUI(app: FastifyInstance, o: UIOptions): void {
  const assets = assetServer(o.assetsDir);
  const index = assets.page("index.html");
  const home = `${o.externalPath}/query`;
  const toHome = async (_req: FastifyRequest, reply: FastifyReply) => reply.redirect(home, 302);
  app.get(o.prefix === "" ? "/" : o.prefix, toHome);
  if (o.prefix !== "") app.get(`${o.prefix}/`, toHome);
  app.get(`${o.prefix}/graph`, async (req, reply) => {
    const q = req.url.indexOf("?");
    return reply.redirect(q < 0 ? home : home + req.url.slice(q), 302);
  });
  for (const page of UI_PAGES) app.get(`${o.prefix}/${page}`, index);
  assets.registerAssets(app, o.prefix);
}

/** How the Alertmanager's UI is served. */
export interface AlertmanagerUIOptions {
  /** The route prefix without a trailing slash ("" at the root). */
  prefix: string;
  /**
   * The path the browser sees the prefix at (the external URL's path when
   * --web.external-url is set, else the prefix), without a trailing slash;
   * the prefix without a slash redirects to `<externalPath>/`.
   */
  externalPath: string;
  /** The directory of the built UI (alertmanager.html, favicon.svg, assets/). */
  assetsDir: string;
}

/**
 * Serves the Alertmanager's UI as upstream does: one page at `<prefix>/`
 * (alertmanager.html; its views are in the URL's fragment, `#/alerts`,
 * `#/silences/new?filter=...`, as the links in upstream's notification
 * templates expect), the prefix without a slash redirecting there, and the
 * build's `/assets/*` and `/favicon.svg`.
 */
export function registerAlertmanagerUI(app: FastifyInstance, o: AlertmanagerUIOptions): void {
  const assets = assetServer(o.assetsDir);
  app.get(`${o.prefix}/`, assets.page("alertmanager.html"));
  if (o.prefix !== "") app.get(o.prefix, async (_req, reply) => reply.redirect(`${o.externalPath}/`, 302));
  assets.registerAssets(app, o.prefix);
}
