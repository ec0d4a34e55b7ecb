// Pieces shared by the Alertmanager UI's pages: loading an API v2
// resource, an alert's card, times.
import { useEffect, useRef, useState } from "preact/hooks";
import { amAPI, formatMatcher, formatMatchers, formatTime, labelMatchers, parseMatchers, type AMMatcher, type GettableAlert } from "./am-api.ts";
import type { Params } from "./api.ts";
import { ago, formatDuration } from "./format.ts";
import { LabelBadges, type Loaded } from "./use-api.tsx";

/**
 * GETs `/api/v2/<path>` once per change of path, params (compared as
 * JSON) or `reload` (bump it to fetch again; the data shown stays until
 * the new answer arrives). A null path fetches nothing and stays loading.
 */
export function useAM<T>(path: string | null, params: Params = {}, reload = 0): Loaded<T> {
  const [s, setS] = useState<Loaded<T>>({ state: "loading" });
  const key = `${path}${JSON.stringify(params)}`;
  const shownKey = useRef(key);
  useEffect(() => {
    // A new path or params shows the loading state rather than the old data.
    if (shownKey.current !== key) {
      shownKey.current = key;
      setS({ state: "loading" });
    }
    if (path === null) return;
    const ac = new AbortController();
    amAPI<T>(path, { params, signal: ac.signal })
      .then((data) => setS({ state: "ok", data }))
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setS({ state: "error", error: e instanceof Error ? e.message : String(e) });
      });
    return () => ac.abort();
  }, [key, reload]);
  return s;
}

/** How far a time is from now: "5m ago" or "in 2h". */
function relative(rfc3339: string, nowMs: number = Date.now()): string {
  const t = Date.parse(rfc3339);
  if (!Number.isFinite(t)) return "";
  if (t <= nowMs) return ago(rfc3339, nowMs);
  return `in ${formatDuration(Math.ceil((t - nowMs) / 1000) * 1000)}`;
}

/** A time with how far it is from now; the exact RFC 3339 text in its title. */
export function Time(props: { value: string }) {
  return (
    <time dateTime={props.value} title={props.value}>
      {formatTime(props.value)} ({relative(props.value)})
    </time>
  );
}

/** The hash of the silence form prefilled with an alert's labels. */
function silenceFormHash(labels: Record<string, string>): string {
  return `#/silences/new?${new URLSearchParams({ filter: formatMatchers(labelMatchers(labels)) })}`;
}

/**
 * An alert: start time, state (silenced or inhibited, linking to the
 * silences), a Silence button, labels (a click on one adds it to the
 * filter when `onLabel` is given) and annotations.
 */
export function AlertCard(props: { alert: GettableAlert; onLabel?: (name: string, value: string) => void; silenceButton?: boolean }) {
  const a = props.alert;
  const name = a.labels.alertname ?? "";
  return (
    <li class="am-alert" data-fingerprint={a.fingerprint}>
      <div class="am-alert-head">
        <span class="muted">
          Started <Time value={a.startsAt} />
        </span>
        {a.status.silencedBy.length > 0 ? (
          <span class="badge am-silenced">
            silenced by{" "}
            {a.status.silencedBy.map((id) => (
              <a href={`#/silences/${id}`}>{id.slice(0, 8)}</a>
            ))}
          </span>
        ) : null}
        {a.status.inhibitedBy.length > 0 ? <span class="badge am-inhibited">inhibited</span> : null}
        {(a.status.mutedBy ?? []).length > 0 ? <span class="badge am-inhibited">muted by {a.status.mutedBy!.join(", ")}</span> : null}
        {a.generatorURL !== undefined && a.generatorURL !== "" ? (
          <a href={a.generatorURL} target="_blank" rel="noreferrer">
            Source
          </a>
        ) : null}
        {props.silenceButton === false ? null : (
          <a class="button" href={silenceFormHash(a.labels)} aria-label={`Silence ${name} alert`}>
            Silence
          </a>
        )}
      </div>
      <div class="labels">
        {props.onLabel === undefined ? (
          <LabelBadges labels={a.labels} />
        ) : (
          Object.entries(a.labels).map(([k, v]) => (
            <button type="button" class="badge am-label" title="Add to the filter" onClick={() => props.onLabel!(k, v)}>
              {k}="{v}"
            </button>
          ))
        )}
      </div>
      {Object.keys(a.annotations).length > 0 ? (
        <dl class="am-annotations">
          {Object.entries(a.annotations).map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{/^https?:\/\//.test(v) ? <a href={v}>{v}</a> : v}</dd>
            </>
          ))}
        </dl>
      ) : null}
    </li>
  );
}

/** The matchers of a filter text, or the reason it does not parse. */
export function filterMatchers(text: string): { matchers: AMMatcher[]; error: string | null } {
  try {
    return { matchers: parseMatchers(text), error: null };
  } catch (e) {
    return { matchers: [], error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A matcher filter: a text input taking `{name="value", ...}` (applied on
 * Enter or Apply, after it parses) and the applied matchers as chips
 * that remove themselves. `onApply` gets the normalized text ("" for none).
 */
export function MatcherFilter(props: { id: string; value: string; onApply: (text: string) => void }) {
  const [text, setText] = useState(props.value);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(props.value);
    setError(null);
  }, [props.value]);
  const applied = filterMatchers(props.value).matchers;
  const apply = (ms: AMMatcher[]) => props.onApply(ms.length === 0 ? "" : formatMatchers(ms));
  const submit = (e: Event) => {
    e.preventDefault();
    const f = filterMatchers(text);
    setError(f.error);
    if (f.error === null) apply(f.matchers);
  };
  return (
    <form class="am-filter" role="search" onSubmit={submit}>
      <div class="row">
        <label for={props.id}>Filter</label>
        <input
          id={props.id}
          class="grow mono"
          type="text"
          spellcheck={false}
          autocomplete="off"
          placeholder='{severity="critical", alertname=~"Disk.*"}'
          value={text}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? `${props.id}-error` : undefined}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Apply</button>
      </div>
      {error !== null ? (
        <div id={`${props.id}-error`} class="alert error" role="alert">
          Invalid filter: {error}
        </div>
      ) : null}
      {applied.length > 0 ? (
        <div class="am-chips">
          {applied.map((m, i) => (
            <span class="badge am-chip">
              {formatMatcher(m)}
              <button type="button" aria-label={`Remove filter ${formatMatcher(m)}`} onClick={() => apply(applied.filter((_, j) => j !== i))}>
                ×
              </button>
            </span>
          ))}
        </div>
      ) : null}
    </form>
  );
}
