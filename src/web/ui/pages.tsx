// The alerts, rules, targets and service discovery pages.
import { useState } from "preact/hooks";
import type { ActiveTarget, Alert, Rule, RuleGroup, TargetsData } from "./api.ts";
import { ago, formatDuration, seconds } from "./format.ts";
import { LabelBadges, Show, useAPI } from "./use-api.tsx";

function byFile(groups: RuleGroup[]): Array<[string, RuleGroup[]]> {
  const m = new Map<string, RuleGroup[]>();
  for (const g of groups) m.set(g.file, [...(m.get(g.file) ?? []), g]);
  return [...m];
}

const alertStates = ["inactive", "pending", "firing"] as const;

/** The alerts page: alerting rules grouped by file and group, with state filters. */
export function AlertsPage() {
  const res = useAPI<{ groups: RuleGroup[] }>("rules", { type: "alert" });
  const [shown, setShown] = useState<Record<string, boolean>>({ inactive: true, pending: true, firing: true });
  const [search, setSearch] = useState("");
  return (
    <div>
      <h1>Alerts</h1>
      <Show value={res}>
        {(d) => {
          const all = d.groups.flatMap((g) => g.rules);
          const counts = Object.fromEntries(alertStates.map((s) => [s, all.filter((r) => r.state === s).length]));
          const q = search.toLowerCase();
          const visible = (r: Rule) => shown[r.state ?? "inactive"] === true && (q === "" || r.name.toLowerCase().includes(q));
          return (
            <>
              <div class="controls">
                {alertStates.map((s) => (
                  <label class={`state-${s}`}>
                    <input type="checkbox" checked={shown[s]} onChange={(e) => setShown({ ...shown, [s]: (e.target as HTMLInputElement).checked })} />{" "}
                    {s[0]!.toUpperCase() + s.slice(1)} ({counts[s]})
                  </label>
                ))}
                <input type="search" aria-label="Filter alerts by name" placeholder="Filter by name" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
              </div>
              {d.groups.length === 0 ? <div class="empty">No alerting rules configured.</div> : null}
              {byFile(d.groups).map(([file, groups]) => (
                <div class="file">
                  <h2>{file}</h2>
                  {groups.map((g) => {
                    const rules = g.rules.filter(visible);
                    return rules.length === 0 ? null : (
                      <section class="group">
                        <h3>{g.name}</h3>
                        {rules.map((r) => (
                          <AlertRule rule={r} />
                        ))}
                      </section>
                    );
                  })}
                </div>
              ))}
            </>
          );
        }}
      </Show>
    </div>
  );
}

function AlertRule(props: { rule: Rule }) {
  const r = props.rule;
  const alerts = r.alerts ?? [];
  return (
    <details class={`rule state-${r.state}`} open={r.state === "firing"}>
      <summary>
        <span class={`badge state-${r.state}`}>{r.state?.toUpperCase()}</span> <strong>{r.name}</strong> ({alerts.length} active)
      </summary>
      <pre class="rule-def">
        {`alert: ${r.name}\nexpr: ${r.query}\n`}
        {r.duration ? `for: ${formatDuration(r.duration * 1000)}\n` : ""}
        {r.keepFiringFor ? `keep_firing_for: ${formatDuration(r.keepFiringFor * 1000)}\n` : ""}
        {Object.keys(r.labels).length > 0 ? `labels:\n${Object.entries(r.labels).map(([k, v]) => `  ${k}: ${v}\n`).join("")}` : ""}
        {Object.keys(r.annotations ?? {}).length > 0 ? `annotations:\n${Object.entries(r.annotations ?? {}).map(([k, v]) => `  ${k}: ${v}\n`).join("")}` : ""}
      </pre>
      {alerts.length > 0 ? <AlertTable alerts={alerts} /> : null}
    </details>
  );
}

function AlertTable(props: { alerts: Alert[] }) {
  return (
    <table class="data">
      <thead>
        <tr>
          <th>Labels</th>
          <th>State</th>
          <th>Active since</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {props.alerts.map((a) => (
          <>
            <tr>
              <td>
                <LabelBadges labels={a.labels} />
              </td>
              <td>
                <span class={`badge state-${a.state}`}>{a.state.toUpperCase()}</span>
              </td>
              <td title={a.activeAt}>{a.activeAt === "" ? "" : `${a.activeAt} (${ago(a.activeAt)})`}</td>
              <td class="value">{a.value}</td>
            </tr>
            {Object.keys(a.annotations).length > 0 ? (
              <tr class="annotations">
                <td colSpan={4}>
                  {Object.entries(a.annotations).map(([k, v]) => (
                    <div>
                      <strong>{k}</strong>: {v}
                    </div>
                  ))}
                </td>
              </tr>
            ) : null}
          </>
        ))}
      </tbody>
    </table>
  );
}

/** The rules page: groups with interval and last evaluation; each rule's health and error. */
export function RulesPage() {
  const res = useAPI<{ groups: RuleGroup[] }>("rules");
  return (
    <div>
      <h1>Rules</h1>
      <Show value={res}>
        {(d) =>
          d.groups.length === 0 ? (
            <div class="empty">No rule groups configured.</div>
          ) : (
            d.groups.map((g) => (
              <section class="group">
                <h2>
                  {g.name} <span class="muted">{g.file}</span>
                </h2>
                <div class="muted">
                  Interval: {formatDuration(g.interval * 1000)} · Last evaluation: {ago(g.lastEvaluation)} · Evaluation time: {seconds(g.evaluationTime)}
                </div>
                <table class="data">
                  <thead>
                    <tr>
                      <th>Rule</th>
                      <th>Health</th>
                      <th>Last evaluation</th>
                      <th>Evaluation time</th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.rules.map((r) => (
                      <tr>
                        <td>
                          <pre class="rule-def">
                            {r.type === "alerting" ? `alert: ${r.name}` : `record: ${r.name}`}
                            {`\nexpr: ${r.query}`}
                            {r.duration ? `\nfor: ${formatDuration(r.duration * 1000)}` : ""}
                            {Object.entries(r.labels).length > 0 ? `\nlabels:${Object.entries(r.labels).map(([k, v]) => `\n  ${k}: ${v}`).join("")}` : ""}
                          </pre>
                          {r.lastError ? <div class="alert error">Error: {r.lastError}</div> : null}
                        </td>
                        <td>
                          <span class={`badge health-${r.health}`}>{r.health.toUpperCase()}</span>
                        </td>
                        <td>{ago(r.lastEvaluation)}</td>
                        <td>{seconds(r.evaluationTime)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            ))
          )
        }
      </Show>
    </div>
  );
}

function poolsOf<T extends { scrapePool: string }>(ts: T[]): Array<[string, T[]]> {
  const m = new Map<string, T[]>();
  for (const t of ts) m.set(t.scrapePool, [...(m.get(t.scrapePool) ?? []), t]);
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function matchesText(t: ActiveTarget, q: string): boolean {
  if (q === "") return true;
  return t.scrapeUrl.toLowerCase().includes(q) || Object.entries(t.labels).some(([k, v]) => `${k}="${v}"`.toLowerCase().includes(q));
}

/** The targets page: pools with health, last scrape, duration, error, labels before and after relabeling; filters. */
export function TargetsPage() {
  const res = useAPI<TargetsData>("targets", { state: "active" });
  const [health, setHealth] = useState("all");
  const [search, setSearch] = useState("");
  const [discovered, setDiscovered] = useState(false);
  return (
    <div>
      <h1>Targets</h1>
      <div class="controls">
        <label>
          Health{" "}
          <select value={health} onChange={(e) => setHealth((e.target as HTMLSelectElement).value)}>
            <option value="all">All</option>
            <option value="up">Up</option>
            <option value="down">Down</option>
            <option value="unknown">Unknown</option>
          </select>
        </label>
        <input type="search" aria-label="Filter targets" placeholder="Filter by endpoint or labels" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        <label>
          <input type="checkbox" checked={discovered} onChange={(e) => setDiscovered((e.target as HTMLInputElement).checked)} /> Show labels before relabeling
        </label>
      </div>
      <Show value={res}>
        {(d) => {
          const q = search.toLowerCase();
          const pools = poolsOf(d.activeTargets);
          if (pools.length === 0) return <div class="empty">No targets.</div>;
          return pools.map(([pool, ts]) => {
            const up = ts.filter((t) => t.health === "up").length;
            const visible = ts.filter((t) => (health === "all" || t.health === health) && matchesText(t, q));
            return visible.length === 0 ? null : (
              <details class="pool" open>
                <summary>
                  <strong>{pool}</strong> ({up}/{ts.length} up)
                </summary>
                <table class="data">
                  <thead>
                    <tr>
                      <th>Endpoint</th>
                      <th>State</th>
                      <th>Labels</th>
                      <th>Last scrape</th>
                      <th>Scrape duration</th>
                      <th>Error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {visible.map((t) => (
                      <tr>
                        <td>
                          <a href={t.globalUrl}>{t.scrapeUrl}</a>
                        </td>
                        <td>
                          <span class={`badge health-${t.health}`}>{t.health.toUpperCase()}</span>
                        </td>
                        <td>
                          <LabelBadges labels={t.labels} />
                          {discovered ? (
                            <div class="discovered">
                              <div class="muted">Before relabeling:</div>
                              <LabelBadges labels={t.discoveredLabels} />
                            </div>
                          ) : null}
                        </td>
                        <td>{ago(t.lastScrape)}</td>
                        <td>{t.lastScrape.startsWith("0001-") ? "" : seconds(t.lastScrapeDuration)}</td>
                        <td class="error-text">{t.lastError}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            );
          });
        }}
      </Show>
    </div>
  );
}

/** The service discovery page: each pool's discovered labels beside the target labels, or "dropped". */
export function ServiceDiscoveryPage() {
  const res = useAPI<TargetsData>("targets", { state: "any" });
  return (
    <div>
      <h1>Service Discovery</h1>
      <Show value={res}>
        {(d) => {
          const rows: Array<{ scrapePool: string; discovered: Record<string, string>; labels: Record<string, string> | null }> = [
            ...d.activeTargets.map((t) => ({ scrapePool: t.scrapePool, discovered: t.discoveredLabels, labels: t.labels })),
            ...d.droppedTargets.map((t) => ({ scrapePool: t.scrapePool, discovered: t.discoveredLabels, labels: null })),
          ];
          const pools = poolsOf(rows);
          return (
            <>
              <ul>
                {pools.map(([pool, ts]) => (
                  <li>
                    <a href={`#pool-${pool}`}>{pool}</a> ({ts.filter((t) => t.labels !== null).length} active,{" "}
                    {d.droppedTargetCounts?.[pool] ?? ts.filter((t) => t.labels === null).length} dropped)
                  </li>
                ))}
              </ul>
              {pools.map(([pool, ts]) => (
                <section class="pool" id={`pool-${pool}`}>
                  <h2>{pool}</h2>
                  <table class="data">
                    <thead>
                      <tr>
                        <th>Discovered labels</th>
                        <th>Target labels</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ts.map((t) => (
                        <tr>
                          <td>
                            <LabelBadges labels={t.discovered} />
                          </td>
                          <td>{t.labels === null ? <span class="badge health-down">Dropped</span> : <LabelBadges labels={t.labels} />}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
              ))}
            </>
          );
        }}
      </Show>
    </div>
  );
}
