// The Models view: the registry's models; per model its versions with their aliases and lineage, the alias history
// newest first, moving an alias and rolling one back (operators; each asks to confirm first), and the live monitoring
// of the ids this server serves of it. Loaded on first open (its own chunk).
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { models, monitoring } from '../api/models';
import {
  aliasesOf, describeMove, lineage, newestFirst, rollbackTarget, servedOf, type AliasMove, type ModelVersion, type RegisteredModel,
  type ServedModel,
} from '../model/registry';
import { Modal } from './Dialogs';
import { MonitoringPanel } from './MonitoringPanel';
import './models.css';

/** A change waiting for its confirmation. */
type Pending = { kind: 'move'; alias: string; from: number | null; to: number } | { kind: 'rollback'; alias: string; from: number; to: number };

/** An error as the view shows it: the server's message and hint (a 403 names the role needed). */
const explain = (e: unknown) => (e instanceof ApiError ? `${e.message}${e.hint ? `; ${e.hint}` : ''}` : `the server cannot be reached: ${(e as Error).message}`);

/** A registry time (UTC ISO 8601) as `2024-01-01 09:30:00 UTC`: the same for every reader. */
const when = (at: string) => `${at.slice(0, 19).replace('T', ' ')} UTC`;

export default function ModelsDialog({ dark, onClose, onError }: { dark: boolean; onClose(): void; onError(e: unknown): void }) {
  const [list, setList] = useState<RegisteredModel[] | null>(null);
  const [served, setServed] = useState<ServedModel[]>([]);
  const [name, setName] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const failed = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.status === 401) onError(e);
    else setFailure(explain(e));
  }, [onError]);

  const reload = useCallback(() => models.list().then((found) => {
    setList(found);
    setName((current) => current ?? found[0]?.name ?? null);
  }, failed), [failed]);

  useEffect(() => {
    void reload();
    // A server started without models to serve has none; one too old to list them answers 404: both serve nothing here.
    monitoring.served().then(setServed, (e) => (e instanceof ApiError && e.status === 404 ? setServed([]) : failed(e)));
  }, [reload, failed]);

  const model = list?.find((m) => m.name === name) ?? null;
  return (
    <Modal open onClose={onClose} label="Models">
      <div className="models-view">
        <div className="models-heading">
          <h2>Models</h2>
          <form method="dialog"><button type="submit">Close</button></form>
        </div>
        {failure && <p className="error" role="alert">{failure}</p>}
        {list === null ? <p className="muted">Reading…</p> : list.length === 0 ? (
          <p>No model is registered yet: <code>deploy.promote@1</code> registers the versions a pipeline trains.</p>
        ) : (
          <div className="models-layout">
            <nav aria-label="Registered models">
              <ul>
                {list.map((m) => (
                  <li key={m.name}>
                    <button type="button" aria-current={m.name === name ? 'true' : undefined} onClick={() => setName(m.name)}>
                      <span className="model-name">{m.name}</span>
                      <span className="muted"> v{m.latestVersion}{Object.keys(m.aliases).length > 0 && ` · ${Object.entries(m.aliases).map(([a, v]) => `${a} v${v}`).join(', ')}`}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </nav>
            {model && <ModelDetails key={model.name} model={model} served={servedOf(served, model.name)} dark={dark}
              onChanged={() => void reload()} onError={failed} onFatal={onError} />}
          </div>
        )}
      </div>
    </Modal>
  );
}

function ModelDetails({ model, served, dark, onChanged, onError, onFatal }: {
  model: RegisteredModel;
  served: ServedModel[];
  dark: boolean;
  onChanged(): void;
  onError(e: unknown): void;
  onFatal(e: unknown): void;
}) {
  const [versions, setVersions] = useState<ModelVersion[]>([]);
  const [history, setHistory] = useState<AliasMove[]>([]);
  const [alias, setAlias] = useState(Object.keys(model.aliases).sort()[0] ?? 'production');
  const [version, setVersion] = useState(model.latestVersion);
  const [reason, setReason] = useState('');
  const [pending, setPending] = useState<Pending | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [watched, setWatched] = useState(served[0]?.id ?? null);
  const confirm = useRef<HTMLButtonElement>(null);
  // The button that asked for the confirmation, which gets the focus back when it is answered (the question goes away).
  const asker = useRef<HTMLElement | null>(null);

  const read = useCallback(() => {
    models.versions(model.name).then(setVersions, onError);
    models.history(model.name).then(setHistory, onError);
  }, [model.name, onError]);
  useEffect(read, [read]);
  useEffect(() => setWatched((w) => w ?? served[0]?.id ?? null), [served]);
  useEffect(() => confirm.current?.focus(), [pending]);

  const aliases = Object.keys(model.aliases).sort();
  const ask = (change: Pending) => {
    asker.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOutcome(null);
    setPending(change);
  };
  const answered = () => {
    setPending(null);
    asker.current?.focus();
  };
  const apply = async (change: Pending) => {
    answered();
    try {
      const move = change.kind === 'move'
        ? await models.move(model.name, change.alias, change.to, reason)
        : await models.rollback(model.name, change.alias, reason);
      setOutcome({ ok: true, text: `${describeMove(move)} of ${model.name}` });
      setReason('');
      read();
      onChanged();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onFatal(e);
      else setOutcome({ ok: false, text: `${change.kind === 'move' ? 'Moving' : 'Rolling back'} ${model.name}@${change.alias} failed: ${explain(e)}` });
    }
  };

  return (
    <div className="model-details">
      <section aria-labelledby="model-versions">
        <h3 id="model-versions">Versions of {model.name}</h3>
        <table className="versions">
          <thead><tr><th scope="col">Version</th><th scope="col">Aliases</th><th scope="col">Registered</th><th scope="col">Lineage</th></tr></thead>
          <tbody>
            {[...versions].reverse().map((v) => (
              <tr key={v.version} data-version={v.version}>
                <th scope="row">v{v.version}</th>
                <td className="aliases">{aliasesOf(model, v.version).map((a) => <span key={a} className="alias">{a}</span>)}</td>
                <td>{when(v.registeredAt)}</td>
                <td>
                  <dl className="lineage">
                    {lineage(v).map(([label, value]) => <div key={label}><dt>{label}</dt><dd>{value}</dd></div>)}
                  </dl>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="model-aliases">
        <h3 id="model-aliases">Move an alias</h3>
        <form className="alias-form" onSubmit={(e) => {
          e.preventDefault();
          ask({ kind: 'move', alias: alias.trim(), from: model.aliases[alias.trim()] ?? null, to: version });
        }}>
          <label className="field"><span>Alias</span>
            <input value={alias} list="model-alias-names" required onChange={(e) => setAlias(e.target.value)} />
          </label>
          <datalist id="model-alias-names">{aliases.map((a) => <option key={a} value={a} />)}</datalist>
          <label className="field"><span>To version</span>
            <select value={version} onChange={(e) => setVersion(Number(e.target.value))}>
              {Array.from({ length: model.latestVersion }, (_, i) => model.latestVersion - i).map((n) => <option key={n} value={n}>v{n}</option>)}
            </select>
          </label>
          <label className="field"><span>Reason (optional)</span>
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit">Move…</button>
        </form>
        <ul className="rollbacks">
          {aliases.map((a) => {
            const target = rollbackTarget(history, a);
            return (
              <li key={a}>
                <button type="button" disabled={target === null} onClick={() => target !== null && ask({ kind: 'rollback', alias: a, from: model.aliases[a], to: target })}>
                  Roll back {a}…
                </button>
                <span className="muted"> {a} is on v{model.aliases[a]}{target === null ? '; it has had no other target to go back to' : `; a rollback points it at v${target} again`}</span>
              </li>
            );
          })}
        </ul>
        {pending && (
          <div className="confirm" role="group" aria-label="Confirm the change">
            <p>
              {pending.kind === 'move'
                ? pending.from === null ? `Set ${model.name}@${pending.alias} to v${pending.to}?` : `Move ${model.name}@${pending.alias} from v${pending.from} to v${pending.to}?`
                : `Roll ${model.name}@${pending.alias} back from v${pending.from} to v${pending.to}?`}
              {served.some((s) => s.alias === pending.alias) && ` The server serves ${model.name}@${pending.alias}: new requests go to the new version within seconds.`}
            </p>
            <div className="buttons">
              <button type="button" ref={confirm} onClick={() => void apply(pending)}>{pending.kind === 'move' ? 'Move' : 'Roll back'} {pending.alias}</button>
              <button type="button" onClick={answered}>Cancel</button>
            </div>
          </div>
        )}
        <p role="status" className={outcome && !outcome.ok ? 'error' : undefined}>{outcome?.text}</p>
      </section>

      <section aria-labelledby="model-history">
        <h3 id="model-history">Alias history, newest first</h3>
        {history.length === 0 ? <p className="muted">No alias of {model.name} has been set.</p> : (
          <table className="history">
            <thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">By</th><th scope="col">Reason</th></tr></thead>
            <tbody>
              {newestFirst(history).map((m, i) => (
                <tr key={history.length - i} className={m.rollback ? 'rollback' : undefined}>
                  <td>{when(m.at)}</td>
                  <td>{describeMove(m)}</td>
                  <td>{m.actor}</td>
                  <td>{m.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="model-monitoring">
        <h3 id="model-monitoring">Served here</h3>
        {served.length === 0 ? (
          <p className="muted">This server does not serve {model.name}: <code>bin/pipelines models serve {model.name}@{aliases[0] ?? 'ALIAS'}</code> serves it.</p>
        ) : (
          <>
            {served.length > 1 && (
              <label className="field"><span>Watch</span>
                <select value={watched ?? ''} onChange={(e) => setWatched(e.target.value)}>
                  {served.map((s) => <option key={s.id} value={s.id}>{s.id} (v{s.version}, {s.variant})</option>)}
                </select>
              </label>
            )}
            {watched && <MonitoringPanel id={watched} dark={dark} onError={onFatal} />}
          </>
        )}
      </section>
    </div>
  );
}
