// The Alertmanager's web UI: one page whose views are in the URL's
// fragment, as upstream's (#/alerts, #/silences, #/silences/new?filter=...,
// #/silences/<id>, #/silences/<id>/edit, #/status), so the links of
// notification templates ({{ .ExternalURL }}/#/silences/new?filter=...) work.
import { render, type ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { AlertsPage } from "./am-alerts.tsx";
import { SilenceForm, SilenceView, SilencesPage } from "./am-silences.tsx";
import { StatusPage } from "./am-status.tsx";
import { useTheme } from "./theme.ts";
import "./style.css";

interface Route {
  /** The nav entry it belongs to. */
  section: "alerts" | "silences" | "status" | "";
  title: string;
  page: ComponentChildren;
}

function route(hash: string): Route {
  const h = hash.replace(/^#/, "");
  const q = h.indexOf("?");
  const path = q < 0 ? h : h.slice(0, q);
  const query = new URLSearchParams(q < 0 ? "" : h.slice(q + 1));
  const seg = path.split("/").filter((s) => s !== "");
  if (seg.length === 0 || (seg.length === 1 && seg[0] === "alerts")) return { section: "alerts", title: "Alerts", page: <AlertsPage query={query} /> };
  if (seg[0] === "silences") {
    if (seg.length === 1) return { section: "silences", title: "Silences", page: <SilencesPage query={query} /> };
    if (seg.length === 2 && seg[1] === "new") return { section: "silences", title: "New silence", page: <SilenceForm key={`new?${query}`} query={query} /> };
    const id = decodeURIComponent(seg[1]!);
    if (seg.length === 2) return { section: "silences", title: "Silence", page: <SilenceView key={id} id={id} /> };
    if (seg.length === 3 && seg[2] === "edit") return { section: "silences", title: "Edit silence", page: <SilenceForm key={id} id={id} query={query} /> };
  }
  if (seg.length === 1 && seg[0] === "status") return { section: "status", title: "Status", page: <StatusPage /> };
  return {
    section: "",
    title: "Not found",
    page: (
      <div class="alert error" role="alert">
        No such page: #{h}. <a href="#/alerts">Go to the alerts.</a>
      </div>
    ),
  };
}

const nav = [
  ["alerts", "Alerts"],
  ["silences", "Silences"],
  ["status", "Status"],
] as const;

function App() {
  const [hash, setHash] = useState(location.hash);
  const [theme, toggleTheme] = useTheme();
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  const r = route(hash);
  useEffect(() => {
    document.title = `${r.title} - Alertmanager`;
  }, [r.title]);
  return (
    <>
      <header>
        <nav aria-label="Main">
          <span class="brand">Alertmanager</span>
          {nav.map(([to, label]) => (
            <a href={`#/${to}`} class={r.section === to ? "active" : ""} aria-current={r.section === to ? "page" : undefined}>
              {label}
            </a>
          ))}
          <a href="#/silences/new" class="am-new-silence">
            New silence
          </a>
          <button type="button" class="theme" aria-label="Toggle dark theme" onClick={toggleTheme}>
            {theme === "dark" ? "☀" : "☾"}
          </button>
        </nav>
      </header>
      <main>{r.page}</main>
    </>
  );
}

// The page itself is #/alerts, as upstream redirects an empty fragment.
if (location.hash === "" || location.hash === "#") history.replaceState(null, "", "#/alerts");
render(<App />, document.getElementById("root")!);
