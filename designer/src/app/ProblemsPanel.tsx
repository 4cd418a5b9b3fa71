// Every problem of the document (the parser's and the server's), each a button that shows its line and step.
import type { Problem } from '../model/pipelineGraph';

export function ProblemsPanel({ problems, status, onShow }: { problems: Problem[]; status: string; onShow(p: Problem): void }) {
  return (
    <section className="problems" aria-label="Problems">
      <h2>Problems <span className="muted">({problems.length}) {status}</span></h2>
      {problems.length === 0 ? <p className="muted">No problems.</p> : (
        <ul>
          {problems.map((p, i) => (
            <li key={`${p.line}:${p.column}:${p.code}:${i}`}>
              <button type="button" className={`problem ${p.severity}`} onClick={() => onShow(p)}>
                <span className="where">{p.line}:{p.column}</span> <span className="code">{p.code}</span>{' '}
                {p.step && <span className="step-ref">{p.step}: </span>}{p.message}{p.hint ? <span className="muted">; {p.hint}</span> : null}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
