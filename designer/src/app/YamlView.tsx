// The YAML view: CodeMirror 6 with YAML highlighting, the problems as lint diagnostics at their lines, `${{ }}`
// completion (model/completion.ts) and the undo history of the document. Loaded lazily: it is most of the bundle.
import { autocompletion, type CompletionContext } from '@codemirror/autocomplete';
import { redo, undo } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef, type RefObject } from 'react';
import type { ActivityDescriptor } from '../model/catalog';
import { completeExpression } from '../model/completion';
import { stepAtLine, type PipelineGraph, type Problem } from '../model/pipelineGraph';
import type { EditorHandle } from './editorHandle';

export interface YamlViewProps {
  text: string;
  onChange(text: string): void;
  problems: Problem[];
  graph: PipelineGraph;
  catalog: ActivityDescriptor[];
  dark: boolean;
  handle: RefObject<EditorHandle | null>;
}

export default function YamlView({ text, onChange, problems, graph, catalog, dark, handle }: YamlViewProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const theme = useRef(new Compartment());
  // The completion source reads the latest graph and catalog without rebuilding the editor.
  const latest = useRef({ graph, catalog, onChange });
  latest.current = { graph, catalog, onChange };
  // The editor's text as last handed out: every change of the document passes through onChange, so this is always
  // the document, and a text prop equal to it needs no comparison with the document (56 KiB read twice a keystroke).
  const emitted = useRef(text);
  // Whether the editor shows any diagnostics: an empty list after an empty list is not dispatched again.
  const marked = useRef(false);

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: text,
        extensions: [
          basicSetup,
          yaml(),
          lintGutter(),
          autocompletion({ override: [(context) => expressionCompletion(context, latest.current.graph, latest.current.catalog)] }),
          theme.current.of(dark ? oneDark : []),
          // tabindex: the content is tabbable anyway (contenteditable), but axe counts only a tabindex as focusable
          // content of the scroller, and a pipeline longer than the view makes it a scrollable region.
          EditorView.contentAttributes.of({ 'aria-label': 'Pipeline YAML', tabindex: '0' }),
          EditorView.updateListener.of((update) => {
            if (!update.docChanged) return;
            emitted.current = update.state.doc.toString();
            latest.current.onChange(emitted.current);
          }),
        ],
      }),
    });
    view.current = editor;
    performance.mark('designer:editor');
    handle.current = {
      apply: (changes) => editor.dispatch({ changes: [...changes], scrollIntoView: false }),
      undo: () => undo(editor),
      redo: () => redo(editor),
      showLine: (line) => {
        const at = editor.state.doc.line(Math.min(Math.max(line, 1), editor.state.doc.lines));
        editor.dispatch({ selection: { anchor: at.from }, effects: EditorView.scrollIntoView(at.from, { y: 'center' }) });
        editor.focus();
      },
    };
    return () => {
      handle.current = null;
      editor.destroy();
      view.current = null;
    };
    // The editor is made once; text, theme and problems reach it through the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && text !== emitted.current) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
      performance.mark('designer:editor-text');
    }
  }, [text]);

  useEffect(() => {
    view.current?.dispatch({ effects: theme.current.reconfigure(dark ? oneDark : []) });
  }, [dark]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || (problems.length === 0 && !marked.current)) return;
    marked.current = problems.length > 0;
    const doc = editor.state.doc;
    const diagnostics: Diagnostic[] = problems.map((p) => {
      const line = doc.line(Math.min(Math.max(p.line, 1), doc.lines));
      const from = Math.min(line.from + Math.max(p.column - 1, 0), line.to);
      return {
        from,
        to: Math.max(from, line.to),
        severity: p.severity,
        source: p.code,
        message: p.hint ? `${p.message}; ${p.hint}` : p.message,
      };
    });
    editor.dispatch(setDiagnostics(editor.state, diagnostics));
  }, [problems, text]);

  return <div className="yaml-view" ref={host} />;
}

/** Completion inside `${{ }}` on the cursor's line. */
function expressionCompletion(context: CompletionContext, graph: PipelineGraph, catalog: ActivityDescriptor[]) {
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  const open = before.lastIndexOf('${{');
  if (open < 0 || before.indexOf('}}', open) >= 0) return null;
  const inside = before.slice(open + 3);
  const result = completeExpression(graph, catalog, stepAtLine(graph.steps, line.number), inside);
  if (!result || (result.options.length === 0 && !context.explicit)) return null;
  return {
    from: line.from + open + 3 + result.from,
    options: result.options.map((o) => ({ label: o.label, detail: o.detail, info: o.info, type: 'property' })),
    validFor: /^\w*$/,
  };
}
