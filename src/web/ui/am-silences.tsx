// The Alertmanager UI's silence pages: the list (active, pending and
// expired tabs), one silence with the alerts it mutes, and the form that
// creates, edits or recreates one, with a preview of the alerts it would mute.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import {
  amAPI,
  filterParam,
  formatMatcher,
  matcherOp,
  matcherOps,
  parseMatchers,
  regexError,
  silenceStates,
  type AMMatcher,
  type GettableAlert,
  type GettableSilence,
  type PostableSilence,
  type SilenceState,
} from "./am-api.ts";
import { AlertCard, MatcherFilter, Time, filterMatchers, useAM } from "./am-common.tsx";
import { formatDuration, parseDuration } from "./format.ts";
import { Show, type Loaded } from "./use-api.tsx";

function Matchers(props: { matchers: AMMatcher[] }) {
  return (
    <span class="labels am-matchers">
      {props.matchers.map((m) => (
        <span class="badge">{formatMatcher(m)}</span>
      ))}
    </span>
  );
}

/** Expires a silence; `done` runs after, with the error message if it failed. */
function ExpireButton(props: { silence: GettableSilence; done: (error: string | null) => void }) {
  const [busy, setBusy] = useState(false);
  const expire = () => {
    setBusy(true);
    amAPI<void>(`silence/${encodeURIComponent(props.silence.id)}`, { method: "DELETE" })
      .then(
        () => props.done(null),
        (e: unknown) => props.done(`Expiring the silence failed: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => setBusy(false));
  };
  return (
    <button type="button" class="danger" disabled={busy} onClick={expire}>
      Expire
    </button>
  );
}

function SilenceActions(props: { silence: GettableSilence; view?: boolean; done: (error: string | null) => void }) {
  const s = props.silence;
  const expired = s.status.state === "expired";
  return (
    <span class="am-actions">
      {props.view === false ? null : (
        <a class="button" href={`#/silences/${s.id}`}>
          View
        </a>
      )}
      <a class="button" href={`#/silences/${s.id}/edit`}>
        {expired ? "Recreate" : "Edit"}
      </a>
      {expired ? null : <ExpireButton silence={s} done={props.done} />}
    </span>
  );
}

/** The silences page: filter, state tabs with counts, and each silence with its actions. */
export function SilencesPage(props: { query: URLSearchParams }) {
  const q = props.query;
  const filter = q.get("filter") ?? "";
  const stateParam = q.get("state");
  const tab: SilenceState = silenceStates.find((s) => s === stateParam) ?? "active";
  const [reload, setReload] = useState(0);
  const [actionError, setActionError] = useState<string | null>(null);
  const parsed = filterMatchers(filter);
  const res = useAM<GettableSilence[]>(parsed.error === null ? "silences" : null, { filter: filterParam(parsed.matchers) }, reload);
  const set = (k: string, v: string) => {
    const n = new URLSearchParams(q);
    if (v === "") n.delete(k);
    else n.set(k, v);
    location.hash = `#/silences?${n}`;
  };
  const done = (error: string | null) => {
    setActionError(error);
    setReload(reload + 1);
  };
  return (
    <div>
      <h1>Silences</h1>
      <div class="row am-toolbar">
        <div class="grow">
          <MatcherFilter id="silences-filter" value={filter} onApply={(text) => set("filter", text)} />
        </div>
        <a class="button primary" href="#/silences/new">
          New silence
        </a>
      </div>
      {actionError !== null ? (
        <div class="alert error" role="alert">
          {actionError}
        </div>
      ) : null}
      {parsed.error !== null ? (
        <div class="alert error" role="alert">
          Invalid filter in the URL: {parsed.error}
        </div>
      ) : (
        <Show value={res}>
          {(all) => {
            const shown = all.filter((s) => s.status.state === tab);
            return (
              <>
                <div class="tabs" role="tablist" aria-label="Silence state">
                  {silenceStates.map((st) => (
                    <button type="button" role="tab" class={`tab ${st === tab ? "active" : ""}`} aria-selected={st === tab} onClick={() => set("state", st === "active" ? "" : st)}>
                      {st[0]!.toUpperCase() + st.slice(1)} ({all.filter((s) => s.status.state === st).length})
                    </button>
                  ))}
                </div>
                <div class="tab-body" role="tabpanel">
                  {shown.length === 0 ? <div class="empty">No {tab} silences.</div> : null}
                  <ul class="am-silences">
                    {shown.map((s) => (
                      <li class="am-silence panel" data-silence-id={s.id}>
                        <div class="am-alert-head">
                          <span class="muted">
                            {s.status.state === "pending" ? (
                              <>
                                Starts <Time value={s.startsAt} />
                              </>
                            ) : (
                              <>
                                {s.status.state === "expired" ? "Ended" : "Ends"} <Time value={s.endsAt} />
                              </>
                            )}
                          </span>
                          <SilenceActions silence={s} done={done} />
                        </div>
                        <Matchers matchers={s.matchers} />
                        <div class="am-comment">
                          <span class="muted">{s.createdBy}:</span> {s.comment}
                        </div>
                      </li>
                    ))}
                  </ul>
                </div>
              </>
            );
          }}
        </Show>
      )}
    </div>
  );
}

/** One silence: its fields, actions and the alerts it mutes now. */
export function SilenceView(props: { id: string }) {
  const [reload, setReload] = useState(0);
  const [actionError, setActionError] = useState<string | null>(null);
  const res = useAM<GettableSilence>(`silence/${encodeURIComponent(props.id)}`, {}, reload);
  const matchers = res.state === "ok" ? res.data.matchers : null;
  const affected = useAM<GettableAlert[]>(
    matchers === null || res.state !== "ok" || res.data.status.state !== "active" ? null : "alerts",
    { filter: filterParam(matchers ?? []), silenced: "true", inhibited: "true", active: "true" },
    reload,
  );
  return (
    <div>
      <h1>Silence</h1>
      {actionError !== null ? (
        <div class="alert error" role="alert">
          {actionError}
        </div>
      ) : null}
      <Show value={res}>
        {(s) => (
          <>
            <div class="am-toolbar">
              <SilenceActions
                silence={s}
                view={false}
                done={(e) => {
                  setActionError(e);
                  setReload(reload + 1);
                }}
              />
            </div>
            <table class="data kv">
              <tbody>
                <tr>
                  <th>ID</th>
                  <td class="mono">{s.id}</td>
                </tr>
                <tr>
                  <th>State</th>
                  <td>
                    <span class={`badge am-state-${s.status.state}`}>{s.status.state}</span>
                  </td>
                </tr>
                <tr>
                  <th>Matchers</th>
                  <td>
                    <Matchers matchers={s.matchers} />
                  </td>
                </tr>
                <tr>
                  <th>Starts at</th>
                  <td>
                    <Time value={s.startsAt} />
                  </td>
                </tr>
                <tr>
                  <th>Ends at</th>
                  <td>
                    <Time value={s.endsAt} />
                  </td>
                </tr>
                <tr>
                  <th>Updated at</th>
                  <td>
                    <Time value={s.updatedAt} />
                  </td>
                </tr>
                <tr>
                  <th>Created by</th>
                  <td>{s.createdBy}</td>
                </tr>
                <tr>
                  <th>Comment</th>
                  <td class="am-comment">{s.comment}</td>
                </tr>
              </tbody>
            </table>
            <h2>Affected alerts</h2>
            {s.status.state !== "active" ? (
              <div class="empty">The silence is {s.status.state}: it mutes no alerts now.</div>
            ) : (
              <Show value={affected}>
                {(alerts) =>
                  alerts.length === 0 ? (
                    <div class="empty">No alerts match the silence.</div>
                  ) : (
                    <ul class="am-alerts">
                      {alerts.map((a) => (
                        <AlertCard alert={a} silenceButton={false} />
                      ))}
                    </ul>
                  )
                }
              </Show>
            )}
          </>
        )}
      </Show>
    </div>
  );
}

interface MatcherRow {
  name: string;
  value: string;
  op: string;
}

interface FormState {
  matchers: MatcherRow[];
  startsAt: string;
  duration: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

const creatorKey = "promstack.alertmanager.creator";
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * An epoch-ms time as the form writes it: RFC 3339 in UTC, milliseconds
 * only when there are some (an edited silence keeps its exact start, or
 * the API would replace it by a new one rather than update it).
 */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, "Z");
}

function parseTime(s: string): number | null {
  if (!RFC3339.test(s.trim())) return null;
  const t = Date.parse(s.trim());
  return Number.isFinite(t) ? t : null;
}

function rowOf(m: AMMatcher): MatcherRow {
  return { name: m.name, value: m.value, op: matcherOp(m) };
}

/** A new silence's form: from now (to the second) for 2h. */
function newForm(matchers: AMMatcher[], nowMs: number): FormState {
  const durationMs = 2 * 3600_000;
  const start = Math.floor(nowMs / 1000) * 1000;
  return {
    matchers: matchers.length > 0 ? matchers.map(rowOf) : [{ name: "", value: "", op: "=" }],
    startsAt: rfc3339(start),
    duration: formatDuration(durationMs),
    endsAt: rfc3339(start + durationMs),
    createdBy: localStorage.getItem(creatorKey) ?? "",
    comment: "",
  };
}

/** The edit form of an existing silence; an expired one restarts now, for as long as it lasted. */
function editForm(s: GettableSilence, nowMs: number): FormState {
  let start = Date.parse(s.startsAt);
  let end = Date.parse(s.endsAt);
  if (s.status.state === "expired") {
    end = nowMs + Math.max(end - start, 60_000);
    start = nowMs;
  }
  return {
    matchers: s.matchers.map(rowOf),
    startsAt: rfc3339(start),
    duration: formatDuration(Math.max(0, Math.round((end - start) / 1000) * 1000)),
    endsAt: rfc3339(end),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

type Errors = Partial<Record<"matchers" | "startsAt" | "duration" | "endsAt" | "createdBy" | "comment", string>> & { rows?: Record<number, string> };

function rowMatcher(r: MatcherRow): AMMatcher {
  const op = matcherOps.find((o) => o.op === r.op) ?? matcherOps[0]!;
  return { name: r.name.trim(), value: r.value, isEqual: op.isEqual, isRegex: op.isRegex };
}

/** Whether a (valid) matcher matches the empty string: then it would match alerts without the label too. */
function matchesEmpty(m: AMMatcher): boolean {
  const eq = m.isRegex ? new RegExp(`^(?:${m.value})$`, "u").test("") : m.value === "";
  return eq === m.isEqual;
}

/** The silence a form describes, or why it is not one. */
function validate(f: FormState): { silence: Omit<PostableSilence, "id"> | null; errors: Errors } {
  const errors: Errors = {};
  const rows: Record<number, string> = {};
  const matchers = f.matchers.map(rowMatcher);
  matchers.forEach((m, i) => {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name)) rows[i] = m.name === "" ? "A label name is required." : `Invalid label name ${JSON.stringify(m.name)}.`;
    else if (regexError(m) !== null) rows[i] = `Invalid regular expression: ${regexError(m)}.`;
  });
  if (Object.keys(rows).length > 0) errors.rows = rows;
  if (matchers.length === 0) errors.matchers = "At least one matcher is required.";
  else if (errors.rows === undefined && matchers.every(matchesEmpty)) errors.matchers = "At least one matcher must not match the empty string.";
  const start = parseTime(f.startsAt);
  const end = parseTime(f.endsAt);
  if (start === null) errors.startsAt = "Not an RFC 3339 time (2006-01-02T15:04:05Z).";
  if (end === null) errors.endsAt = "Not an RFC 3339 time (2006-01-02T15:04:05Z).";
  else if (start !== null && end <= start) errors.endsAt = "The end must be after the start.";
  else if (end <= Date.now()) errors.endsAt = "The end must be in the future.";
  if (parseDuration(f.duration) === null) errors.duration = "Not a duration (1h30m, 2d).";
  if (f.createdBy.trim() === "") errors.createdBy = "Who creates the silence is required.";
  if (f.comment.trim() === "") errors.comment = "A comment is required.";
  const ok = Object.keys(errors).length === 0;
  return {
    errors,
    silence: ok ? { matchers, startsAt: new Date(start!).toISOString(), endsAt: new Date(end!).toISOString(), createdBy: f.createdBy.trim(), comment: f.comment } : null,
  };
}

function Field(props: { id: string; label: string; error: string | undefined; children: (a: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => ComponentChildren }) {
  const described = props.error !== undefined ? { "aria-describedby": `${props.id}-error` } : {};
  return (
    <div class="am-field">
      <label for={props.id}>{props.label}</label>
      {props.children({ id: props.id, "aria-invalid": props.error !== undefined, ...described })}
      {props.error !== undefined ? (
        <div id={`${props.id}-error`} class="error-text">
          {props.error}
        </div>
      ) : null}
    </div>
  );
}

/**
 * The silence form: a new silence (prefilled from `filter` in the hash's
 * query, as an alert's Silence button links), or the silence `id` to edit
 * (or recreate, when it expired).
 */
export function SilenceForm(props: { id?: string; query: URLSearchParams }) {
  const editing = useAM<GettableSilence>(props.id === undefined ? null : `silence/${encodeURIComponent(props.id)}`);
  const prefill = filterMatchers(props.query.get("filter") ?? "");
  const [form, setForm] = useState<FormState | null>(() => (props.id === undefined ? newForm(prefill.matchers, Date.now()) : null));
  const [errors, setErrors] = useState<Errors>({});
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<Loaded<GettableAlert[]> | null>(null);
  useEffect(() => {
    if (editing.state === "ok" && form === null) setForm(editForm(editing.data, Date.now()));
  }, [editing.state]);
  if (props.id !== undefined && form === null) {
    return (
      <div>
        <h1>Edit silence</h1>
        <Show value={editing}>{() => <div class="loading">Loading…</div>}</Show>
      </div>
    );
  }
  const f = form!;
  const recreate = editing.state === "ok" && editing.data.status.state === "expired";
  const title = props.id === undefined ? "New silence" : recreate ? "Recreate silence" : "Edit silence";
  const update = (changes: Partial<FormState>) => setForm({ ...f, ...changes });
  const setStart = (startsAt: string) => {
    const start = parseTime(startsAt);
    const d = parseDuration(f.duration);
    update(start !== null && d !== null ? { startsAt, endsAt: rfc3339(start + d) } : { startsAt });
  };
  const setDuration = (duration: string) => {
    const start = parseTime(f.startsAt);
    const d = parseDuration(duration);
    update(start !== null && d !== null ? { duration, endsAt: rfc3339(start + d) } : { duration });
  };
  const setEnd = (endsAt: string) => {
    const start = parseTime(f.startsAt);
    const end = parseTime(endsAt);
    update(start !== null && end !== null && end > start ? { endsAt, duration: formatDuration(Math.round((end - start) / 1000) * 1000) } : { endsAt });
  };
  const setRow = (i: number, changes: Partial<MatcherRow>) => update({ matchers: f.matchers.map((r, j) => (j === i ? { ...r, ...changes } : r)) });
  const runPreview = () => {
    const v = validate(f);
    setErrors(v.errors);
    if (v.errors.rows !== undefined || v.errors.matchers !== undefined) return;
    setPreview({ state: "loading" });
    amAPI<GettableAlert[]>("alerts", { params: { filter: filterParam(f.matchers.map(rowMatcher)), silenced: "true", inhibited: "true", active: "true" } }).then(
      (data) => setPreview({ state: "ok", data }),
      (e: unknown) => setPreview({ state: "error", error: e instanceof Error ? e.message : String(e) }),
    );
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const v = validate(f);
    setErrors(v.errors);
    if (v.silence === null) return;
    const body: PostableSilence = { ...v.silence, ...(props.id !== undefined && !recreate ? { id: props.id } : {}) };
    localStorage.setItem(creatorKey, body.createdBy);
    setBusy(true);
    setSubmitError(null);
    amAPI<{ silenceID: string }>("silences", { method: "POST", body })
      .then(
        (r) => {
          location.hash = `#/silences/${r.silenceID}`;
        },
        (err: unknown) => setSubmitError(err instanceof Error ? err.message : String(err)),
      )
      .finally(() => setBusy(false));
  };
  const reset = () => {
    setForm(props.id !== undefined && editing.state === "ok" ? editForm(editing.data, Date.now()) : newForm(prefill.matchers, Date.now()));
    setErrors({});
    setPreview(null);
    setSubmitError(null);
  };
  return (
    <div>
      <h1>{title}</h1>
      {prefill.error !== null ? (
        <div class="alert error" role="alert">
          The filter to prefill the form from does not parse: {prefill.error}
        </div>
      ) : null}
      <form class="am-silence-form" onSubmit={submit} noValidate>
        <div class="am-times">
          <Field id="silence-start" label="Start" error={errors.startsAt}>
            {(a) => <input {...a} type="text" class="mono" value={f.startsAt} onInput={(e) => setStart((e.target as HTMLInputElement).value)} />}
          </Field>
          <Field id="silence-duration" label="Duration" error={errors.duration}>
            {(a) => <input {...a} type="text" class="short mono" value={f.duration} onInput={(e) => setDuration((e.target as HTMLInputElement).value)} />}
          </Field>
          <Field id="silence-end" label="End" error={errors.endsAt}>
            {(a) => <input {...a} type="text" class="mono" value={f.endsAt} onInput={(e) => setEnd((e.target as HTMLInputElement).value)} />}
          </Field>
        </div>
        <fieldset class="am-matcher-rows">
          <legend>Matchers</legend>
          <p class="muted">Alerts matching all of these are silenced. Paste a matcher list like {'{alertname="X", job=~"api|web"}'} into a name field to fill the rows.</p>
          {f.matchers.map((r, i) => (
            <div class="am-matcher-row">
              <div class="row">
                <input
                  type="text"
                  class="mono"
                  aria-label={`Matcher ${i + 1} label name`}
                  placeholder="name"
                  value={r.name}
                  aria-invalid={errors.rows?.[i] !== undefined}
                  onInput={(e) => setRow(i, { name: (e.target as HTMLInputElement).value })}
                  onPaste={(e) => {
                    const text = e.clipboardData?.getData("text") ?? "";
                    if (!/[=!]/.test(text)) return;
                    try {
                      const ms = parseMatchers(text);
                      if (ms.length === 0) return;
                      e.preventDefault();
                      update({ matchers: [...f.matchers.slice(0, i), ...ms.map(rowOf), ...f.matchers.slice(i + 1)] });
                    } catch {
                      // Not a matcher list: pasted as it is.
                    }
                  }}
                />
                <select aria-label={`Matcher ${i + 1} operator`} value={r.op} onChange={(e) => setRow(i, { op: (e.target as HTMLSelectElement).value })}>
                  {matcherOps.map((o) => (
                    <option value={o.op}>{o.op}</option>
                  ))}
                </select>
                <input
                  type="text"
                  class="grow mono"
                  aria-label={`Matcher ${i + 1} value`}
                  placeholder="value"
                  value={r.value}
                  onInput={(e) => setRow(i, { value: (e.target as HTMLInputElement).value })}
                />
                <button type="button" aria-label={`Remove matcher ${i + 1}`} disabled={f.matchers.length === 1} onClick={() => update({ matchers: f.matchers.filter((_, j) => j !== i) })}>
                  ×
                </button>
              </div>
              {errors.rows?.[i] !== undefined ? <div class="error-text">{errors.rows[i]}</div> : null}
            </div>
          ))}
          <button type="button" onClick={() => update({ matchers: [...f.matchers, { name: "", value: "", op: "=" }] })}>
            Add matcher
          </button>
          {errors.matchers !== undefined ? <div class="error-text">{errors.matchers}</div> : null}
        </fieldset>
        <Field id="silence-creator" label="Creator" error={errors.createdBy}>
          {(a) => <input {...a} type="text" value={f.createdBy} onInput={(e) => update({ createdBy: (e.target as HTMLInputElement).value })} />}
        </Field>
        <Field id="silence-comment" label="Comment" error={errors.comment}>
          {(a) => <textarea {...a} rows={3} value={f.comment} onInput={(e) => update({ comment: (e.target as HTMLTextAreaElement).value })} />}
        </Field>
        {submitError !== null ? (
          <div class="alert error" role="alert">
            {submitError}
          </div>
        ) : null}
        <div class="controls">
          <button type="submit" class="primary" disabled={busy}>
            {props.id === undefined ? "Create" : recreate ? "Recreate" : "Update"}
          </button>
          <button type="button" onClick={runPreview}>
            Preview alerts
          </button>
          <button type="button" onClick={reset}>
            Reset
          </button>
        </div>
      </form>
      {preview !== null ? (
        <section class="am-preview" aria-label="Preview" aria-live="polite">
          <h2>Affected alerts</h2>
          <Show value={preview}>
            {(alerts) =>
              alerts.length === 0 ? (
                <div class="empty">No alerts match these matchers now.</div>
              ) : (
                <>
                  <div class="muted">
                    {alerts.length} alert{alerts.length === 1 ? "" : "s"} would be silenced.
                  </div>
                  <ul class="am-alerts">
                    {alerts.map((a) => (
                      <AlertCard alert={a} silenceButton={false} />
                    ))}
                  </ul>
                </>
              )
            }
          </Show>
        </section>
      ) : null}
    </div>
  );
}
