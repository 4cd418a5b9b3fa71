// The designer: palette | canvas | YAML view, with the property and problems panels. The YAML text is the one source
// of truth: the canvas and forms turn into text changes, which go through the editor (so they join its undo history),
// and every text is read again into the graph the canvas draws (from the text before it, one step at a time when it can).
import { ReactFlowProvider } from '@xyflow/react';
import { lazy, startTransition, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, earlyLatest, runs, token, type DefinitionSummary, type DraftSummary } from '../api/client';
import type { ActivityDescriptor } from '../model/catalog';
import { addNeed, addStep, deleteSelection, newPipelineText } from '../model/pipelineEdits';
import { parsePipeline, type ParsedPipeline } from '../model/pipelineGraph';
import { currentProblems } from '../model/problems';
import { applyChanges, type TextChange } from '../model/textEdits';
import { Canvas } from './Canvas';
import type { EditorHandle } from './editorHandle';
import { HelpDialog, RunDialog, SignInDialog } from './Dialogs';
import { OpenFileButton, useFileDrop } from './OpenFile';
import { Palette } from './Palette';
import { ProblemsPanel } from './ProblemsPanel';
import { PropertyPanel } from './PropertyPanel';
import { ReviewsDialog } from './ReviewsDialog';
import { RunPanel, useRun } from './RunPanel';
import { useShortcuts } from './shortcuts';
import { useValidation } from './useValidation';
import { VersionsDialog, type Comparison } from './VersionsDialog';
import { useStepClipboard } from './stepClipboard';

/** The pipeline a link asks to open: /designer/?open=NAME. */
const linked = () => new URLSearchParams(location.search).get('open');

// The editor mounts once the canvas has drawn its first layout: on a large pipeline making the editor (its document,
// gutters, highlighting) takes a few hundred milliseconds that the picture need not wait for. Its chunk is fetched at
// once, except when a link opens a pipeline: then it is fetched once the picture is drawn, so that evaluating it does
// not land in the middle of the open.
const loadYamlView = () => import('./YamlView');
const YamlView = lazy(loadYamlView);
if (!linked()) void loadYamlView();
const CompareView = lazy(() => import('./CompareView'));
const ModelsDialog = lazy(() => import('./ModelsDialog'));
const draftKey = 'pipelines.designer.text';
const themeKey = 'pipelines.designer.theme';

export function App() {
  // The text a link opens, asked for by index.html while the page loaded: when it is here already, the first render
  // draws it. Else a link starts from nothing rather than draw the tab's text first, then replace it.
  const early = useRef<ReturnType<typeof earlyLatest> | undefined>(undefined);
  if (early.current === undefined) early.current = linked() ? earlyLatest(linked()!) : null;
  const [text, setText] = useState(() => {
    if (!linked()) return sessionStorage.getItem(draftKey) ?? newPipelineText();
    if (early.current?.now) performance.mark('designer:opened');
    return early.current?.now?.yaml ?? '';
  });
  // Each text is read from the one before: a keystroke inside a step re-reads that step only (model/pipelineGraph.ts).
  const lastParsed = useRef<ParsedPipeline | undefined>(undefined);
  const parsed = useMemo(() => (lastParsed.current = parsePipeline(text, lastParsed.current)), [text]);
  const editor = useRef<EditorHandle | null>(null);
  // Opening a link, the editor waits for the canvas to draw the opened pipeline (see loadYamlView); an opened
  // pipeline without steps gives the canvas nothing to draw, so nothing to wait for.
  const [drawn, setDrawn] = useState(() => !linked());
  const editorShown = drawn || (text !== '' && parsed.graph.steps.length === 0);
  const [selected, setSelected] = useState<string | null>(null);
  // Steps selected besides `selected` (Ctrl+click): counted only while they include it, so any other way of choosing
  // a step (a problem, the run table, a rename) selects that one step alone.
  const [picked, setPicked] = useState<string[]>([]);
  const selection = selected ? (picked.includes(selected) ? picked : [selected]) : [];
  const [catalog, setCatalog] = useState<ActivityDescriptor[]>([]);
  const [schema, setSchema] = useState<Record<string, unknown> | null>(null);
  const [definitions, setDefinitions] = useState<DefinitionSummary[]>([]);
  const [drafts, setDrafts] = useState<DraftSummary[]>([]);
  const [message, setMessage] = useState('');
  const [signIn, setSignIn] = useState(false);
  const [help, setHelp] = useState(false);
  const [runOpen, setRunOpen] = useState(false);
  const [reviewsOpen, setReviewsOpen] = useState(false);
  const [versionsOpen, setVersionsOpen] = useState(false);
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [modelsOpen, setModelsOpen] = useState(false);
  const [runId, setRunId] = useState<string | null>(null);
  const [runStep, setRunStep] = useState<string | null>(null);
  const [dark, setDark] = useState(() => (localStorage.getItem(themeKey) ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')) === 'dark');

  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
    localStorage.setItem(themeKey, dark ? 'dark' : 'light');
  }, [dark]);

  useEffect(() => {
    if (text) sessionStorage.setItem(draftKey, text);
  }, [text]);

  const failed = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.status === 401) setSignIn(true);
    else setMessage(e instanceof ApiError ? `${e.message}${e.hint ? `; ${e.hint}` : ''}` : `the server cannot be reached: ${(e as Error).message}`);
  }, []);

  const [runRound, setRunRound] = useState(0); // a resumed run is watched again
  const run = useRun(runId, failed, runRound);

  const openedLink = useRef(false);
  const load = useCallback(() => {
    // A link may name the pipeline to open: /designer/?open=NAME (its latest version), fetched beside the catalog.
    const named = linked();
    if (named && !openedLink.current) {
      // The page's own request first; asked again after signing in.
      const opening = early.current?.later ?? api.latest(named);
      const drawnAlready = early.current?.now != null;
      early.current = null;
      opening.then((v) => {
        openedLink.current = true; // once: a later load (after signing in) keeps the edits
        if (!drawnAlready) performance.mark('designer:opened');
        setText(v.yaml);
        setMessage(`opened ${v.name}@${v.version}`);
      }, (e) => {
        setText((t) => t || newPipelineText());
        setDrawn(true);
        failed(e);
      });
    }
    Promise.all([api.activities(), api.schema(), api.definitions(), api.drafts()]).then(([a, s, d, drafted]) => {
      performance.mark('designer:loaded');
      setCatalog(a);
      setSchema(s);
      setDefinitions(d);
      setDrafts(drafted);
    }, failed);
  }, [failed]);
  useEffect(load, [load]);

  const { verdict, status: validation, submit } = useValidation(text, failed);
  // A keystroke goes to the server before the designer re-reads the text.
  const typed = useCallback((next: string) => {
    submit(next);
    setText(next);
  }, [submit]);

  const problems = useMemo(() => currentProblems(parsed, verdict), [parsed, verdict]);

  const edit = useCallback((changes: TextChange[]) => {
    if (changes.length === 0) return;
    if (editor.current) editor.current.apply(changes);
    else setText((t) => applyChanges(t, changes));
  }, []);

  const replace = (next: string) => {
    edit([{ from: 0, to: text.length, insert: next }]);
    setSelected(null);
  };

  const add = (uses: string) => {
    const { id, changes } = addStep(parsed, uses);
    edit(changes);
    setSelected(id);
  };

  /** Opens `version:NAME` (the latest published version) or `draft:NAME`. */
  const open = async (choice: string) => {
    if (!choice.includes(':')) return;
    const [kind, name] = [choice.slice(0, choice.indexOf(':')), choice.slice(choice.indexOf(':') + 1)];
    try {
      if (kind === 'draft') {
        replace((await api.draft(name)).yaml);
        setMessage(`opened the draft of ${name}`);
        return;
      }
      // The server says which version is the newest not retracted (and, when every one is, says so).
      const latest = await api.latest(name);
      replace(latest.yaml);
      setMessage(`opened ${latest.name}@${latest.version}`);
    } catch (e) {
      failed(e);
    }
  };

  const openFile = (name: string, text: string) => {
    replace(text);
    setMessage(`opened ${name} (kept in this tab; Save draft or Publish stores it on the server)`);
  };
  const fileRefused = (problem: string) => setMessage(`cannot open: ${problem}`);
  useFileDrop(openFile, fileRefused);

  const saveDraft = async () => {
    const name = parsed.graph.name;
    if (!name) {
      setMessage('a draft is saved under metadata.name: give the pipeline a name first');
      return;
    }
    try {
      await api.saveDraft(name, text);
      setMessage(`saved the draft of ${name} (schedules never run drafts; Publish makes a version)`);
      setDrafts(await api.drafts());
    } catch (e) {
      failed(e);
    }
  };

  /** Publishes the text (an unchanged text keeps its version); the draft of that name, now a version, goes. */
  const publishText = async () => {
    const result = await api.publish(text);
    if (drafts.some((d) => d.name === result.name)) await api.deleteDraft(result.name);
    setDefinitions(await api.definitions());
    setDrafts(await api.drafts());
    return result;
  };

  const publish = async () => {
    try {
      const result = await publishText();
      setMessage(result.created ? `published ${result.name}@${result.version}` : `unchanged: ${result.name}@${result.version} has this content`);
    } catch (e) {
      failed(e);
    }
  };

  /** Publishes the text and starts that version with `params`. */
  const start = async (params: Record<string, unknown>) => {
    setRunOpen(false);
    try {
      const published = await publishText();
      const started = await runs.start(`${published.name}@${published.version}`, params);
      setRunId(started.id);
      setRunStep(null);
      setMessage(`started run ${started.id} of ${published.name}@${published.version}`);
    } catch (e) {
      failed(e);
    }
  };

  useStepClipboard({ parsed, selection, edit, say: setMessage, select: (ids) => {
    setPicked(ids);
    setSelected(ids[0] ?? null);
  } });

  useShortcuts({
    undo: () => editor.current?.undo(),
    redo: () => editor.current?.redo(),
    help: () => setHelp(true),
    save: () => void saveDraft(),
    search: () => document.getElementById('palette-search')?.focus(),
  });

  return (
    <div className={`app${comparison ? ' comparing' : ''}`}>
      <header className="toolbar" role="toolbar" aria-label="Designer">
        <h1>Pipelines designer</h1>
        <button type="button" onClick={() => replace(newPipelineText())}>New</button>
        <label className="open">
          <span>Open</span>
          <select aria-label="Open a published pipeline or a draft" value="" onChange={(e) => void open(e.target.value)}>
            <option value="">{definitions.length + drafts.length ? 'pipeline or draft…' : 'none published'}</option>
            {drafts.length > 0 && (
              <optgroup label="Drafts">
                {drafts.map((d) => <option key={d.name} value={`draft:${d.name}`}>{d.name} (draft)</option>)}
              </optgroup>
            )}
            {definitions.length > 0 && (
              <optgroup label="Published">
                {definitions.filter((d) => d.latestVersion).map((d) => <option key={d.name} value={`version:${d.name}`}>{d.name}@{d.latestVersion}</option>)}
              </optgroup>
            )}
          </select>
        </label>
        <OpenFileButton onOpen={openFile} onError={fileRefused} />
        <button type="button" onClick={() => editor.current?.undo()} aria-keyshortcuts="Control+Z">Undo</button>
        <button type="button" onClick={() => editor.current?.redo()} aria-keyshortcuts="Control+Shift+Z">Redo</button>
        <button type="button" onClick={() => void saveDraft()} aria-keyshortcuts="Control+S">Save draft</button>
        <button type="button" onClick={() => void publish()} disabled={problems.some((p) => p.severity === 'error')}>Publish</button>
        <button type="button" onClick={() => setRunOpen(true)} disabled={problems.some((p) => p.severity === 'error') || !parsed.graph.name}>Run…</button>
        <button type="button" onClick={() => setVersionsOpen(true)}>Versions</button>
        <button type="button" onClick={() => setReviewsOpen(true)}>Reviews</button>
        <button type="button" onClick={() => setModelsOpen(true)}>Models</button>
        <span className="status" role="status" aria-live="polite">{message}</span>
        <button type="button" onClick={() => setDark(!dark)} aria-pressed={dark}>{dark ? 'Light' : 'Dark'} theme</button>
        <button type="button" onClick={() => setSignIn(true)}>{token.get() ? 'Token ✓' : 'Sign in'}</button>
        <button type="button" onClick={() => setHelp(true)} aria-keyshortcuts="Shift+?">Help</button>
      </header>
      <Palette catalog={catalog} onAdd={add} />
      <main className="center">
        <ReactFlowProvider>
          <Canvas graph={parsed.graph} problems={problems} selected={selected} selection={selection} onSelectionChange={setPicked} dark={dark} run={run} onSelect={setSelected}
            onLaidOut={() => {
              if (text === '') return;
              void loadYamlView();
              startTransition(() => setDrawn(true)); // after the canvas says it is laid out, not in the same commit
            }}
            onConnect={(source, target) => edit(addNeed(parsed, target, source))}
            onDelete={(steps, needs) => {
              edit(deleteSelection(parsed, steps, needs));
              if (selected && steps.includes(selected)) setSelected(null);
            }}
            onDropActivity={add} />
        </ReactFlowProvider>
        {run ? (
          <RunPanel run={run} selected={runStep} onSelect={(step) => {
            setRunStep(step);
            setSelected(step.replace(/\[.*$/, ''));
          }} onClose={() => setRunId(null)} onError={failed} onResumed={() => {
            setRunRound((r) => r + 1);
            setMessage(`resumed run ${run.id}`);
          }} />
        ) : (
          <ProblemsPanel problems={problems} status={validation} onShow={(p) => {
            if (p.step) setSelected(p.step);
            editor.current?.showLine(p.line);
          }} />
        )}
      </main>
      <aside className="side">
        <PropertyPanel parsed={parsed} schema={schema} catalog={catalog} selected={selected} onEdit={edit} onRenamed={setSelected} />
        <Suspense fallback={<p className="muted">Loading the editor…</p>}>
          {editorShown ? <YamlView text={text} onChange={typed} problems={problems} graph={parsed.graph} catalog={catalog} dark={dark} handle={editor} /> : <p className="muted">Loading the editor…</p>}
        </Suspense>
      </aside>
      {comparison && (
        <Suspense fallback={<p className="muted">Loading the comparison…</p>}>
          <CompareView comparison={comparison} text={text} dark={dark} onChange={setComparison} onClose={() => setComparison(null)} onError={failed} />
        </Suspense>
      )}
      <VersionsDialog open={versionsOpen} name={parsed.graph.name} text={text} onClose={() => setVersionsOpen(false)} onError={failed}
        onOpen={(name, version, yaml) => {
          setVersionsOpen(false);
          setComparison(null);
          replace(yaml);
          setMessage(`opened ${name}@${version} (Undo brings back the text before)`);
        }}
        onCompare={(c) => {
          setVersionsOpen(false);
          setComparison(c);
        }} />
      <HelpDialog open={help} onClose={() => setHelp(false)} />
      <RunDialog open={runOpen} params={parsed.graph.params} onClose={() => setRunOpen(false)} onStart={(p) => void start(p)} />
      <ReviewsDialog open={reviewsOpen} onClose={() => setReviewsOpen(false)} onError={failed}
        onDecided={(r) => setMessage(`decided review ${r.title}: ${r.status}`)} />
      {modelsOpen && (
        <Suspense fallback={null}>
          <ModelsDialog dark={dark} onClose={() => setModelsOpen(false)} onError={failed} />
        </Suspense>
      )}
      <SignInDialog open={signIn} onClose={() => setSignIn(false)} onSignedIn={() => {
        setSignIn(false);
        setMessage('');
        load();
      }} />
    </div>
  );
}
