// The PromQL editor: CodeMirror 6 with codemirror-promql (highlighting,
// completion of functions, metric names, label names and values from the
// API, inline parse errors), undo history and Enter to execute.
import { useEffect, useRef } from "preact/hooks";
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, completionStatus } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, insertNewlineAndIndent } from "@codemirror/commands";
import { HighlightStyle, bracketMatching, syntaxHighlighting } from "@codemirror/language";
import { lintKeymap } from "@codemirror/lint";
import { EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap, placeholder } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { PromQLExtension } from "@prometheus-io/codemirror-promql";
import { pathPrefix } from "./api.ts";

const highlight = HighlightStyle.define([
  { tag: tags.number, color: "var(--hl-number)" },
  { tag: tags.string, color: "var(--hl-string)" },
  { tag: tags.keyword, color: "var(--hl-keyword)", fontWeight: "bold" },
  { tag: tags.function(tags.variableName), color: "var(--hl-function)" },
  { tag: tags.labelName, color: "var(--hl-label)" },
  { tag: tags.operator, color: "var(--hl-operator)" },
  { tag: tags.modifier, color: "var(--hl-keyword)", fontWeight: "bold" },
  { tag: tags.comment, color: "var(--muted)", fontStyle: "italic" },
  { tag: tags.invalid, color: "var(--error)" },
]);

const theme = EditorView.theme({
  "&": { fontSize: "14px", border: "1px solid var(--border)", borderRadius: "4px", background: "var(--input-bg)" },
  "&.cm-focused": { outline: "2px solid var(--accent)" },
  ".cm-content": { fontFamily: "var(--mono)", padding: "6px 0", caretColor: "var(--fg)" },
  ".cm-tooltip": { background: "var(--bg)", color: "var(--fg)", border: "1px solid var(--border)" },
  ".cm-tooltip-autocomplete > ul > li[aria-selected]": { background: "var(--accent)", color: "#fff" },
  ".cm-placeholder": { color: "var(--muted)" },
});

/** One completion strategy for every editor: it caches metric names and labels. */
let promql: PromQLExtension | null = null;
function promqlExtension(): PromQLExtension {
  if (promql === null) {
    promql = new PromQLExtension().setComplete({
      remote: { url: location.origin + pathPrefix, httpMethod: "GET", cache: { maxAge: 60_000 } },
    });
  }
  return promql;
}

/**
 * Props of Editor. `value` seeds the document; it replaces the document
 * again only when `valueSeq` changes (a query picked from the history).
 * onExecute is called on Enter (Shift-Enter inserts a newline).
 */
export interface EditorProps {
  value: string;
  valueSeq: number;
  onChange: (v: string) => void;
  onExecute: () => void;
  label: string;
}

/** The PromQL editor. */
export function Editor(props: EditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const cb = useRef(props);
  cb.current = props;

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          promqlExtension().asExtension(),
          syntaxHighlighting(highlight),
          history(),
          closeBrackets(),
          bracketMatching(),
          autocompletion(),
          placeholder("Expression (press Shift+Enter for newlines)"),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ "aria-label": props.label }),
          theme,
          Prec.highest(
            keymap.of([
              {
                key: "Enter",
                run: (v) => {
                  // Enter picks the completion while the completion list is open.
                  if (completionStatus(v.state) === "active") return false;
                  cb.current.onExecute();
                  return true;
                },
              },
              { key: "Shift-Enter", run: insertNewlineAndIndent },
            ]),
          ),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) cb.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
  }, []);

  // Only a new valueSeq replaces the document: renders lag behind typing,
  // so following every `value` would undo keystrokes.
  const seq = useRef(props.valueSeq);
  useEffect(() => {
    const v = view.current;
    if (v === null || seq.current === props.valueSeq) return;
    seq.current = props.valueSeq;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.valueSeq]);

  return <div class="editor" ref={host} />;
}
