// The Alertmanager UI's status page: uptime, cluster status and peers,
// version information and the configuration.
import type { AMStatus } from "./am-api.ts";
import { Time, useAM } from "./am-common.tsx";
import { ConfigYAML, Show } from "./use-api.tsx";

/** The status page (/api/v2/status). */
export function StatusPage() {
  const res = useAM<AMStatus>("status");
  return (
    <div>
      <h1>Status</h1>
      <Show value={res}>
        {(d) => (
          <>
            <table class="data kv">
              <tbody>
                <tr>
                  <th>Uptime</th>
                  <td>
                    <Time value={d.uptime} />
                  </td>
                </tr>
              </tbody>
            </table>
            <section aria-labelledby="cluster-status">
              <h2 id="cluster-status">Cluster status</h2>
              <table class="data kv" data-testid="cluster">
                <tbody>
                  {d.cluster.name !== undefined ? (
                    <tr>
                      <th>Name</th>
                      <td class="mono">{d.cluster.name}</td>
                    </tr>
                  ) : null}
                  <tr>
                    <th>Status</th>
                    <td>
                      <span class={`badge am-cluster-${d.cluster.status}`}>{d.cluster.status}</span>
                    </td>
                  </tr>
                </tbody>
              </table>
              <h3>Peers</h3>
              {d.cluster.peers.length === 0 ? (
                <div class="empty">No peers: clustering is {d.cluster.status === "disabled" ? "disabled" : "alone"}.</div>
              ) : (
                <table class="data" data-testid="peers">
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>Address</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.cluster.peers.map((p) => (
                      <tr>
                        <td class="mono">{p.name}</td>
                        <td class="mono">{p.address}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section aria-labelledby="version-info">
              <h2 id="version-info">Version information</h2>
              <table class="data kv">
                <tbody>
                  {Object.entries(d.versionInfo).map(([k, v]) => (
                    <tr>
                      <th>{k}</th>
                      <td>{v}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section aria-labelledby="config">
              <h2 id="config">Config</h2>
              <ConfigYAML yaml={d.config.original} />
            </section>
          </>
        )}
      </Show>
    </div>
  );
}
