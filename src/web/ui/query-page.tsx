// The query page: several panels, each with a PromQL editor and a table
// (instant query), graph (range query) and explain (parse tree) view. The
// panels live in the URL as the upstream UI writes it (g0.expr, g0.tab,
// g0.range_input, g0.end_input, g0.step_input, g0.stacked), so a page can be
// linked and reloaded.
import { useEffect, useRef, useState } from "preact/hooks";
import type { SyntaxNode } from "@lezer/common";
import { LanguageType, promQLLanguage } from "@prometheus-io/codemirror-promql";
import { APIError, api, type APIResult, type QueryData, type QueryStats } from "./api.ts";
import { Editor } from "./editor.tsx";
import { formatDuration, formatSeries, fromLocalInput, parseDuration, toLocalInput } from "./format.ts";
import { Graph, type GraphData } from "./graph.tsx";

type Tab = "table" | "graph" | "explain";

interface PanelState {
  id: number;
  expr: string;
  /** Bumped when expr is replaced from outside the editor (history). */
  exprSeq: number;
  tab: Tab;
  rangeInput: string;
  /** End of the graph, or of the table's evaluation; null is "now". */
  endMs: number | null;
  stepInput: string;
  stacked: boolean;
}

let nextId = 0;
function newPanel(expr = ""): PanelState {
  return { id: nextId++, expr, exprSeq: 0, tab: "table", rangeInput: "1h", endMs: null, stepInput: "", stacked: false };
}

const tabCodes: Record<Tab, string> = { graph: "0", table: "1", explain: "2" };

function panelsFromURL(search: string): PanelState[] {
  const sp = new URLSearchParams(search);
  const out: PanelState[] = [];
  for (let i = 0; sp.has(`g${i}.expr`); i++) {
    const p = newPanel(sp.get(`g${i}.expr`) ?? "");
    const tab = sp.get(`g${i}.tab`);
    p.tab = tab === "0" ? "graph" : tab === "2" ? "explain" : "table";
    p.rangeInput = sp.get(`g${i}.range_input`) ?? "1h";
    const end = sp.get(`g${i}.end_input`) ?? "";
    p.endMs = end === "" ? null : Date.parse(end) || null;
    p.stepInput = sp.get(`g${i}.step_input`) ?? "";
    p.stacked = sp.get(`g${i}.stacked`) === "1";
    out.push(p);
  }
  return out.length > 0 ? out : [newPanel()];
}

function panelsToURL(panels: PanelState[]): string {
  const sp = new URLSearchParams();
  panels.forEach((p, i) => {
    sp.set(`g${i}.expr`, p.expr);
    sp.set(`g${i}.tab`, tabCodes[p.tab]);
    sp.set(`g${i}.range_input`, p.rangeInput);
    if (p.endMs !== null) sp.set(`g${i}.end_input`, new Date(p.endMs).toISOString());
    if (p.stepInput !== "") sp.set(`g${i}.step_input`, p.stepInput);
    if (p.stacked) sp.set(`g${i}.stacked`, "1");
  });
  return sp.toString();
}

const historyKey = "promstack.queryHistory";
const historyMax = 50;

function loadHistory(): string[] {
  try {
    const h = JSON.parse(localStorage.getItem(historyKey) ?? "[]") as unknown;
    return Array.isArray(h) ? h.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

function remember(expr: string): string[] {
  const h = [expr, ...loadHistory().filter((x) => x !== expr)].slice(0, historyMax);
  localStorage.setItem(historyKey, JSON.stringify(h));
  return h;
}

/** The query page. */
export function QueryPage() {
  const [panels, setPanels] = useState<PanelState[]>(() => panelsFromURL(location.search));
  const [hist, setHist] = useState<string[]>(loadHistory);
  useEffect(() => {
    history.replaceState(null, "", `${location.pathname}?${panelsToURL(panels)}`);
  }, [panels]);
  const update = (id: number, change: Partial<PanelState>) => setPanels((ps) => ps.map((p) => (p.id === id ? { ...p, ...change } : p)));
  return (
    <div>
      {panels.map((p, i) => (
        <Panel
          key={p.id}
          index={i}
          state={p}
          history={hist}
          onChange={(c) => update(p.id, c)}
          onExecuted={(expr) => setHist(remember(expr))}
          onRemove={panels.length > 1 ? () => setPanels((ps) => ps.filter((x) => x.id !== p.id)) : null}
        />
      ))}
      <button type="button" onClick={() => setPanels((ps) => [...ps, newPanel()])}>
        Add panel
      </button>
    </div>
  );
}

interface Result {
  kind: "table" | "graph";
  res: APIResult<QueryData & { stats?: QueryStats }>;
  loadMs: number;
  graph: GraphData | null;
  /** The expression and settings the result is for. */
  key: string;
}

interface PanelProps {
  index: number;
  state: PanelState;
  history: string[];
  onChange: (c: Partial<PanelState>) => void;
  onExecuted: (expr: string) => void;
  onRemove: (() => void) | null;
}

function Panel(props: PanelProps) {
  const p = props.state;
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const abort = useRef<AbortController | null>(null);
  // The current state for execute() called from the editor's key handler.
  const cur = useRef(p);
  cur.current = p;

  const execute = async (tab: Tab = cur.current.tab) => {
    const s = cur.current;
    if (s.expr.trim() === "" || tab === "explain") return;
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    setLoading(true);
    setError(null);
    const started = performance.now();
    try {
      const endMs = s.endMs ?? Date.now();
      let res: Result["res"];
      let graph: GraphData | null = null;
      if (tab === "table") {
        res = await api("query", { query: s.expr, time: String(endMs / 1000), stats: "all" }, { post: true, signal: ac.signal });
      } else {
        const rangeMs = parseDuration(s.rangeInput);
        if (rangeMs === null || rangeMs <= 0) throw new APIError("bad_data", `invalid range ${JSON.stringify(s.rangeInput)}`, 0);
        // The upstream UI's default resolution: about 250 points, at least 1s.
        let stepMs = Math.max(Math.floor(rangeMs / 250 / 1000), 1) * 1000;
        if (s.stepInput !== "") {
          const v = Number(s.stepInput);
          if (!(v > 0)) throw new APIError("bad_data", `invalid resolution ${JSON.stringify(s.stepInput)}`, 0);
          stepMs = v * 1000;
        }
        const startMs = endMs - rangeMs;
        res = await api(
          "query_range",
          { query: s.expr, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000), stats: "all" },
          { post: true, signal: ac.signal },
        );
        if (res.data.resultType === "matrix") {
          graph = { series: res.data.result.map((r) => ({ metric: r.metric, values: r.values ?? [] })), startMs, endMs, stepMs };
        }
      }
      setResult({ kind: tab, res, loadMs: Math.round(performance.now() - started), graph, key: s.expr });
      props.onExecuted(s.expr);
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") return;
      setResult(null);
      setError(e instanceof APIError ? `Error executing query: ${e.message}` : String(e));
    } finally {
      if (abort.current === ac) setLoading(false);
    }
  };

  // A panel that arrives with an expression (a link, a reload) shows its result, as upstream's UI does.
  useEffect(() => {
    void execute();
  }, []);

  const switchTab = (tab: Tab) => {
    props.onChange({ tab });
    if (p.expr.trim() !== "" && (result !== null || error !== null)) void execute(tab);
  };

  const n = props.index;
  return (
    <section class="panel" aria-label={`Query panel ${n + 1}`}>
      <div class="row">
        <div class="grow">
          <Editor value={p.expr} valueSeq={p.exprSeq} label={`Expression ${n + 1}`} onChange={(expr) => props.onChange({ expr })} onExecute={() => void execute()} />
        </div>
        <button type="button" class="primary" onClick={() => void execute()} disabled={loading}>
          {loading ? "Loading…" : "Execute"}
        </button>
        {props.onRemove !== null ? (
          <button type="button" aria-label="Remove panel" onClick={props.onRemove}>
            ✕
          </button>
        ) : null}
      </div>
      {props.history.length > 0 ? (
        <label class="history">
          History{" "}
          <select
            value=""
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              if (v !== "") props.onChange({ expr: v, exprSeq: p.exprSeq + 1 });
            }}
          >
            <option value="">(recent queries)</option>
            {props.history.map((h) => (
              <option key={h} value={h}>
                {h.length > 120 ? h.slice(0, 120) + "…" : h}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <div class="tabs" role="tablist">
        {(["table", "graph", "explain"] as const).map((t) => (
          <button type="button" role="tab" aria-selected={p.tab === t} class={p.tab === t ? "tab active" : "tab"} onClick={() => switchTab(t)}>
            {t[0]!.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      <div class="tab-body">
        {p.tab === "table" ? (
          <TimeControls {...props} graph={false} onRun={() => void execute()} />
        ) : p.tab === "graph" ? (
          <TimeControls {...props} graph={true} onRun={() => void execute()} />
        ) : null}
        {loading ? <div class="loading">Loading…</div> : null}
        {error !== null ? (
          <div class="alert error" role="alert">
            {error}
          </div>
        ) : null}
        {p.tab === "explain" ? (
          <Explain expr={p.expr} />
        ) : result !== null && result.kind === p.tab ? (
          <ResultView result={result} stacked={p.stacked} />
        ) : null}
      </div>
    </section>
  );
}

function TimeControls(props: PanelProps & { graph: boolean; onRun: () => void }) {
  const p = props.state;
  const shift = (sign: number) => {
    const d = props.graph ? (parseDuration(p.rangeInput) ?? 3600_000) / 2 : 3600_000;
    props.onChange({ endMs: (p.endMs ?? Date.now()) + sign * d });
  };
  return (
    <div class="controls">
      {props.graph ? (
        <label>
          Range <input class="short" value={p.rangeInput} onChange={(e) => props.onChange({ rangeInput: (e.target as HTMLInputElement).value })} />
        </label>
      ) : null}
      <button type="button" aria-label="Earlier" onClick={() => shift(-1)}>
        «
      </button>
      <label>
        {props.graph ? "End time" : "Evaluation time"}{" "}
        <input
          type="datetime-local"
          value={p.endMs === null ? "" : toLocalInput(p.endMs)}
          onChange={(e) => props.onChange({ endMs: fromLocalInput((e.target as HTMLInputElement).value) })}
        />
      </label>
      <button type="button" aria-label="Later" onClick={() => shift(1)}>
        »
      </button>
      {p.endMs !== null ? (
        <button type="button" onClick={() => props.onChange({ endMs: null })}>
          Now
        </button>
      ) : null}
      {props.graph ? (
        <>
          <label>
            Resolution (s){" "}
            <input
              class="short"
              placeholder="auto"
              value={p.stepInput}
              onChange={(e) => props.onChange({ stepInput: (e.target as HTMLInputElement).value })}
            />
          </label>
          <label>
            <input type="checkbox" checked={p.stacked} onChange={(e) => props.onChange({ stacked: (e.target as HTMLInputElement).checked })} /> Stacked
          </label>
        </>
      ) : null}
    </div>
  );
}

const maxRows = 10_000;

function ResultView(props: { result: Result; stacked: boolean }) {
  const { res, loadMs } = props.result;
  const d = res.data;
  const count = d.resultType === "vector" || d.resultType === "matrix" ? d.result.length : 1;
  const st = d.stats ?? null;
  return (
    <div>
      {res.warnings.map((w) => (
        <div class="alert warning" role="status">
          Warning: {w}
        </div>
      ))}
      {res.infos.map((w) => (
        <div class="alert info" role="status">
          Info: {w}
        </div>
      ))}
      <div class="stats" data-testid="query-stats">
        Load time: {loadMs}ms · Result series: {count}
        {st !== null ? ` · Queryable samples: ${st.samples.totalQueryableSamples} · Peak samples: ${st.samples.peakSamples}` : ""}
        {props.result.graph !== null ? ` · Resolution: ${formatDuration(props.result.graph.stepMs)}` : ""}
      </div>
      {props.result.kind === "graph" ? (
        props.result.graph !== null ? (
          props.result.graph.series.length > 0 ? (
            <Graph data={props.result.graph} stacked={props.stacked} />
          ) : (
            <div class="empty">No datapoints found.</div>
          )
        ) : (
          <div class="alert error">The graph needs a range vector or scalar result, got {d.resultType}.</div>
        )
      ) : (
        <Table data={d} />
      )}
    </div>
  );
}

function Table(props: { data: QueryData }) {
  const d = props.data;
  if (d.resultType === "scalar" || d.resultType === "string") {
    return (
      <table class="data">
        <tbody>
          <tr>
            <td>{d.resultType}</td>
            <td class="value">{d.result[1]}</td>
          </tr>
        </tbody>
      </table>
    );
  }
  if (d.result.length === 0) return <div class="empty">Empty query result</div>;
  const rows = d.result.slice(0, maxRows);
  return (
    <div>
      {d.result.length > maxRows ? <div class="alert warning">Showing the first {maxRows} of {d.result.length} series.</div> : null}
      <table class="data" data-testid="result-table">
        <tbody>
          {rows.map((r) => (
            <tr>
              <td class="series">{formatSeries(r.metric)}</td>
              <td class="value">
                {d.resultType === "vector"
                  ? "value" in r && r.value !== undefined
                    ? r.value[1]
                    : "histogram"
                  : ("values" in r ? (r.values ?? []) : []).map(([t, v]) => (
                      <div>
                        {v} @{t}
                      </div>
                    ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The expression's canonical form (from /api/v1/format_query) and its parse tree (from the editor grammar). */
function Explain(props: { expr: string }) {
  const [formatted, setFormatted] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (props.expr.trim() === "") return;
    let live = true;
    api<string>("format_query", { query: props.expr }, { post: true })
      .then((r) => live && (setFormatted(r.data), setError(null)))
      .catch((e: unknown) => live && (setFormatted(null), setError(e instanceof Error ? e.message : String(e))));
    return () => {
      live = false;
    };
  }, [props.expr]);
  if (props.expr.trim() === "") return <div class="empty">Enter an expression to explain.</div>;
  const tree = promQLLanguage(LanguageType.PromQL).parser.parse(props.expr);
  return (
    <div class="explain">
      {error !== null ? <div class="alert error">{error}</div> : null}
      {formatted !== null ? <pre class="formatted">{formatted}</pre> : null}
      <ul class="tree" data-testid="explain-tree">
        <TreeNode node={tree.topNode} src={props.expr} />
      </ul>
    </div>
  );
}

/** Nodes shown in the tree: the grammar's named, non-punctuation nodes. */
function shown(n: SyntaxNode): boolean {
  return !n.type.isAnonymous && /^[A-Z]/.test(n.name) && !["LeftParen", "RightParen", "LeftBrace", "RightBrace", "LeftBracket", "RightBracket", "Comma"].includes(n.name);
}

function children(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c !== null; c = c.nextSibling) {
    if (shown(c)) out.push(c);
    else out.push(...children(c));
  }
  return out;
}

function TreeNode(props: { node: SyntaxNode; src: string }) {
  const n = props.node;
  const kids = children(n);
  const text = props.src.slice(n.from, n.to);
  return (
    <li>
      <span class={n.type.isError ? "node error" : "node"}>{n.type.isError ? "⚠ syntax error" : n.name}</span>{" "}
      <code class="muted">{text.length > 80 ? text.slice(0, 80) + "…" : text}</code>
      {kids.length > 0 ? (
        <ul>
          {kids.map((k) => (
            <TreeNode node={k} src={props.src} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
