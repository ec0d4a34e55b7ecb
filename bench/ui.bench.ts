/**
 * Web UI benchmark, side by side with Prometheus: `npm run bench`, or
 * `npx tsc -p tsconfig.json && node dist/bench/ui.bench.js` from the
 * repository root (it starts `node bin/promstack prometheus`; build first).
 *
 * Both servers start on a copy of the same blocks: SERIES gauges over 24 h
 * at a 60 s interval, written as OpenMetrics and turned into blocks by
 * Debian's `promtool tsdb create-blocks-from openmetrics`. Debian's
 * Prometheus 2.42 serves its classic UI (/classic/graph, jQuery and
 * Rickshaw; Debian builds it without the React UI), promstack its own. In
 * headless Chromium (Debian's, through playwright-core), for each UI:
 *
 * 1. first render: from navigation to the query editor shown, for `/`
 *    (the redirect included), median of RUNS loads;
 * 2. graph render: from navigation to a graph of all SERIES series of the
 *    link's query_range over 24 h at an 86.4 s step (1,001 points each)
 *    drawn, median of RUNS loads;
 * 3. hover responsiveness: the cursor moved across that graph in HOVER_MOVES
 *    steps; each step's time from the move to the next painted frame
 *    (p50 and max), which includes the UI's hover work (legend values,
 *    cursor line).
 *
 * The two servers run in turn, never at the same time. The figures are
 * wall times on a shared 2-core machine: read small ratios with care.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { type Kind, PROMETHEUS_BIN, type Row, printTable, snapshotBuild, startServer, stopServer } from "./common.ts";

const SERIES = 100;
const HOURS = 24;
const INTERVAL_S = 60;
const STEP_S = 86.4;
const RUNS = 5;
const HOVER_MOVES = 40;
const PROMTOOL_BIN = "/usr/bin/promtool";
const CHROMIUM_BIN = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** How each UI is driven: where it starts, what marks the editor and a drawn graph. */
interface UIDriver {
  home: string;
  editor: string;
  graphURL: (expr: string, endInput: string) => string;
  /** Resolves once the graph shows every series. */
  graphDrawn: (page: Page) => Promise<void>;
  /** The element the cursor moves across. */
  plot: string;
  /** Whether an uncaught page error fails the run (Debian's classic UI throws one while loading a library, harmlessly). */
  strict: boolean;
}

const graphParams = (expr: string, endInput: string): string =>
  new URLSearchParams({ "g0.expr": expr, "g0.tab": "0", "g0.range_input": `${HOURS}h`, "g0.end_input": endInput, "g0.step_input": String(STEP_S) }).toString();

const drivers: Record<Kind, UIDriver> = {
  promstack: {
    home: "/",
    editor: ".cm-content",
    graphURL: (expr, end) => `/query?${graphParams(expr, end)}`,
    // uPlot's legend has one row per series plus the time row.
    graphDrawn: async (page) => {
      await page.waitForFunction(`document.querySelectorAll(".graph .u-legend .u-series").length >= ${SERIES + 1}`, undefined, { timeout: 60_000 });
    },
    plot: ".graph .u-over",
    strict: true,
  },
  prometheus: {
    home: "/",
    editor: "textarea.expression_input",
    graphURL: (expr, end) => `/classic/graph?${graphParams(expr, end)}`,
    // Rickshaw draws one SVG path per series.
    graphDrawn: async (page) => {
      await page.waitForFunction(`document.querySelectorAll(".graph_area svg path").length >= ${SERIES}`, undefined, { timeout: 60_000 });
    },
    plot: ".graph_area svg",
    strict: false,
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Writes the OpenMetrics file of the data and turns it into blocks in `dir`; returns the end of the data (ms). */
function makeBlocks(work: string, dir: string): number {
  const end = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
  const start = end - HOURS * 3_600_000;
  const lines = ["# HELP bench_ui_value A synthetic gauge.", "# TYPE bench_ui_value gauge"];
  for (let i = 0; i < SERIES; i++) {
    for (let t = start; t <= end; t += INTERVAL_S * 1000) {
      lines.push(`bench_ui_value{series="s${String(i).padStart(3, "0")}"} ${(Math.sin(t / 3_600_000 + i) * 100 + i * 10).toFixed(3)} ${t / 1000}`);
    }
  }
  lines.push("# EOF");
  const file = path.join(work, "data.om");
  writeFileSync(file, lines.join("\n") + "\n");
  mkdirSync(dir, { recursive: true });
  execFileSync(PROMTOOL_BIN, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", file, dir], { stdio: ["ignore", "ignore", "inherit"] });
  return end;
}

/** `YYYY-MM-DD HH:mm` in UTC, the end_input format both UIs read. */
function endInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** The figures of one UI. */
interface UIFigures {
  firstRenderMs: number;
  graphRenderMs: number;
  hoverP50Ms: number;
  hoverMaxMs: number;
}

async function measure(browser: Browser, base: string, kind: Kind, endMs: number): Promise<UIFigures> {
  const d = drivers[kind];
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC" });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    const first: number[] = [];
    const graph: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t0 = performance.now();
      await page.goto(base + d.home, { waitUntil: "commit" });
      await page.waitForSelector(d.editor, { state: "visible", timeout: 30_000 });
      first.push(performance.now() - t0);
      t0 = performance.now();
      await page.goto(base + d.graphURL("bench_ui_value", endInput(endMs)), { waitUntil: "commit" });
      await d.graphDrawn(page);
      graph.push(performance.now() - t0);
    }
    const box = await page.locator(d.plot).first().boundingBox();
    if (box === null) throw new Error("the graph has no box");
    const hover: number[] = [];
    for (let i = 0; i < HOVER_MOVES; i++) {
      const x = box.x + ((i + 0.5) / HOVER_MOVES) * box.width;
      const t0 = performance.now();
      await page.mouse.move(x, box.y + box.height / 2);
      await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))");
      hover.push(performance.now() - t0);
    }
    if (d.strict && errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
    return { firstRenderMs: median(first), graphRenderMs: median(graph), hoverP50Ms: median(hover), hoverMaxMs: Math.max(...hover) };
  } catch (e) {
    const shot = path.join(tmpdir(), `promstack-ui-bench-${kind}-failure.png`);
    await page.screenshot({ path: shot }).catch(() => {});
    throw new Error(`${(e as Error).message.split("\n")[0]} (screenshot ${shot}; page errors: ${errors.length})`);
  } finally {
    await ctx.close();
  }
}

async function main(): Promise<void> {
  for (const bin of [CHROMIUM_BIN, PROMTOOL_BIN]) {
    if (!existsSync(bin)) {
      console.log(`skipped: ${bin} is not installed`);
      return;
    }
  }
  const repoRoot = process.cwd();
  const work = mkdtempSync(path.join(tmpdir(), "promstack-ui-bench-"));
  try {
    snapshotBuild(work, repoRoot);
    cpSync(path.join(repoRoot, "dist-ui"), path.join(work, "app/dist-ui"), { recursive: true });
    const seed = path.join(work, "seed");
    const endMs = makeBlocks(work, seed);
    const browser = await chromium.launch({ executablePath: CHROMIUM_BIN, args: CHROMIUM_ARGS });
    const figures = new Map<Kind, UIFigures | string>();
    try {
      for (const kind of ["promstack", "prometheus"] as const) {
        if (kind === "prometheus" && !existsSync(PROMETHEUS_BIN)) {
          figures.set(kind, `${PROMETHEUS_BIN} is not installed`);
          continue;
        }
        const s = await startServer(work, kind, "ui", "global:\n  scrape_interval: 15s\n", { seedDir: seed });
        try {
          figures.set(kind, await measure(browser, s.base, kind, endMs));
        } catch (e) {
          figures.set(kind, `error: ${(e as Error).message}`);
        } finally {
          await stopServer(s);
        }
      }
    } finally {
      await browser.close();
    }
    const get = (k: Kind, f: (v: UIFigures) => number): number | string => {
      const v = figures.get(k);
      return typeof v === "object" ? f(v) : "error";
    };
    const rows: Row[] = [
      { name: "first render of / (to the query editor)", ours: get("promstack", (v) => v.firstRenderMs), theirs: get("prometheus", (v) => v.firstRenderMs), unit: "ms", better: "lower" },
      { name: `graph of ${SERIES} series x 1,001 points drawn`, ours: get("promstack", (v) => v.graphRenderMs), theirs: get("prometheus", (v) => v.graphRenderMs), unit: "ms", better: "lower" },
      { name: "hover, move to painted frame, p50", ours: get("promstack", (v) => v.hoverP50Ms), theirs: get("prometheus", (v) => v.hoverP50Ms), unit: "ms", better: "lower" },
      { name: "hover, move to painted frame, max", ours: get("promstack", (v) => v.hoverMaxMs), theirs: get("prometheus", (v) => v.hoverMaxMs), unit: "ms", better: "lower" },
    ];
    for (const [k, v] of figures) if (typeof v === "string") console.log(`${k}: ${v}`);
    console.log(`\nWeb UI, ${SERIES} series over ${HOURS} h, Chromium headless; Prometheus 2.42 serves its classic UI\n`);
    printTable(rows);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
