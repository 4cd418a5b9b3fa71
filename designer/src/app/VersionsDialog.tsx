// The published versions of the pipeline being edited (its metadata.name), newest first: open one into the editor, or
// compare two (or one with the editor's text) in the compare view.
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, type VersionSummary } from '../api/client';
import { contentHash, defaultPair } from '../model/versionDiff';
import { Modal } from './Dialogs';

/** One side of a comparison: a version's number, or the editor's text. */
export type Side = number | 'text';

export interface Comparison {
  name: string;
  /** Newest first. */
  versions: VersionSummary[];
  a: Side;
  b: Side;
}

export const sideLabel = (side: Side) => (side === 'text' ? "the editor's text" : `version ${side}`);

type Listing =
  | { kind: 'reading' }
  | { kind: 'none' }
  | { kind: 'failed'; message: string }
  | { kind: 'listed'; versions: VersionSummary[]; textHash: string | null };

export interface VersionsDialogProps {
  open: boolean;
  /** The pipeline's metadata.name, or null when it has none yet. */
  name: string | null;
  text: string;
  onClose(): void;
  onOpen(name: string, version: number, yaml: string): void;
  onCompare(comparison: Comparison): void;
  onError(e: unknown): void;
}

export function VersionsDialog({ open, name, text, onClose, onOpen, onCompare, onError }: VersionsDialogProps) {
  const [listing, setListing] = useState<Listing>({ kind: 'reading' });

  const read = useCallback(async (pipeline: string, current: string) => {
    setListing({ kind: 'reading' });
    try {
      const versions = [...(await api.versions(pipeline))].reverse();
      // Which version holds the editor's text: the server's hash, computed here (crypto.subtle needs a secure context:
      // https, or the loopback the server binds by default).
      const textHash = crypto.subtle ? await contentHash(current) : null;
      setListing({ kind: 'listed', versions, textHash });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setListing({ kind: 'none' });
      else {
        setListing({ kind: 'failed', message: e instanceof ApiError ? `the versions cannot be read: ${e.message}` : `the server cannot be reached: ${(e as Error).message}` });
        onError(e);
      }
    }
  }, [onError]);

  useEffect(() => {
    if (open && name) void read(name, text);
    // The list is read when the dialog opens; typing behind it does not read it again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, name, read]);

  const openVersion = async (version: number) => {
    try {
      onOpen(name!, version, (await api.version(name!, version)).yaml);
    } catch (e) {
      onError(e);
    }
  };

  const compare = (a: Side, b: Side) => listing.kind === 'listed' && onCompare({ name: name!, versions: listing.versions, a, b });

  return (
    <Modal open={open} onClose={onClose} label="Versions">
      <h2>Versions{name ? ` of ${name}` : ''}</h2>
      {!name ? (
        <p>Versions are kept per pipeline name: give the pipeline a <code>metadata.name</code>, then Publish makes its version 1.</p>
      ) : listing.kind === 'reading' ? (
        <p className="muted">Reading…</p>
      ) : listing.kind === 'none' ? (
        <p>{name} has no published version yet: Publish makes version 1.</p>
      ) : listing.kind === 'failed' ? (
        <p className="error" role="alert">{listing.message} <button type="button" onClick={() => void read(name, text)}>Try again</button></p>
      ) : (
        <VersionTable versions={listing.versions} textHash={listing.textHash} onOpen={(v) => void openVersion(v)} onCompare={compare} />
      )}
      <form method="dialog" className="buttons"><button type="submit">Close</button></form>
    </Modal>
  );
}

function VersionTable({ versions, textHash, onOpen, onCompare }: {
  versions: VersionSummary[];
  textHash: string | null;
  onOpen(version: number): void;
  onCompare(a: Side, b: Side): void;
}) {
  const latest = versions.find((v) => !v.retractedAt);
  const pair = defaultPair(versions, !!latest && latest.hash === textHash);
  return (
    <>
      {pair && (
        <p>
          <button type="button" onClick={() => onCompare(pair.a, pair.b)}>Compare {sideLabel(pair.a)} with {sideLabel(pair.b)}</button>
        </p>
      )}
      <table className="versions">
        <thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {versions.map((v, i) => {
            const previous = versions.slice(i + 1)[0];
            const state = [
              v === latest ? 'latest' : null,
              v.retractedAt ? `retracted ${when(v.retractedAt)}` : null,
              v.hash === textHash ? "the editor's text" : null,
            ].filter(Boolean).join(', ');
            return (
              <tr key={v.version}>
                <th scope="row">{v.version}</th>
                <td><time dateTime={v.publishedAt}>{when(v.publishedAt)}</time></td>
                <td>{state}</td>
                <td className="actions">
                  <div>
                    <button type="button" onClick={() => onOpen(v.version)}>Open<span className="visually-hidden"> version {v.version}</span></button>
                    <button type="button" onClick={() => onCompare(v.version, 'text')}>
                      Compare<span className="visually-hidden"> version {v.version}</span> with the text
                    </button>
                    {previous && (
                      <button type="button" onClick={() => onCompare(previous.version, v.version)}>
                        Compare<span className="visually-hidden"> version {v.version}</span> with {previous.version}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
