// The text diff of two versions with @codemirror/merge: unified (B's text with A's deleted lines between) or side by
// side, read-only, YAML-highlighted, in the designer's theme. Next and previous change move through the changes
// from the keyboard.
import { goToNextChunk, goToPreviousChunk, MergeView, unifiedMergeView } from '@codemirror/merge';
import { yaml } from '@codemirror/lang-yaml';
import { EditorState, type Extension } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

export interface DiffTextProps {
  a: string;
  b: string;
  aLabel: string;
  bLabel: string;
  sideBySide: boolean;
  dark: boolean;
}

export function DiffText({ a, b, aLabel, bLabel, sideBySide, dark }: DiffTextProps) {
  const host = useRef<HTMLDivElement>(null);
  // The editor the change buttons move in: B's (unified, or the right-hand side).
  const target = useRef<EditorView | null>(null);

  useEffect(() => {
    const parent = host.current!;
    const readOnly = (label: string): Extension => [
      basicSetup,
      yaml(),
      dark ? oneDark : [],
      EditorState.readOnly.of(true),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': `${label}, read only`, 'aria-readonly': 'true' }),
    ];
    if (sideBySide) {
      const view = new MergeView({ a: { doc: a, extensions: readOnly(aLabel) }, b: { doc: b, extensions: readOnly(bLabel) }, parent, gutter: true });
      target.current = view.b;
      return () => view.destroy();
    }
    const view = new EditorView({
      parent,
      state: EditorState.create({
        doc: b,
        extensions: [readOnly(`${bLabel} against ${aLabel}`), unifiedMergeView({ original: a, mergeControls: false, gutter: true })],
      }),
    });
    target.current = view;
    return () => view.destroy();
  }, [a, b, aLabel, bLabel, sideBySide, dark]);

  const move = (command: typeof goToNextChunk) => {
    const view = target.current;
    if (!view) return;
    command(view);
    view.focus();
  };

  return (
    <div className="diff-text-panel">
      <div className="diff-text-bar">
        <span className="muted">{sideBySide ? `${aLabel} | ${bLabel}` : `${aLabel} → ${bLabel}`}</span>
        <button type="button" onClick={() => move(goToPreviousChunk)}>Previous change</button>
        <button type="button" onClick={() => move(goToNextChunk)}>Next change</button>
      </div>
      <div className="diff-text" ref={host} role="region" aria-label="Text diff" tabIndex={0} />
    </div>
  );
}
