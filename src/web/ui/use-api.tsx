// Loading one API resource for a page, with its loading and error states.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, type Params } from "./api.ts";

/** The state of an API call: loading, failed with a message, or its data. */
export type Loaded<T> = { state: "loading" } | { state: "error"; error: string } | { state: "ok"; data: T };

/** Calls `/api/v1/<path>` once per change of path or params (compared as JSON). */
export function useAPI<T>(path: string, params: Params = {}): Loaded<T> {
  const [s, setS] = useState<Loaded<T>>({ state: "loading" });
  const key = path + JSON.stringify(params);
  useEffect(() => {
    const ac = new AbortController();
    setS({ state: "loading" });
    api<T>(path, params, { signal: ac.signal })
      .then((r) => setS({ state: "ok", data: r.data }))
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setS({ state: "error", error: e instanceof Error ? e.message : String(e) });
      });
    return () => ac.abort();
  }, [key]);
  return s;
}

/** Renders a loaded resource with `render`, or its loading or error state. */
export function Show<T>(props: { value: Loaded<T>; children: (data: T) => ComponentChildren }) {
  const v = props.value;
  if (v.state === "loading") return <div class="loading">Loading…</div>;
  if (v.state === "error")
    return (
      <div class="alert error" role="alert">
        Error: {v.error}
      </div>
    );
  return <>{props.children(v.data)}</>;
}

/** A label set as badges. */
export function LabelBadges(props: { labels: Record<string, string> }) {
  return (
    <span class="labels">
      {Object.entries(props.labels).map(([k, v]) => (
        <span class="badge">
          {k}="{v}"
        </span>
      ))}
    </span>
  );
}

/** Copies text to the clipboard, also without the Clipboard API (plain HTTP on a non-local host). */
async function copy(text: string): Promise<void> {
  if (navigator.clipboard !== undefined) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const ta = document.createElement("textarea");
  ta.value = text;
  document.body.append(ta);
  ta.select();
  document.execCommand("copy");
  ta.remove();
}

/** A configuration file's YAML with a copy button that says how the copy went. */
export function ConfigYAML(props: { yaml: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        onClick={() =>
          copy(props.yaml).then(
            () => setCopied("Copied"),
            (e: unknown) => setCopied(`Copy failed: ${e instanceof Error ? e.message : String(e)}`),
          )
        }
      >
        Copy to clipboard
      </button>{" "}
      {copied !== null ? <span role="status">{copied}</span> : null}
      <pre class="config" data-testid="config-yaml">
        {props.yaml}
      </pre>
    </>
  );
}
