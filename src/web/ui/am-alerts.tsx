// The Alertmanager UI's alerts page: alerts grouped as the route tree
// groups them, filtered by matchers, receiver and state. The filter lives
// in the URL (#/alerts?filter=...&receiver=...&silenced=...), as upstream's.
import { useState } from "preact/hooks";
import { filterParam, formatMatchers, type AlertGroup } from "./am-api.ts";
import { AlertCard, MatcherFilter, filterMatchers, useAM } from "./am-common.tsx";
import type { Params } from "./api.ts";
import { LabelBadges, Show } from "./use-api.tsx";

/** The state filters, their query parameter and default (upstream hides silenced and inhibited alerts). */
const stateFilters = [
  { param: "active", label: "Active", def: true },
  { param: "silenced", label: "Silenced", def: false },
  { param: "inhibited", label: "Inhibited", def: false },
] as const;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The alerts page for the hash's query `query`. */
export function AlertsPage(props: { query: URLSearchParams }) {
  const q = props.query;
  const filter = q.get("filter") ?? "";
  const receiver = q.get("receiver") ?? "";
  const states = Object.fromEntries(stateFilters.map((f) => [f.param, q.has(f.param) ? q.get(f.param) === "true" : f.def]));
  const [reload, setReload] = useState(0);
  const parsed = filterMatchers(filter);
  const params: Params = { ...Object.fromEntries(Object.entries(states).map(([k, v]) => [k, String(v)])), filter: filterParam(parsed.matchers) };
  if (receiver !== "") params.receiver = escapeRegex(receiver);
  const groups = useAM<AlertGroup[]>(parsed.error === null ? "alerts/groups" : null, params, reload);
  const receivers = useAM<Array<{ name: string }>>("receivers");
  const set = (changes: Record<string, string>) => {
    const n = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) {
      if (v === "") n.delete(k);
      else n.set(k, v);
    }
    location.hash = `#/alerts?${n}`;
  };
  const addLabel = (name: string, value: string) => {
    const ms = parsed.matchers.filter((m) => m.name !== name);
    set({ filter: formatMatchers([...ms, { name, value, isEqual: true, isRegex: false }]) });
  };
  return (
    <div>
      <h1>Alerts</h1>
      <MatcherFilter id="alerts-filter" value={filter} onApply={(text) => set({ filter: text })} />
      <div class="controls">
        <label>
          Receiver{" "}
          <select value={receiver} onChange={(e) => set({ receiver: (e.target as HTMLSelectElement).value })}>
            <option value="">All</option>
            {receivers.state === "ok" ? receivers.data.map((r) => <option value={r.name}>{r.name}</option>) : null}
          </select>
        </label>
        {stateFilters.map((f) => (
          <label>
            <input type="checkbox" checked={states[f.param]} onChange={(e) => set({ [f.param]: String((e.target as HTMLInputElement).checked) })} /> {f.label}
          </label>
        ))}
        <button type="button" onClick={() => setReload(reload + 1)}>
          Refresh
        </button>
      </div>
      {parsed.error !== null ? (
        <div class="alert error" role="alert">
          Invalid filter in the URL: {parsed.error}
        </div>
      ) : (
        <Show value={groups}>
          {(gs) => {
            const n = gs.reduce((sum, g) => sum + g.alerts.length, 0);
            return (
              <>
                <div class="muted" role="status">
                  {n} alert{n === 1 ? "" : "s"} in {gs.length} group{gs.length === 1 ? "" : "s"}
                </div>
                {gs.length === 0 ? <div class="empty">No alert groups found.</div> : null}
                {gs.map((g) => (
                  <section class="am-group panel" aria-label={`Group ${formatMatchers(Object.entries(g.labels).map(([name, value]) => ({ name, value, isEqual: true, isRegex: false })))}`}>
                    <h2 class="am-group-head">
                      {Object.keys(g.labels).length === 0 ? <span class="muted">Not grouped</span> : <LabelBadges labels={g.labels} />}
                      <span class="muted am-receiver">receiver: {g.receiver.name}</span>
                      <span class="muted">
                        {g.alerts.length} alert{g.alerts.length === 1 ? "" : "s"}
                      </span>
                    </h2>
                    <ul class="am-alerts">
                      {g.alerts.map((a) => (
                        <AlertCard alert={a} onLabel={addLabel} />
                      ))}
                    </ul>
                  </section>
                ))}
              </>
            );
          }}
        </Show>
      )}
    </div>
  );
}
