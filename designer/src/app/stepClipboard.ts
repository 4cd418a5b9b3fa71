// Ctrl+C / Ctrl+X / Ctrl+V / Ctrl+D on the canvas: the selected steps as YAML text on the system clipboard (the
// browser's copy, cut and paste events, so no permission is asked and the text pastes anywhere), pasted at the end of
// `steps:` (model/clipboard.ts). Only while the canvas has the focus, or nothing has: typing in a field or in the YAML
// view keeps the browser's own copy and paste.
import { useEffect, useRef } from 'react';
import { copySteps, pasteSteps } from '../model/clipboard';
import { deleteSelection } from '../model/pipelineEdits';
import type { ParsedPipeline } from '../model/pipelineGraph';
import type { TextChange } from '../model/textEdits';

export interface StepClipboardProps {
  parsed: ParsedPipeline;
  /** The steps selected on the canvas. */
  selection: readonly string[];
  edit(changes: TextChange[]): void;
  /** Selects the steps just pasted. */
  select(ids: string[]): void;
  say(message: string): void;
}

/** True when the key or clipboard event is the canvas's: focus on the canvas, or on nothing. */
function onCanvas(): boolean {
  const focused = document.activeElement;
  return !focused || focused === document.body || !!focused.closest('.canvas');
}

export function useStepClipboard(props: StepClipboardProps) {
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const paste = (text: string) => {
      const { parsed, edit, select, say } = latest.current;
      try {
        const result = pasteSteps(parsed, text);
        edit(result.changes);
        select(result.ids);
        say(result.message);
      } catch (e) {
        say(`cannot paste: ${(e as Error).message}`);
      }
    };

    const copy = (event: ClipboardEvent, cut: boolean) => {
      const { parsed, selection, edit, select, say } = latest.current;
      // Text selected on the page (a log line, a message) is what the user means to copy, not the steps.
      const text = document.getSelection();
      const textChosen = !!text && !text.isCollapsed && !text.anchorNode?.parentElement?.closest('.canvas');
      if (!onCanvas() || textChosen || selection.length === 0 || !event.clipboardData) return;
      event.clipboardData.setData('text/plain', copySteps(parsed, selection));
      event.preventDefault();
      const steps = selection.length === 1 ? `step ${selection[0]}` : `${selection.length} steps`;
      if (cut) {
        edit(deleteSelection(parsed, selection));
        select([]);
      }
      say(`${cut ? 'cut' : 'copied'} ${steps} as YAML`);
    };

    const onCopy = (e: ClipboardEvent) => copy(e, false);
    const onCut = (e: ClipboardEvent) => copy(e, true);
    const onPaste = (e: ClipboardEvent) => {
      if (!onCanvas() || !e.clipboardData) return;
      e.preventDefault();
      paste(e.clipboardData.getData('text/plain'));
    };
    // Duplicate needs no clipboard: the selection's own text, pasted at once.
    const onKey = (e: KeyboardEvent) => {
      const { parsed, selection } = latest.current;
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'd' || e.shiftKey || e.altKey || !onCanvas() || selection.length === 0) return;
      e.preventDefault();
      paste(copySteps(parsed, selection));
    };

    document.addEventListener('copy', onCopy);
    document.addEventListener('cut', onCut);
    document.addEventListener('paste', onPaste);
    window.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('copy', onCopy);
      document.removeEventListener('cut', onCut);
      document.removeEventListener('paste', onPaste);
      window.removeEventListener('keydown', onKey);
    };
  }, []);
}
