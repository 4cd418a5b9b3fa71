// A run of the pipeline, live: its status, each step's status, attempts and progress with its latest figures, and the
// chosen step's outputs, error and stored log. Events come from the server's stream; Cancel stops the run, Resume
// continues a failed or cancelled one from the steps that did not succeed.
import { useEffect, useState } from 'react';
import { api, artifactFiles, openArtifact, runEvents, runs } from '../api/client';
import { applyRunEvent, isTerminal, type RunLive } from '../model/runState';

/**
 * The run with id `id` as its event stream tells it; null before the first event (or without an id). A new `round`
 * reads the stream again (after a resume: the stream of a finished run ends at once).
 */
export function useRun(id: string | null, onError: (e: unknown) => void, round = 0): RunLive | null {
  const [run, setRun] = useState<RunLive | null>(null);
  useEffect(() => {
    setRun((current) => (current?.id === id ? current : null)); // a resumed run stays drawn until its snapshot comes
    if (!id) return;
    const abort = new AbortController();
    runEvents(id, (name, data) => {
      setRun((current) => applyRunEvent(current, name, data));
      // At its end, the run as stored settles what the stream could not show (a step that ended before it began).
      if (name === 'run' && isTerminal(String(data.status))) {
        runs.show(id).then((report) => !abort.signal.aborted && setRun((current) => applyRunEvent(current, 'report', report as unknown as Record<string, unknown>)), onError);
      }
    }, abort.signal)
      .catch((e) => !abort.signal.aborted && onError(e));
    return () => abort.abort();
  }, [id, onError, round]);
  return run;
}

const figures = (metrics: Record<string, number> | null) =>
  metrics ? Object.entries(metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toPrecision(4)}`).join(' · ') : '';

export function RunPanel({ run, selected, onSelect, onClose, onError, onResumed }: {
  run: RunLive;
  selected: string | null;
  onSelect(step: string): void;
  onClose(): void;
  onError(e: unknown): void;
  /** The server took the resume: watch the run again. */
  onResumed?(): void;
}) {
  const step = selected ? run.steps[selected] : undefined;
  const [log, setLog] = useState<string[] | null>(null);
  const status = step?.status;

  // The stored log of the chosen step, read again whenever its status changes (it logs while it runs).
  useEffect(() => {
    setLog(null);
    if (!selected) return;
    let current = true;
    runs.logs(run.id, selected).then((lines) => current && setLog(lines.map((l) => `${l.at.slice(11, 23)}  ${l.line}`)), onError);
    return () => {
      current = false;
    };
  }, [run.id, selected, status, onError]);

  return (
    <section className="run" aria-label="Run">
      <h2>
        Run <code>{run.id}</code> of {run.pipeline}: <span className={`run-status status-${run.status}`} role="status" aria-live="polite">{run.status}</span>
        {!isTerminal(run.status) && <button type="button" onClick={() => void runs.cancel(run.id).catch(onError)}>Cancel run</button>}
        {(run.status === 'failed' || run.status === 'cancelled') && (
          <button type="button" title="Run the failed, cancelled and skipped steps again; succeeded steps keep their outputs"
            onClick={() => void runs.resume(run.id).then(() => onResumed?.(), onError)}>Resume run</button>
        )}
        <button type="button" onClick={onClose}>Close run</button>
      </h2>
      {run.error && <p className="error">{run.error}</p>}
      <table>
        <thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Progress</th></tr></thead>
        <tbody>
          {Object.entries(run.steps).map(([id, s]) => (
            <tr key={id} className={id === selected ? 'selected' : undefined}>
              <td><button type="button" className="link" aria-pressed={id === selected} onClick={() => onSelect(id)}>{id}</button></td>
              <td className={`status-${s.status}`}>{s.status}{s.cached ? ' (cached)' : ''}</td>
              <td>{s.attempts}</td>
              <td>
                {s.fraction !== null && <progress max={1} value={s.fraction} aria-label={`progress of ${id}`} />}
                <span className="muted"> {s.message ?? ''} {figures(s.metrics)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected && step && (
        <div className="run-step" role="region" aria-label={`Step ${selected} of the run`}>
          {step.error && <><h3>Error</h3><pre className="error">{step.error}</pre></>}
          <h3>Outputs</h3>
          {step.outputs ? (
            <dl>
              {Object.entries(step.outputs).map(([name, value]) => (
                <div key={name}><dt>{name}</dt><dd><Output value={value} onError={onError} /></dd></div>
              ))}
            </dl>
          ) : <p className="muted">none yet</p>}
          <h3>Log</h3>
          <pre className="log" aria-label={`log of ${selected}`}>{log === null ? 'reading…' : log.length > 0 ? log.join('\n') : 'no log lines'}</pre>
        </div>
      )}
    </section>
  );
}

/** An output: an artifact opens from the server (a folder artifact lists its files first); other values print as JSON. */
function Output({ value, onError }: { value: unknown; onError(e: unknown): void }) {
  const [files, setFiles] = useState<{ path: string; bytes: number }[] | null>(null);
  if (typeof value !== 'string' || !value.startsWith('artifact://sha256/')) {
    return <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>;
  }

  const open = (path?: string) => (e: { preventDefault(): void }) => {
    e.preventDefault();
    openArtifact(value, path).catch(onError);
  };
  return (
    <>
      <a href={api.artifactUrl(value)} onClick={(e) => {
        e.preventDefault();
        artifactFiles(value).then((listed) => (listed ? setFiles(listed) : openArtifact(value)), onError);
      }}>{value.slice(0, 30)}…</a>
      {files && (
        <ul className="artifact-files" aria-label={`files of ${value}`}>
          {files.map((f) => <li key={f.path}><a href={`${api.artifactUrl(value)}?path=${encodeURIComponent(f.path)}`} onClick={open(f.path)}>{f.path}</a> <span className="muted">{f.bytes} bytes</span></li>)}
        </ul>
      )}
    </>
  );
}
