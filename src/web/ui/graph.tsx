// The graph view: a range query's series drawn with uPlot, stacked or not,
// with uPlot's legend (click a series to hide it, values follow the cursor).
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Metric, SamplePair } from "./api.ts";
import { formatSeries } from "./format.ts";

/** A range query's series, on a grid from startMs to endMs every stepMs. */
export interface GraphData {
  series: Array<{ metric: Metric; values: SamplePair[] }>;
  startMs: number;
  endMs: number;
  stepMs: number;
}

// The upstream UI's palette.
const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/**
 * uPlot's columns: x in seconds on the query's step grid, one column per
 * series with null where a series has no point. Stacked columns hold the
 * running sums; `raw` keeps the values the legend shows.
 */
export function columns(d: GraphData, stacked: boolean): { data: uPlot.AlignedData; raw: Array<Array<number | null>> } {
  const n = Math.floor((d.endMs - d.startMs) / d.stepMs) + 1;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = (d.startMs + i * d.stepMs) / 1000;
  const raw = d.series.map((s) => {
    const col: Array<number | null> = new Array<number | null>(n).fill(null);
    for (const [t, v] of s.values) {
      const i = Math.round((t * 1000 - d.startMs) / d.stepMs);
      if (i >= 0 && i < n) col[i] = Number(v);
    }
    return col;
  });
  if (!stacked) return { data: [xs, ...raw], raw };
  const sums = new Float64Array(n);
  const stackedCols = raw.map((col) =>
    col.map((v, i) => {
      if (v === null || !Number.isFinite(v)) return null;
      sums[i] = sums[i]! + v;
      return sums[i]!;
    }),
  );
  return { data: [xs, ...stackedCols], raw };
}

/** Indexes of the values with no value on either side. */
export function isolated(col: Array<number | null>): number[] {
  const out: number[] = [];
  for (let i = 0; i < col.length; i++) {
    if (col[i] !== null && (i === 0 || col[i - 1] === null) && (i === col.length - 1 || col[i + 1] === null)) out.push(i);
  }
  return out;
}

/** The graph of a range query result. */
export function Graph(props: { data: GraphData; stacked: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current!;
    const { data, raw } = columns(props.data, props.stacked);
    // Canvas strokes cannot use CSS variables: resolve the theme's colors.
    const css = getComputedStyle(el);
    const fg = css.getPropertyValue("--fg").trim() || "#000";
    const grid = css.getPropertyValue("--grid").trim() || "#ddd";
    const many = props.data.series.length > 20;
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height: 400,
      // Many series: no hover dot per series (a DOM node each, moved on every
      // mouse move) and no focus highlight (a full redraw whenever the nearest
      // series changes); the legend still follows the cursor.
      cursor: { focus: { prox: many ? -1 : 16 }, points: { show: !many } },
      focus: { alpha: 0.3 },
      legend: { live: true },
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 70 }],
      series: [
        { label: "Time" },
        ...props.data.series.map((s, i): uPlot.Series => {
          const color = colors[i % colors.length]!;
          const lone = isolated(raw[i]!);
          return {
            // A point without neighbours draws no line: show it as a dot.
            points: { show: true, size: 5, filter: () => lone },
            label: formatSeries(s.metric),
            stroke: color,
            width: 1.5,
            spanGaps: false,
            ...(props.stacked ? { fill: color + "55" } : {}),
            // The legend shows the series' own value, also when stacked.
            value: (_u, _v, _si, idx) => {
              const x = idx === null ? null : raw[i]![idx];
              return x === null || x === undefined ? "" : String(x);
            },
          };
        }),
      ],
    };
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(300, el.clientWidth), height: 400 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [props.data, props.stacked]);
  return <div class="graph" ref={host} data-testid="graph" />;
}
