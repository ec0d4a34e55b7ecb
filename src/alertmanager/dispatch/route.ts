/**
 * The routing tree (upstream dispatch/route.go): each node has matchers and
 * options inherited from its parent; an alert's labels select the deepest
 * matching nodes, depth first, siblings tried in order until one matches
 * without `continue`. Aggregation groups (the dispatcher) build on this.
 */

import { Matcher, MatchType } from "../../model/index.ts";
import type { Labels } from "../../model/index.ts";
import { compareMatchers, formatMatchers, matchesAll } from "../matchers/index.ts";
import type { RouteConfig } from "../config/index.ts";

/** Options of a route node after inheritance. Durations are ms. */
export interface RouteOpts {
  /** The receiver to notify. */
  readonly receiver: string;
  /** Labels to group by (sorted); ignored when groupByAll. */
  readonly groupBy: ReadonlySet<string>;
  /** `group_by: ['...']`: group by every label. */
  readonly groupByAll: boolean;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  /** Names of time intervals during which notifications are muted (not inherited). */
  readonly muteTimeIntervals: readonly string[];
  /** Names of time intervals outside which notifications are muted (not inherited). */
  readonly activeTimeIntervals: readonly string[];
}

/** Upstream DefaultRouteOpts: group_wait 30s, group_interval 5m, repeat_interval 4h. */
export const DEFAULT_ROUTE_OPTS: RouteOpts = {
  receiver: "",
  groupBy: new Set(),
  groupByAll: false,
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 14_400_000,
  muteTimeIntervals: [],
  activeTimeIntervals: [],
};

/** A node of the routing tree. Immutable once built by newRoute. */
export class Route {
  readonly parent: Route | null;
  readonly opts: RouteOpts;
  /** Sorted in Alertmanager's matcher order. */
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  readonly routes: Route[];
  /** Index among the parent's routes (-1 for the root). */
  readonly index: number;
  #key: string | null;
  #id: string | null;

  constructor(parent: Route | null, opts: RouteOpts, matchers: readonly Matcher[], cont: boolean, index: number) {
    this.parent = parent;
    this.opts = opts;
    this.matchers = matchers;
    this.continue = cont;
    this.routes = [];
    this.index = index;
    this.#key = null;
    this.#id = null;
  }

  /**
   * The nodes an alert with `labels` is routed to (upstream Route.Match):
   * none when this node's matchers fail; else the matches of the children,
   * in order, stopping after the first matching child without `continue`;
   * this node itself when no child matched.
   */
  match(labels: Labels): Route[] {
    if (!matchesAll(this.matchers, (n) => labels.get(n))) return [];
    const all: Route[] = [];
    for (const c of this.routes) {
      const m = c.match(labels);
      all.push(...m);
      if (m.length > 0 && !c.continue) break;
    }
    if (all.length === 0) all.push(this);
    return all;
  }

  /** The matcher path from the root, e.g. `{}/{service="db"}` (part of aggregation group keys). */
  key(): string {
    if (this.#key === null) this.#key = (this.parent === null ? "" : this.parent.key() + "/") + formatMatchers(this.matchers);
    return this.#key;
  }

  /** Like key() with each node's sibling index appended: unique even for routes with equal matchers. */
  id(): string {
    if (this.#id === null) {
      this.#id = this.parent === null ? formatMatchers(this.matchers) : `${this.parent.id()}/${formatMatchers(this.matchers)}/${this.index}`;
    }
    return this.#id;
  }

  /** Calls fn for this node and every descendant, depth first. */
  walk(fn: (r: Route) => void): void {
    fn(this);
    for (const c of this.routes) c.walk(fn);
  }
}

/** Builds the runtime tree from the configured route; `parent` null for the root. */
export function newRoute(cr: RouteConfig, parent: Route | null = null, index = -1): Route {
  const base = parent === null ? DEFAULT_ROUTE_OPTS : parent.opts;
  let groupBy = base.groupBy;
  let groupByAll = base.groupByAll;
  if (cr.groupBy !== null) {
    groupBy = new Set([...cr.groupBy].sort());
    groupByAll = false;
  } else if (cr.groupByAll) {
    groupByAll = true;
  }
  const opts: RouteOpts = {
    receiver: cr.receiver !== "" ? cr.receiver : base.receiver,
    groupBy,
    groupByAll,
    groupWaitMs: cr.groupWaitMs ?? base.groupWaitMs,
    groupIntervalMs: cr.groupIntervalMs ?? base.groupIntervalMs,
    repeatIntervalMs: cr.repeatIntervalMs ?? base.repeatIntervalMs,
    muteTimeIntervals: cr.muteTimeIntervals,
    activeTimeIntervals: cr.activeTimeIntervals,
  };
  const ms: Matcher[] = [];
  for (const [n, v] of cr.match ?? []) ms.push(new Matcher(MatchType.Equal, n, v));
  // NOTE: matches Alertmanager, which builds match_re matchers from the
  // compiled regexp's String(), so their value (and the route key) reads `^(?:re)$`.
  for (const [n, v] of cr.matchRE ?? []) ms.push(new Matcher(MatchType.Regexp, n, `^(?:${v})$`));
  ms.push(...cr.matchers);
  ms.sort(compareMatchers);
  const r = new Route(parent, opts, ms, cr.continue, index);
  cr.routes.forEach((c, i) => r.routes.push(newRoute(c, r, i)));
  return r;
}

/** Options for formatRouteTree. */
export interface RouteTreeOptions {
  /** Append ", continue: true" to nodes with continue. */
  readonly showContinue?: boolean;
  /** Append "  receiver: NAME". */
  readonly showReceiver?: boolean;
}

function slug(r: Route, showContinue: boolean, showReceiver: boolean): string {
  let s = r.matchers.length === 0 ? "default-route" : formatMatchers(r.matchers);
  if (r.continue && showContinue) s += ", continue: true";
  if (showReceiver) s += `  receiver: ${r.opts.receiver}`;
  return s;
}

interface TreeNode {
  slug: string;
  children: TreeNode[];
}

function tree(lines: string[], node: TreeNode, prefix: string): void {
  node.children.forEach((c, i) => {
    const last = i === node.children.length - 1;
    lines.push(prefix + (last ? "└── " : "├── ") + c.slug);
    tree(lines, c, prefix + (last ? "    " : "│   "));
  });
}

/**
 * The tree as `amtool config routes show` prints it (treeprint): a `.`
 * line, then one line per node with box-drawing branches.
 */
export function formatRouteTree(root: Route, o: RouteTreeOptions = {}): string {
  const build = (r: Route): TreeNode => ({ slug: slug(r, o.showContinue === true, o.showReceiver === true), children: r.routes.map(build) });
  const lines = ["."];
  tree(lines, { slug: ".", children: [build(root)] }, "");
  return lines.join("\n") + "\n";
}

/**
 * The path `amtool config routes test --tree` prints for `labels`: only the
 * branches the alert takes, the final nodes with their receiver.
 */
export function formatMatchingTree(root: Route, labels: Labels): string {
  const build = (r: Route): TreeNode => {
    const children: TreeNode[] = [];
    for (const c of r.routes) {
      if (matchesAll(c.matchers, (n) => labels.get(n))) {
        children.push(build(c));
        if (!c.continue) break;
      }
    }
    return { slug: slug(r, false, children.length === 0), children };
  };
  const lines = ["."];
  tree(lines, { slug: ".", children: [build(root)] }, "");
  return lines.join("\n") + "\n";
}
