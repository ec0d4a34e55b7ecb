// The server's web UI: a one-page app whose pages are one path segment
// under the prefix it is served at (/query, /alerts, ...), as Prometheus's.
import { render, type ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { pathPrefix } from "./api.ts";
import { AlertsPage, RulesPage, ServiceDiscoveryPage, TargetsPage } from "./pages.tsx";
import { QueryPage } from "./query-page.tsx";
import { ConfigPage, FlagsPage, StatusPage, TSDBStatusPage } from "./status-pages.tsx";
import { useTheme } from "./theme.ts";
import "./style.css";

const pages: Record<string, { title: string; component: ComponentType }> = {
  query: { title: "Query", component: QueryPage },
  alerts: { title: "Alerts", component: AlertsPage },
  rules: { title: "Rules", component: RulesPage },
  targets: { title: "Targets", component: TargetsPage },
  "service-discovery": { title: "Service Discovery", component: ServiceDiscoveryPage },
  status: { title: "Runtime & Build Information", component: StatusPage },
  "tsdb-status": { title: "TSDB Status", component: TSDBStatusPage },
  flags: { title: "Command-Line Flags", component: FlagsPage },
  config: { title: "Configuration", component: ConfigPage },
};

const nav: Array<[string, string]> = [
  ["query", "Query"],
  ["alerts", "Alerts"],
  ["rules", "Rules"],
  ["targets", "Targets"],
  ["service-discovery", "Service discovery"],
  ["status", "Status"],
  ["tsdb-status", "TSDB status"],
  ["flags", "Flags"],
  ["config", "Configuration"],
];

function currentPage(): string {
  const seg = location.pathname.slice(pathPrefix.length + 1);
  return seg in pages ? seg : "query";
}

function App() {
  const [page, setPage] = useState(currentPage);
  const [theme, toggleTheme] = useTheme();
  useEffect(() => {
    const onPop = () => setPage(currentPage());
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  useEffect(() => {
    document.title = `${pages[page]!.title} - Prometheus`;
  }, [page]);
  const go = (e: MouseEvent, to: string) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    history.pushState(null, "", `${pathPrefix}/${to}`);
    setPage(to);
  };
  const Page = pages[page]!.component;
  return (
    <>
      <header>
        <nav aria-label="Main">
          <span class="brand">Prometheus</span>
          {nav.map(([to, label]) => (
            <a href={`${pathPrefix}/${to}`} class={page === to ? "active" : ""} aria-current={page === to ? "page" : undefined} onClick={(e) => go(e, to)}>
              {label}
            </a>
          ))}
          <button type="button" class="theme" aria-label="Toggle dark theme" onClick={toggleTheme}>
            {theme === "dark" ? "☀" : "☾"}
          </button>
        </nav>
      </header>
      <main>
        <Page key={page} />
      </main>
    </>
  );
}

render(<App />, document.getElementById("root")!);
