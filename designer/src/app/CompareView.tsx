// The compare view (loaded lazily, with @codemirror/merge): two versions of the pipeline, or one and the editor's text,
// as a graph of the union of their steps (added, removed, changed, unchanged), a legend with counts, the list of what
// changed, and the text diff. It replaces the palette, canvas and side panels until Back to editing; the editor stays
// mounted behind it, with its undo history.
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, type VersionSummary } from '../api/client';
import { diffVersions, stepStatuses, type VersionDiff } from '../model/versionDiff';
import './compare.css';
import { DiffCanvas, statusMarks } from './DiffCanvas';
import { DiffText } from './DiffText';
import { sideLabel, type Comparison, type Side } from './VersionsDialog';

export interface CompareViewProps {
  comparison: Comparison;
  /** The editor's text, the side called 'text'. */
  text: string;
  dark: boolean;
  onChange(comparison: Comparison): void;
  onClose(): void;
  onError(e: unknown): void;
}

export default function CompareView({ comparison, text, dark, onChange, onClose, onError }: CompareViewProps) {
  const { name, versions, a, b } = comparison;
  // Texts of versions, by `name@version`: read once each.
  const [texts, setTexts] = useState<Record<string, string>>({});
  const asked = useRef(new Set<string>());
  const [unread, setUnread] = useState<string | null>(null);
  const [sideBySide, setSideBySide] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  // Keyboard and screen-reader users land at the top of the view that replaced the editor.
  useEffect(() => heading.current?.focus(), []);

  useEffect(() => {
    for (const side of [a, b]) {
      const key = `${name}@${side}`;
      if (side === 'text' || asked.current.has(key)) continue;
      asked.current.add(key);
      setUnread(null);
      api.version(name, side).then((v) => setTexts((t) => ({ ...t, [key]: v.yaml })), (e) => {
        asked.current.delete(key);
        setUnread(`${sideLabel(side)} of ${name} cannot be read${e instanceof ApiError ? `: ${e.message}` : ''}; pick another, or go back to editing`);
        onError(e);
      });
    }
  }, [name, a, b, onError]);

  const aText = a === 'text' ? text : texts[`${name}@${a}`];
  const bText = b === 'text' ? text : texts[`${name}@${b}`];
  const diff = useMemo(() => (aText === undefined || bText === undefined ? null : diffVersions(aText, bText)), [aText, bText]);

  return (
    <section className="compare" aria-labelledby="compare-title">
      <div className="compare-bar">
        <h2 id="compare-title" tabIndex={-1} ref={heading}>Compare {name}</h2>
        <SidePicker label="A, before" value={a} versions={versions} onPick={(side) => onChange({ ...comparison, a: side })} />
        <SidePicker label="B, after" value={b} versions={versions} onPick={(side) => onChange({ ...comparison, b: side })} />
        <button type="button" aria-pressed={sideBySide} onClick={() => setSideBySide(!sideBySide)}>Side by side</button>
        <button type="button" onClick={onClose}>Back to editing</button>
      </div>
      {diff === null || aText === undefined || bText === undefined ? (
        unread ? <p className="error compare-reading" role="alert">{unread}</p> : <p className="muted compare-reading">Reading the versions…</p>
      ) : (
        <div className="compare-body">
          <div className="compare-graph">
            <Legend diff={diff} />
            <ReactFlowProvider>
              <DiffCanvas diff={diff} dark={dark} />
            </ReactFlowProvider>
            <Changes diff={diff} identical={aText === bText} />
          </div>
          <DiffText a={aText} b={bText} aLabel={`A: ${sideLabel(a)}`} bLabel={`B: ${sideLabel(b)}`} sideBySide={sideBySide} dark={dark} />
        </div>
      )}
    </section>
  );
}

function SidePicker({ label, value, versions, onPick }: { label: string; value: Side; versions: VersionSummary[]; onPick(side: Side): void }) {
  return (
    <label className="compare-side">
      <span>{label}</span>
      <select value={String(value)} onChange={(e) => onPick(e.target.value === 'text' ? 'text' : Number(e.target.value))}>
        <option value="text">{sideLabel('text')}</option>
        {versions.map((v) => <option key={v.version} value={v.version}>{sideLabel(v.version)}{v.retractedAt ? ' (retracted)' : ''}</option>)}
      </select>
    </label>
  );
}

function Legend({ diff }: { diff: VersionDiff }) {
  return (
    <ul className="diff-legend" aria-label="Steps by change" aria-live="polite">
      {stepStatuses.map((status) => (
        <li key={status}><span className={`diff-mark diff-${status}`}>{statusMarks[status]}</span> {diff.counts[status]}</li>
      ))}
    </ul>
  );
}

function Changes({ diff, identical }: { diff: VersionDiff; identical: boolean }) {
  const changed = diff.steps.filter((s) => s.status !== 'unchanged');
  const nothing = changed.length === 0 && diff.pipelineFields.length === 0;
  return (
    <div className="diff-changes" role="region" aria-label="What changed">
      {diff.unreadable.map((u) => <p key={u} className="error">{u}</p>)}
      {nothing ? (
        <p className="muted">{identical ? 'The two texts are the same.' : 'No step or field differs: only comments or layout changed.'}</p>
      ) : (
        <ul>
          {changed.map((s) => (
            <li key={s.id}>
              <span className={`diff-mark diff-${s.status}`}>{statusMarks[s.status]}</span> <span className="step-ref">{s.id}</span>
              {s.fields.length > 0 && <span className="muted">: {s.fields.join(', ')}</span>}
            </li>
          ))}
          {diff.pipelineFields.length > 0 && (
            <li><span className="diff-mark diff-changed">{statusMarks.changed}</span> pipeline<span className="muted">: {diff.pipelineFields.join(', ')}</span></li>
          )}
        </ul>
      )}
    </div>
  );
}
