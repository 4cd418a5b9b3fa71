// The help dialog (the shortcuts), the sign-in dialog (a bearer token, kept in sessionStorage only) and the run
// dialog (a run's params).
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { token } from '../api/client';
import { formatFieldValue, parseFieldValue } from '../model/forms';
import { shortcuts } from './shortcuts';

export function Modal({ open, onClose, label, children }: { open: boolean; onClose(): void; label: string; children: ReactNode }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return <dialog ref={dialog} aria-label={label} onClose={onClose}>{children}</dialog>;
}

export function HelpDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  return (
    <Modal open={open} onClose={onClose} label="Keyboard shortcuts">
      <h2>Keyboard shortcuts</h2>
      <table>
        <tbody>{shortcuts.map(([keys, what]) => <tr key={keys}><th scope="row"><kbd>{keys}</kbd></th><td>{what}</td></tr>)}</tbody>
      </table>
      <p>Dashed edges are needs implied by <code>{'${{ steps.X.outputs... }}'}</code> reads; solid ones are written in <code>needs</code>.
        Drag from a step's lower handle to another step to add a need.</p>
      <form method="dialog"><button type="submit" autoFocus>Close</button></form>
    </Modal>
  );
}

export function SignInDialog({ open, onClose, onSignedIn }: { open: boolean; onClose(): void; onSignedIn(): void }) {
  const [secret, setSecret] = useState('');
  return (
    <Modal open={open} onClose={onClose} label="Sign in">
      <h2>Sign in</h2>
      <p>This server needs a bearer token (one of its Auth:Tokens). It is kept in this tab's session storage only.</p>
      <form onSubmit={(e) => {
        e.preventDefault();
        token.set(secret.trim() || null);
        setSecret('');
        onSignedIn();
      }}>
        <label htmlFor="token">Bearer token</label>
        <input id="token" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} autoFocus />
        <div className="buttons">
          <button type="submit">Sign in</button>
          <button type="button" onClick={() => {
            token.set(null);
            onSignedIn();
          }}>Sign out</button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}

/** The params of a run, a field per declared param (its type's control, its default filled in); Start publishes and runs. */
export function RunDialog({ open, params, onClose, onStart }: {
  open: boolean;
  params: { name: string; type: string | null; default: unknown; description: string | null }[];
  onClose(): void;
  onStart(values: Record<string, unknown>): void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  useEffect(() => {
    if (open) setValues(Object.fromEntries(params.map((p) => [p.name, formatFieldValue(p.default)])));
  }, [open, params]);
  // A param's text is typed as a form field of its type is: only when it reads as one (else the server says why).
  const typed = (type: string | null, text: string): unknown => parseFieldValue({
    name: '', required: false, description: null,
    kind: type === 'number' || type === 'integer' || type === 'boolean' || type === 'string' || type === null ? type ?? 'string' : 'structured',
  }, text);
  return (
    <Modal open={open} onClose={onClose} label="Start a run">
      <h2>Start a run</h2>
      <p>The text is published first (an unchanged text keeps its version), then that version runs.</p>
      <form onSubmit={(e) => {
        e.preventDefault();
        const given = Object.fromEntries(params.map((p) => [p.name, typed(p.type, values[p.name] ?? '')]).filter(([, v]) => v !== undefined));
        onStart(given);
      }}>
        {params.length === 0 && <p className="muted">This pipeline declares no params.</p>}
        {params.map((p) => (
          <label key={p.name} className="field">
            <span>{p.name} <span className="muted">{p.type ?? ''}</span></span>
            {p.type === 'boolean'
              ? <select value={values[p.name] ?? ''} onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}><option value="true">true</option><option value="false">false</option></select>
              : <input type={p.type === 'number' || p.type === 'integer' ? 'number' : 'text'} value={values[p.name] ?? ''}
                  onChange={(e) => setValues({ ...values, [p.name]: e.target.value })} />}
            {p.description && <span className="help">{p.description}</span>}
          </label>
        ))}
        <div className="buttons">
          <button type="submit">Start</button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Modal>
  );
}
