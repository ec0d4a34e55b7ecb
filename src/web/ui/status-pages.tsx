// The status pages: runtime and build information, command-line flags,
// configuration, TSDB status.
import { useState } from "preact/hooks";
import { ConfigYAML, Show, useAPI } from "./use-api.tsx";

function KeyValues(props: { title: string; data: Record<string, unknown> }) {
  return (
    <section>
      <h2>{props.title}</h2>
      <table class="data kv">
        <tbody>
          {Object.entries(props.data).map(([k, v]) => (
            <tr>
              <th>{k}</th>
              <td>{String(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Runtime and build information, and the Alertmanagers the server sends to. */
export function StatusPage() {
  const runtime = useAPI<Record<string, unknown>>("status/runtimeinfo");
  const build = useAPI<Record<string, unknown>>("status/buildinfo");
  const ams = useAPI<{ activeAlertmanagers: Array<{ url: string }>; droppedAlertmanagers: Array<{ url: string }> }>("alertmanagers");
  return (
    <div>
      <h1>Runtime &amp; Build Information</h1>
      <Show value={runtime}>{(d) => <KeyValues title="Runtime Information" data={d} />}</Show>
      <Show value={build}>{(d) => <KeyValues title="Build Information" data={d} />}</Show>
      <Show value={ams}>
        {(d) => (
          <section>
            <h2>Alertmanagers</h2>
            {d.activeAlertmanagers.length === 0 ? <div class="empty">No Alertmanagers.</div> : null}
            <ul>
              {d.activeAlertmanagers.map((a) => (
                <li>{a.url}</li>
              ))}
            </ul>
          </section>
        )}
      </Show>
    </div>
  );
}

/** The command-line flags, filterable. */
export function FlagsPage() {
  const res = useAPI<Record<string, string>>("status/flags");
  const [q, setQ] = useState("");
  return (
    <div>
      <h1>Command-Line Flags</h1>
      <input type="search" aria-label="Filter flags" placeholder="Filter" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      <Show value={res}>
        {(d) => (
          <table class="data kv">
            <tbody>
              {Object.entries(d)
                .filter(([k, v]) => q === "" || k.includes(q) || v.includes(q))
                .sort((a, b) => (a[0] < b[0] ? -1 : 1))
                .map(([k, v]) => (
                  <tr>
                    <th>--{k}</th>
                    <td>{v}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </Show>
    </div>
  );
}

/** The loaded configuration, with a copy button. */
export function ConfigPage() {
  const res = useAPI<{ yaml: string }>("status/config");
  return (
    <div>
      <h1>Configuration</h1>
      <Show value={res}>
        {(d) => (
          <>
            <ConfigYAML yaml={d.yaml} />
          </>
        )}
      </Show>
    </div>
  );
}

interface TSDBStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: Array<{ name: string; value: number }>;
  labelValueCountByLabelName: Array<{ name: string; value: number }>;
  memoryInBytesByLabelName: Array<{ name: string; value: number }>;
  seriesCountByLabelValuePair: Array<{ name: string; value: number }>;
}

function TopTable(props: { title: string; col: string; rows: Array<{ name: string; value: number }> }) {
  return (
    <section>
      <h2>{props.title}</h2>
      <table class="data">
        <thead>
          <tr>
            <th>Name</th>
            <th>{props.col}</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              <td>{r.name}</td>
              <td class="value">{r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Head statistics and the top cardinality tables. */
export function TSDBStatusPage() {
  const res = useAPI<TSDBStatus>("status/tsdb");
  return (
    <div>
      <h1>TSDB Status</h1>
      <Show value={res}>
        {(d) => {
          const h = d.headStats;
          const empty = h.numSeries === 0;
          return (
            <>
              <KeyValues
                title="Head Stats"
                data={{
                  "Number of series": h.numSeries,
                  "Number of chunks": h.chunkCount,
                  "Number of label pairs": h.numLabelPairs,
                  "Current min time": empty ? "none" : `${new Date(h.minTime).toISOString()} (${h.minTime})`,
                  "Current max time": empty ? "none" : `${new Date(h.maxTime).toISOString()} (${h.maxTime})`,
                }}
              />
              <TopTable title="Top 10 series count by metric names" col="Count" rows={d.seriesCountByMetricName} />
              <TopTable title="Top 10 label names with value count" col="Count" rows={d.labelValueCountByLabelName} />
              <TopTable title="Top 10 label names with high memory usage" col="Bytes" rows={d.memoryInBytesByLabelName} />
              <TopTable title="Top 10 series count by label value pairs" col="Count" rows={d.seriesCountByLabelValuePair} />
            </>
          );
        }}
      </Show>
    </div>
  );
}
